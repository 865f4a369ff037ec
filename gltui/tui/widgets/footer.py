"""Textual's Footer, recomposed at once when the keys it shows change, and only then.

Textual's :class:`~textual.widgets.Footer` composes nothing until the screen's
bindings are first published (focus moving to the table, on mount), then rebuilds
its keys after the *next* refresh, and again after every later publication, the same
keys or not. On the dashboard's cold start that cost two more layout passes, each
waiting for the next 60 Hz update tick, before the screen settled (measured: ~30 ms
of a ~120 ms first frame, issue 19). This footer rebuilds before that refresh, so
the keys are in the first frames, and skips rebuilding what it already shows.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen


class PromptFooter(Footer):
    """The key bar: Textual's, looking and acting the same."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._shown: Hashable = None
        """What the last compose drew (:meth:`_what_to_show`); ``None``: nothing yet."""
        self._rebuilding = False
        """A recompose is queued: it reads the bindings when it runs, so one is enough."""

    def _what_to_show(self) -> Hashable:
        """Everything :meth:`Footer.compose` reads: the screen's active bindings (not
        the node each comes from), how their keys display, and the footer's options."""
        app = self.app
        return (
            tuple(
                (
                    active.binding,
                    active.enabled,
                    active.tooltip,
                    app.get_key_display(active.binding),
                )
                for active in self.screen.active_bindings.values()
            ),
            self.show_command_palette,
            app.ENABLE_COMMAND_PALETTE,
            app.COMMAND_PALETTE_BINDING,
        )

    def compose(self) -> ComposeResult:
        self._shown = self._what_to_show() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """As Textual's, but the rebuild is queued now (not after the next refresh) and
        skipped when the footer shows these bindings already."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if not (self.is_attached and screen is self.screen) or self._rebuilding:
            return
        if self._what_to_show() == self._shown:
            return
        self._rebuilding = True
        self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuilding = False
        await self.recompose()
