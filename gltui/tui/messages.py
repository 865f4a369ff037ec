"""Messages to the dashboard, from its workers and its write side (``post_message`` is
thread-safe, so a worker posts them directly).

The refresh messages carry the refresh's number: an answer from a refresh that a
new configuration made stale is dropped (:class:`~gltui.tui.dashboard_state.DashboardState`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.message import Message

from gltui.domain.tokens import Token
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.tui.table_model import TokenRow

if TYPE_CHECKING:  # an annotation only: the pending store loads when one is kept
    from gltui.actions.pending import PendingReplacement


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

    def __init__(self, number: int, progress: Progress) -> None:
        super().__init__()
        self.number = number
        self.progress = progress


class InstanceRefreshed(Message):
    """One instance finished refreshing (successfully or not), with its rows."""

    def __init__(self, number: int, instance: InstanceInventory, rows: list[TokenRow]) -> None:
        super().__init__()
        self.number = number
        self.instance = instance
        self.rows = rows


class RefreshFinished(Message):
    """Every instance has answered (``error`` names an unexpected crash, if any)."""

    def __init__(self, number: int, error: str | None = None) -> None:
        super().__init__()
        self.number = number
        self.error = error


class LocalTrouble(Message):
    """A notice from the engine's files (not saved, set aside), from any thread."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TokensChanged(Message):
    """Tokens an action changed or made: patched into the table without a refresh."""

    def __init__(self, tokens: Sequence[Token], *, clear_marks: bool = False) -> None:
        super().__init__()
        self.tokens = list(tokens)
        self.clear_marks = clear_marks
        """A bulk action used the marks: forget them."""


class PendingChanged(Message):
    """The replacements waiting for the user's word, as the store now holds them."""

    def __init__(self, rows: Sequence[PendingReplacement]) -> None:
        super().__init__()
        self.rows = list(rows)


class EngineRebuilt(Message):
    """The configuration was read again (off the loop): the new engine, or why not."""

    def __init__(
        self, number: int, engine: InventoryEngine | None, error: str | None = None
    ) -> None:
        super().__init__()
        self.number = number
        self.engine = engine
        self.error = error
