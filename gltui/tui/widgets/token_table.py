"""A virtual token table: renders only the visible lines, so 10,000 rows stay fast.

Textual's DataTable builds an object per cell on every repopulation; re-filtering
10,000 rows that way costs hundreds of milliseconds per keystroke. This table
keeps a plain list of precomputed :class:`TokenRow` objects and draws the lines
in view with the Line API. All text is plain: names are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from gltui.domain.scopes import ScopeRisk
from gltui.domain.states import TokenState
from gltui.tui.table_model import COLUMNS, Column, TokenRow, View

GAP = 1
GUTTER = 2
"""Left of every line: ``✓`` marks a row chosen for a bulk action (visible without colour)."""
_MIN_WIDTHS = {
    Column.INSTANCE: 12,
    Column.KIND: 8,  # display.KIND_LABELS: eight cells at most
    Column.OWNER: 18,
    Column.NAME: 18,
    Column.SCOPES: 20,
    Column.FLAGS: 5,
    Column.STATE: 8,
    Column.EXPIRES: 22,
    Column.LAST_USED: 10,
    Column.CREATED: 10,
}
_DROP_ORDER = (
    Column.CREATED,
    Column.LAST_USED,
    Column.KIND,
    Column.SCOPES,
    Column.INSTANCE,
    Column.FLAGS,
    Column.OWNER,
)
"""Columns given up first when the terminal is narrow: at 120 columns scopes (with
risky ones marked) still show, and the kind from 121; at 80, owner, name, flags, state
and expiry remain (``t`` shows one kind at a time, and the status line names it)."""


def column_layout(width: int) -> list[tuple[Column, int]]:
    """Columns that fit ``width`` and their widths; the name column takes the slack."""
    shown = list(COLUMNS)
    for column in _DROP_ORDER:
        needed = sum(_MIN_WIDTHS[c] for c in shown) + GAP * (len(shown) - 1)
        if needed <= width:
            break
        shown.remove(column)
    used = sum(_MIN_WIDTHS[c] for c in shown) + GAP * (len(shown) - 1)
    slack = max(0, width - used)
    return [(c, _MIN_WIDTHS[c] + (slack if c is Column.NAME else 0)) for c in shown]


def fit(text: str, width: int) -> str:
    """Pad or clip to exactly ``width`` cells (clipped text ends with an ellipsis)."""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class TableHeader(Static):
    """Column titles, with the sort column marked; laid out like the table below it."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__("", id=id, markup=False)
        self._view = View()

    def show(self, view: View) -> None:
        """Redraw for a (possibly) new sort order."""
        self._view = view
        self.refresh()

    def render(self) -> str:
        parts = []
        for column, width in column_layout((self.content_region.width or 80) - GUTTER):
            title = column.value.upper()
            if column is self._view.sort:
                title += " ↓" if self._view.descending else " ↑"
            parts.append(fit(title, width))
        return " " * GUTTER + (" " * GAP).join(parts)


class TokenTable(ScrollView, can_focus=True):
    """The rows of the current view, with a cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "token-table--cursor",
        "token-table--marked",
        "token-table--expired",
        "token-table--expiring",
        "token-table--revoked",
        "token-table--risky",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Details", tooltip="Every field of the selected token"),
    ]

    cursor: reactive[int] = reactive(0)

    class Chosen(Message):
        """The user asked for a row's details (enter or double click)."""

        def __init__(self, row: TokenRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._rows: list[TokenRow] = []
        self.marked: frozenset[tuple[str, str, int]] = frozenset()
        """Identities of the rows drawn as marked for a bulk action (the dashboard's
        state owns the marks; :meth:`show_marks` hands them over)."""
        self._pass: tuple[Style, int, list[tuple[Column, int]]] | None = None
        """What every line of one drawing pass shares: the widget's style and the column
        layout for its width. Computed per line, they were half of :meth:`render_line`."""

    @property
    def rows(self) -> Sequence[TokenRow]:
        """The rows on show, in order."""
        return self._rows

    @property
    def current(self) -> TokenRow | None:
        """The row under the cursor."""
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def show(self, rows: list[TokenRow]) -> None:
        """Replace the rows; a cursor the user moved stays on its token if still shown."""
        previous = self.current if self.cursor > 0 else None  # at the top: stay there
        self._rows = rows
        # before the first layout (rows shown on mount) the table has no size yet: it
        # spans the screen, so take its width, and the first frame's layout already has
        # the final scrollbars (otherwise on_resize changes them: one more layout pass)
        width = self.size.width or self.app.size.width
        self.virtual_size = Size(width, len(rows))
        position = 0
        if previous is not None:
            identity = previous.token.identity
            position = next((i for i, r in enumerate(rows) if r.token.identity == identity), 0)
        self.cursor = position
        self._keep_cursor_visible()
        self.refresh()

    def watch_cursor(self) -> None:
        self._keep_cursor_visible()
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))

    def action_move(self, delta: int) -> None:
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, position: int) -> None:
        if self._rows:
            self.cursor = position if position >= 0 else len(self._rows) - 1

    def show_marks(self, marked: frozenset[tuple[str, str, int]]) -> None:
        """Draw these rows as marked (``✓`` in the gutter)."""
        self.marked = marked
        self.refresh()

    def replace_rows(self, fresh: dict[tuple[str, str, int], TokenRow]) -> None:
        """Swap rows in place by identity (after a revoke), keeping order and cursor."""
        self._rows = [fresh.get(row.token.identity, row) for row in self._rows]
        self.refresh()

    def action_choose(self) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self.current))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y)
        if 0 <= index < len(self._rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_choose()

    def notify_style_update(self) -> None:
        self._pass = None  # a theme, or the focus: the style changed
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass = None  # each pass reads the style and the width afresh
        return super().render_lines(crop)

    def _shared(self, width: int) -> tuple[Style, list[tuple[Column, int]]]:
        shared = self._pass
        if shared is None or shared[1] != width:
            shared = self._pass = (self.rich_style, width, column_layout(width - GUTTER))
        return shared[0], shared[2]

    def _row_style(self, row: TokenRow, index: int, style: Style) -> Style:
        if row.replaced is not None:  # quiet: its successor works, nothing to do
            style += self.get_component_rich_style("token-table--revoked")
        elif row.state is TokenState.EXPIRED:
            style += self.get_component_rich_style("token-table--expired")
        elif row.state is TokenState.EXPIRING:
            style += self.get_component_rich_style("token-table--expiring")
        elif row.state is TokenState.REVOKED:
            style += self.get_component_rich_style("token-table--revoked")
        if row.token.identity in self.marked:
            style += self.get_component_rich_style("token-table--marked")
        if index == self.cursor:
            style += self.get_component_rich_style("token-table--cursor")
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + int(self.scroll_offset.y)
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        base, layout = self._shared(width)
        style = self._row_style(row, index, base)
        risky = self.get_component_rich_style("token-table--risky")
        mark = "✓ " if row.token.identity in self.marked else "  "
        segments = [Segment(mark, style)]
        for position, (column, column_width) in enumerate(layout):
            if position:
                segments.append(Segment(" " * GAP, style))
            text = fit(row.cells[COLUMNS.index(column)], column_width)
            cell_style = style
            if column is Column.SCOPES and row.risk >= ScopeRisk.WRITE:
                cell_style = style + risky
            segments.append(Segment(text, cell_style))
        return Strip(segments).extend_cell_length(width, style).crop(0, width)
