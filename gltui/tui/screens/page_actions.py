"""The dashboard's ``y`` (the yank menu) and ``o`` (the token's GitLab page).

A mixin, so dashboard.py stays small, and a module of its own so the dashboard's first
frame does not load the yank menu, what it copies and the browser: they load on the
first ``y`` or ``o`` (cold start, issue 19).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from gltui.tui.widgets.token_table import TokenTable

if TYPE_CHECKING:
    from gltui.domain.tokens import Token
    from gltui.tui.dashboard_state import DashboardState


class PageActions:
    """``y`` and ``o`` on the table's selected token."""

    state: DashboardState

    def _page_target(self) -> tuple[Screen[Any], Token | None, str]:
        assert isinstance(self, Screen)
        current = self.query_one(TokenTable).current
        token = current.token if current is not None else None
        return self, token, self.state.urls.get(token.instance, "") if token else ""

    def action_yank(self) -> None:
        from gltui.tui.screens.yank import open_yank

        open_yank(*self._page_target())

    def action_open_page(self) -> None:
        from gltui.tui.screens.yank import open_page

        open_page(*self._page_target())
