"""Many instances at once: the walk, progress, partial failures, snapshots and history.

Consumers (dashboard, reports) get an :class:`~gltui.inventory.model.Inventory`;
they never see python-gitlab. Nothing here imports Textual.
"""
