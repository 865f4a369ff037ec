"""``@``: the API log, one line per request gltui made, newest at the bottom.

lazygit's command log is the model: what gltui asked of each instance, what came
back, how long it took, and what the transport decided (retries, waits, refused
redirects). It follows new requests while the view is at the bottom and stays
put once the user scrolls up (``end`` follows again).

Records arrive on worker threads (every walk and action thread adds to the
app's :class:`~gltui.adapters.log.RequestLog`). The listener only rings a
doorbell: the first record of a burst posts one message (``post_message`` is
thread-safe and, unlike ``call_from_thread``, never blocks a network thread on
the event loop); the handler then reads the log's own copy, so nothing is lost or
shown twice however the burst interleaves. Paths and notes come from servers:
each cell is escaped and scrubbed, and drawn as plain segments (never markup).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from gltui.adapters.log import RequestLog, RequestRecord
from gltui.domain.display import printable, printable_said
from gltui.tui.widgets.token_table import fit
from gltui.tui.worker_errors import ForwardsWorkerErrors

GAP = 1
TITLES = ("TIME", "INSTANCE", "METHOD", "PATH", "CODE", "MS", "TRY", "NOTE")
_FIXED = {0: 8, 2: 6, 4: 4, 5: 5, 6: 3}
"""Widths of the columns that never grow: time, method, status, ms and retries."""
_RIGHT = frozenset({5, 6})
"""Numbers are right-aligned."""
_STATUS = 4


def status_class(status: int | None) -> str:
    """The component class that colours a status: 2xx, 3xx (a redirect gltui refused),
    4xx, 5xx, or no answer at all."""
    if status is None:
        return "request-log--none"
    if status < 300:
        return "request-log--ok"
    if status < 400:
        return "request-log--redirect"
    if status < 500:
        return "request-log--client"
    return "request-log--server"


def cells(record: RequestRecord) -> tuple[str, ...]:
    """The text of each column; everything a server chose is escaped and scrubbed."""
    at = record.at.astimezone(UTC).strftime("%H:%M:%S") if record.at else "--:--:--"
    return (
        at,
        printable_said(record.instance),
        printable(record.method),
        printable_said(record.path),
        "---" if record.status is None else str(record.status),
        f"{record.seconds * 1000:.0f}",
        str(record.retries) if record.retries else "",
        printable_said(record.note),
    )


def log_layout(width: int) -> list[int]:
    """Column widths for ``width`` cells: instance, path and note share what the fixed
    columns leave: the path two thirds of it up to 40 cells (a token listing's whole path),
    the note the rest (a refused redirect names its target there)."""
    spare = max(0, width - sum(_FIXED.values()) - GAP * (len(TITLES) - 1))
    instance = min(16, max(8, spare // 5))
    path = min(40, max(8, (spare - instance) * 2 // 3))
    note = max(4, spare - instance - path)
    flexible = {1: instance, 3: path, 7: note}
    return [_FIXED.get(index, flexible.get(index, 0)) for index in range(len(TITLES))]


def line_text(texts: Sequence[str], width: int) -> list[str]:
    """Each column's text clipped or padded to its width (numbers to the right)."""
    shown = []
    for index, (text, size) in enumerate(zip(texts, log_layout(width), strict=True)):
        right = index in _RIGHT and len(text) <= size
        shown.append(text.rjust(size) if right else fit(text, size))
    return shown


class LogHeader(Static):
    """Column titles, laid out like the lines below (whose scrollbar is always there)."""

    def render(self) -> str:
        width = self.content_region.width or 80
        return (" " * GAP).join(line_text(TITLES, width))


class RequestLogView(ScrollView, can_focus=True):
    """The records, drawn line by line (only the visible ones), following the newest."""

    DEFAULT_CSS = """
    RequestLogView {
        height: 1fr;
        overflow-y: scroll;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    RequestLogView > .request-log--ok { color: $success; }
    RequestLogView > .request-log--redirect { color: $accent; }
    RequestLogView > .request-log--client { color: $warning; }
    RequestLogView > .request-log--server { color: $error; text-style: bold; }
    RequestLogView > .request-log--none { color: $error; text-style: italic; }
    RequestLogView > .request-log--time { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "request-log--ok",
        "request-log--redirect",
        "request-log--client",
        "request-log--server",
        "request-log--none",
        "request-log--time",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "scroll_up", "Up", show=False),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("g", "scroll_home", "First", show=False),
        Binding("G", "scroll_end", "Last (follow)", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.records: list[RequestRecord] = []

    @property
    def following(self) -> bool:
        """Whether the view is at the bottom (new records then scroll into view)."""
        return self.scroll_y >= self.max_scroll_y

    def show(self, records: list[RequestRecord]) -> None:
        """Replace the records (the log's copy, oldest first); follow if at the bottom."""
        follow = self.following
        self.records = records
        self.virtual_size = Size(self.scrollable_content_region.width, len(records))
        if follow:
            height = self.scrollable_content_region.height
            self.scroll_to(y=max(0, len(records) - height), animate=False, immediate=True)
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.records))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + int(self.scroll_y)
        base = self.rich_style
        if index >= len(self.records):
            return Strip.blank(width, base)
        record = self.records[index]
        segments: list[Segment] = []
        for column, text in enumerate(line_text(cells(record), width)):
            if column:
                segments.append(Segment(" " * GAP, base))
            style: Style = base
            if column == 0:
                style = base + self.get_component_rich_style("request-log--time")
            elif column == _STATUS:
                style = base + self.get_component_rich_style(status_class(record.status))
            segments.append(Segment(text, style))
        return Strip(segments).extend_cell_length(width, base).crop(0, width)


class RequestLogScreen(ForwardsWorkerErrors, Screen[None]):
    """The API log; ``esc`` (or ``@`` again) goes back."""

    DEFAULT_CSS = """
    RequestLogScreen { layout: vertical; }
    #request-log-title { height: 1; padding: 0 1; background: $boost; text-wrap: nowrap; }
    #request-log-header { height: 1; padding: 0 1 0 0; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,at", "close", "Back", tooltip="Back to the dashboard"),
    ]

    class Grew(Message):
        """New records are in the log (posted from whichever thread added them)."""

    def __init__(self, log: RequestLog) -> None:
        super().__init__()
        self.request_log = log
        self._rung = False
        self._stop: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="request-log-title", markup=False)
        yield LogHeader("", id="request-log-header", markup=False)
        yield RequestLogView(id="request-log")
        yield Footer()

    def on_mount(self) -> None:
        self._stop = self.request_log.listen(self._ring)  # before the first read: nothing slips by
        self.query_one(RequestLogView).focus()
        self._show()

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop()

    def _ring(self, _record: RequestRecord) -> None:
        """On a worker thread: ask for one redraw per burst, whatever its size."""
        if not self._rung:
            self._rung = True
            self.post_message(self.Grew())

    def on_request_log_screen_grew(self, _message: Grew) -> None:
        self._rung = False  # before reading: a record added after the read rings again
        self._show()

    def _show(self) -> None:
        records = self.request_log.records()
        self.query_one(RequestLogView).show(records)
        total = self.request_log.total
        kept = "" if total == len(records) else f" (the newest {len(records):,} kept)"
        self.query_one("#request-log-title", Static).update(
            f"API log: {total:,} requests{kept}, newest at the bottom · end follows · esc back"
        )

    def action_close(self) -> None:
        self.dismiss(None)


def open_request_log(app: App[Any]) -> None:
    """Show the app's API log (an app without one says so)."""
    log = getattr(app, "request_log", None)
    if not isinstance(log, RequestLog):
        app.notify("This session keeps no API log.", timeout=3, markup=False)
        return
    app.push_screen(RequestLogScreen(log))
