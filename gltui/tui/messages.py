"""Messages the refresh worker posts to the dashboard (thread-safe by ``post_message``)."""

from __future__ import annotations

from textual.message import Message

from gltui.inventory.model import InstanceInventory, Inventory, Progress


class SnapshotsLoaded(Message):
    """The cached inventory, read before any network call."""

    def __init__(self, inventory: Inventory) -> None:
        super().__init__()
        self.inventory = inventory


class RefreshProgressed(Message):
    """One instance's refresh advanced."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class InstanceRefreshed(Message):
    """One instance finished refreshing (successfully or not)."""

    def __init__(self, instance: InstanceInventory) -> None:
        super().__init__()
        self.instance = instance


class RefreshFinished(Message):
    """Every instance has answered."""
