"""Messages the refresh worker posts to the dashboard (thread-safe by ``post_message``)."""

from __future__ import annotations

from textual.message import Message

from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.tui.table_model import TokenRow


class SnapshotsLoaded(Message):
    """The cached inventory and its table rows (built off the event loop)."""

    def __init__(
        self, inventory: Inventory, rows: dict[str, list[TokenRow]], refresh: bool = True
    ) -> None:
        super().__init__()
        self.inventory = inventory
        self.rows = rows
        self.refresh = refresh
        """Start a refresh once they are shown (not when one is already running)."""


class RefreshProgressed(Message):
    """One instance's refresh advanced."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class InstanceRefreshed(Message):
    """One instance finished refreshing (successfully or not), with its rows."""

    def __init__(self, instance: InstanceInventory, rows: list[TokenRow]) -> None:
        super().__init__()
        self.instance = instance
        self.rows = rows


class RefreshFinished(Message):
    """Every instance has answered (``error`` names an unexpected crash, if any)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class LocalTrouble(Message):
    """A notice from the engine's files (not saved, set aside), from any thread."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
