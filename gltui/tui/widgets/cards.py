"""GitLab's four statistics cards, summed over every instance and kind."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from gltui.domain.display import grouped
from gltui.domain.states import StateCounts
from gltui.tui.table_model import StateFilter

_TITLES = {
    StateFilter.ACTIVE: "active",
    StateFilter.EXPIRING: "expiring",
    StateFilter.REVOKED: "revoked",
    StateFilter.EXPIRED: "expired",
}


class StateCard(Static):
    """One card: a count and a title; a click filters the table to it."""

    def __init__(self, state: StateFilter, key: int) -> None:
        super().__init__("", id=f"card-{state.value}", classes="card", markup=False)
        self.state = state
        self.key = key
        self.count = 0
        self.border_title = str(key)

    def show(self, count: int, *, window: int, replaced: int = 0) -> None:
        """Update the count (the expiring card names its window). ``replaced``: how many
        of them have a working successor, said quietly on the bottom border (GitLab's
        count stays the card's number: :mod:`gltui.domain.replaced`)."""
        self.count = count
        title = _TITLES[self.state]
        if self.state is StateFilter.EXPIRING:
            title = f"expiring ≤{window}d"
        self.update(f"{grouped(count)} {title}")
        self.border_subtitle = f"{grouped(replaced)} replaced" if replaced else ""

    def on_click(self) -> None:
        self.post_message(StateCards.Chosen(self.state))


class StateCards(Horizontal):
    """The row of four cards; the card being filtered on is highlighted."""

    class Chosen(Message):
        """A card was clicked (``None`` never comes from a click: ``0`` shows all)."""

        def __init__(self, state: StateFilter | None) -> None:
            super().__init__()
            self.state = state

    def compose(self) -> ComposeResult:
        for key, state in enumerate(StateFilter, start=1):
            yield StateCard(state, key)

    def show(
        self,
        counts: StateCounts,
        selected: StateFilter | None,
        window: int,
        replaced: Mapping[str, int] | None = None,
    ) -> None:
        """New counts, and which card (if any) the table is filtered on; ``replaced``:
        per state (``revoked``, ``expired``), how many of its tokens are replaced."""
        values = {
            StateFilter.ACTIVE: counts.active,
            StateFilter.EXPIRING: counts.expiring,
            StateFilter.REVOKED: counts.revoked,
            StateFilter.EXPIRED: counts.expired,
        }
        for card in self.query(StateCard):
            quiet = (replaced or {}).get(card.state, 0)
            card.show(values[card.state], window=window, replaced=quiet)
        self.set_selected(selected)

    def set_selected(self, selected: StateFilter | None) -> None:
        """Highlight the card the table is filtered on."""
        for card in self.query(StateCard):
            card.set_class(card.state is selected, "selected")
