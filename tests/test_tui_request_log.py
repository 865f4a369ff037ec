"""The API log screen (``@``): records added on other threads appear, coloured by
status class, escaped where a server chose the text, and followed at the bottom."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from textual.pilot import Pilot

from gltui.adapters.log import RequestLog, RequestRecord
from gltui.inventory.engine import InventoryEngine
from gltui.tui.app import GltuiApp
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.help import HelpScreen
from gltui.tui.screens.request_log import (
    GAP,
    TITLES,
    RequestLogScreen,
    RequestLogView,
    log_layout,
    status_class,
)
from tests.conftest import fixed_clock

AT = datetime(2026, 11, 21, 12, 0, 5, tzinfo=UTC)
HOSTILE_PATH = "/x\x1b]52;c;AAAA\x07"
RECORDS = [
    RequestRecord("work", "GET", "/api/v4/user", 200, 0.042, at=AT),
    RequestRecord(
        "work",
        "GET",
        "/api/v4/projects",
        302,
        0.01,
        note="redirect to https://elsewhere/ refused",
        at=AT,
    ),
    RequestRecord("work", "GET", "/api/v4/groups", 503, 1.5, retries=2, note="gave up", at=AT),
    RequestRecord("work", "DELETE", "/api/v4/personal_access_tokens/7", 404, 0.02, at=AT),
    RequestRecord("slow", "GET", "/api/v4/metadata", None, 10.0, note="timeout", at=AT),
    RequestRecord("work", "GET", HOSTILE_PATH, 200, 0.001, note="\x9b2J", at=AT),
]


def app_with(log: RequestLog) -> GltuiApp:
    return GltuiApp(InventoryEngine([]), clock=fixed_clock, request_log=log)


def add_from_a_thread(log: RequestLog, records: Iterable[RequestRecord]) -> None:
    """Records arrive as the transport adds them: on another thread than the UI's."""

    def add_all() -> None:
        for record in records:
            log.add(record)

    worker = threading.Thread(target=add_all)
    worker.start()
    worker.join()


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app process messages until ``condition`` holds (no sleeping)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never held")


def view_of(app: GltuiApp) -> RequestLogView:
    assert isinstance(app.screen, RequestLogScreen)
    return app.screen.query_one(RequestLogView)


def visible_lines(view: RequestLogView) -> list[str]:
    shown = min(len(view.records) - int(view.scroll_y), view.scrollable_content_region.height)
    return [view.render_line(y).text for y in range(shown)]


def test_status_classes_and_layout() -> None:
    assert [status_class(s) for s in (200, 204, 302, 404, 429, 500, 503, None)] == [
        "request-log--ok",
        "request-log--ok",
        "request-log--redirect",
        "request-log--client",
        "request-log--client",
        "request-log--server",
        "request-log--server",
        "request-log--none",
    ]
    for width in (79, 119, 200):
        assert sum(log_layout(width)) + GAP * (len(TITLES) - 1) == width


async def test_at_opens_the_log_and_records_from_threads_appear() -> None:
    log = RequestLog()
    log.add(RECORDS[0])  # before the screen opens: shown from the log's copy
    app = app_with(log)
    async with app.run_test(size=(140, 24)) as pilot:
        await pilot.pause()
        await pilot.press("at")
        await until(pilot, lambda: isinstance(app.screen, RequestLogScreen))
        add_from_a_thread(log, RECORDS[1:])
        view = view_of(app)
        await until(pilot, lambda: len(view.records) == len(RECORDS))
        lines = visible_lines(view)
        assert len(lines) == len(RECORDS)
        assert "/api/v4/user" in lines[0]
        assert " 200 " in lines[0]
        assert " 42 " in lines[0]  # milliseconds
        assert "302" in lines[1]
        assert "redirect to https://elsewhere/ refused" in lines[1]
        assert " 503 " in lines[2]
        assert "gave up" in lines[2]
        assert "DELETE" in lines[3]
        assert "404" in lines[3]
        assert "---" in lines[4]
        assert "timeout" in lines[4]
        assert "/x\\x1b]52;c;AAAA\\x07" in lines[5]  # the server's path, escaped
        assert "\\x9b2J" in lines[5]
        for line in lines:
            assert not any(control in line for control in ("\x1b", "\x07", "\x9b"))
        for y, record in enumerate(RECORDS):  # the status cell wears its class's colour
            colour = view.get_component_rich_style(status_class(record.status)).color
            status = "---" if record.status is None else str(record.status)
            cell = next(s for s in view.render_line(y) if s.text.strip() == status)
            assert cell.style is not None
            assert cell.style.color == colour
        title = str(app.screen.query_one("#request-log-title").render())
        assert f"{len(RECORDS)} requests" in title
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_the_log_follows_new_records_until_scrolled_up() -> None:
    log = RequestLog()
    app = app_with(log)

    def batch(start: int, count: int) -> list[RequestRecord]:
        return [
            RequestRecord("work", "GET", f"/api/v4/r/{n}", 200, 0.01, at=AT)
            for n in range(start, start + count)
        ]

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("at")
        await until(pilot, lambda: isinstance(app.screen, RequestLogScreen))
        view = view_of(app)
        add_from_a_thread(log, batch(0, 100))
        await until(pilot, lambda: len(view.records) == 100)
        assert view.scroll_y > 0
        assert "/api/v4/r/99 " in visible_lines(view)[-1]  # the newest is in view
        await pilot.press("home")
        await until(pilot, lambda: view.scroll_y == 0)
        add_from_a_thread(log, batch(100, 10))
        await until(pilot, lambda: len(view.records) == 110)
        assert view.scroll_y == 0  # scrolled up: the view stays put
        assert "/api/v4/r/0 " in visible_lines(view)[0]
        await pilot.press("end")
        await until(pilot, lambda: view.following)
        add_from_a_thread(log, batch(110, 5))
        await until(pilot, lambda: len(view.records) == 115)
        assert "/api/v4/r/114 " in visible_lines(view)[-1]  # following again
        await pilot.press("at")  # the key that opened it closes it
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_the_log_key_is_in_the_help_and_the_palette() -> None:
    app = app_with(RequestLog())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        assert any(
            line.strip().startswith("@") and "The API log" in line for line in text.splitlines()
        )
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert any(title.startswith("Log: The API log") for title in titles)
