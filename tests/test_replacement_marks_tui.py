"""Which tokens are replaced is told in a worker, not on the event loop (issue 19: at
100,000 tokens it is 0.3-0.4 s of pure Python), and an answer about rows the dashboard
no longer shows is dropped: the dashboard asks again over the rows it has.

The tests wait on the dashboard's own answer messages (``ReplacementsFound``, which
bubbles to the app once the dashboard applied it), never on time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gltui.actions.pending import PendingReplacement
from gltui.domain.replaced import Identity as ReplacedIdentity
from gltui.domain.replaced import Replacement, Succession, find_replacements
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token
from gltui.inventory.cache import History
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.tui import table_model
from gltui.tui.messages import (
    InstanceRefreshed,
    PendingChanged,
    RefreshFinished,
    TokensChanged,
)
from gltui.tui.replacement_marks import MarkJob, MarksAnswer
from gltui.tui.screens.deployed_actions import ReplacementsFound
from gltui.tui.table_model import MarkChange
from gltui.tui.widgets.cards import StateCard
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import WAIT_LIMIT, ObservedApp, ready
from tests.test_replaced_surfaces import GONE, LONE, token, walker

PENDING = PendingReplacement(
    "work", "personal_access_token:4", "old release", "personal_access_token:5", NOW
)
"""A replacement in progress: #5 ("release 2027") takes the revoked #4's place; the names
differ, so only this link tells #4 replaced."""


class MarksApp(ObservedApp):
    """Also records the replaced-marks answers (after the dashboard applied them)."""

    def on_replacements_found(self, message: ReplacementsFound) -> None:
        self.seen.add(message)


def make_app(tmp_path: Path) -> MarksApp:
    spec = InstanceSpec("work", "https://work.example", Secret("unused"))
    engine = InventoryEngine([spec], walker=walker, history=History(tmp_path / "data"))
    return MarksApp(engine, clock=fixed_clock)


def state_cells(app: MarksApp) -> dict[int, str]:
    return {row.token.id: row.cells[6] for row in app.dashboard.query_one(TokenTable).rows}


def cards_said(app: MarksApp) -> dict[str, str]:
    return {c.state.value: str(c.border_subtitle) for c in app.dashboard.query(StateCard)}


class Threads:
    """Records the thread each ``find_replacements`` call runs on; ``hold_first``: the
    first call from a worker thread waits until :attr:`release` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, hold_first: bool = False) -> None:
        self.names: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self._hold = hold_first
        real = find_replacements

        def spy(
            entries: Iterable[tuple[Token, bool]], links: Iterable[Succession] = ()
        ) -> dict[ReplacedIdentity, Replacement]:
            entries = list(entries)  # read the rows before waiting, as a slow call would
            on_worker = threading.current_thread() is not threading.main_thread()
            self.names.append(threading.current_thread().name)
            if on_worker and self._hold:
                self._hold = False
                self.entered.set()
                assert self.release.wait(WAIT_LIMIT), "the test never released the worker"
            return real(entries, links)

        monkeypatch.setattr(table_model, "find_replacements", spy)

    @property
    def on_loop(self) -> int:
        return sum(name == threading.main_thread().name for name in self.names)


async def test_a_pending_change_marks_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert state_cells(app)[4] == "revoked"  # no link yet, and the names differ
        assert cards_said(app)["revoked"] == ""
        threads = Threads(monkeypatch)
        before = app.seen.count(ReplacementsFound)
        app.dashboard.post_message(PendingChanged([PENDING]))
        await app.seen.handled_at_least(ReplacementsFound, before + 1)
        assert state_cells(app)[4] == "replaced"
        assert cards_said(app)["revoked"] == "1 replaced"
        assert "1 replacement pending" in str(app.dashboard.query_one("#view-status").render())
        assert threads.names
        assert threads.on_loop == 0  # never on the event loop
        # the replacement ends (the store no longer holds it): the mark goes, again off it
        app.dashboard.post_message(PendingChanged([]))
        await app.seen.handled_at_least(ReplacementsFound, before + 2)
        assert state_cells(app)[4] == "revoked"
        assert threads.on_loop == 0


async def test_a_patched_rotation_is_marked_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An action's patch (a rotation: the old token revoked, its successor new) no longer
    tells the marks itself: the worker that follows does."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert state_cells(app)[3] == "expired"  # "sonar": nothing took its place yet
        threads = Threads(monkeypatch)
        before = app.seen.count(ReplacementsFound)
        successor = replace(token(9, "sonar", 90, created_days_ago=0), created_at=NOW)
        app.dashboard.post_message(TokensChanged([replace(LONE, revoked=True), successor]))
        await app.seen.handled_at_least(ReplacementsFound, before + 1)
        assert state_cells(app)[3] == "replaced"
        assert state_cells(app)[9] == "active"
        assert threads.names
        assert threads.on_loop == 0


async def test_an_answer_about_replaced_rows_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows change while the worker runs (a refresh answered): its answer, about the
    old rows, is dropped, and the dashboard asks again over the new ones."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        state = app.dashboard.state
        answers: list[MarksAnswer] = []
        found = state.replacements_found

        def spy(job: MarkJob, changes: list[MarkChange]) -> MarksAnswer:
            answers.append(found(job, changes))
            return answers[-1]

        monkeypatch.setattr(state, "replacements_found", spy)
        threads = Threads(monkeypatch, hold_first=True)
        old_gone = next(row for row in state.rows_of("work") if row.token.id == GONE.id)
        before = app.seen.count(ReplacementsFound)
        app.dashboard.post_message(PendingChanged([PENDING]))
        assert await asyncio.to_thread(threads.entered.wait, WAIT_LIMIT)  # it runs, held
        # meanwhile a refresh answers with new rows (not marked: only a new job can)
        instance = state.instances["work"]
        refreshed = replace(instance, fetched_at=NOW + timedelta(minutes=1))
        rows = state.build(refreshed, NOW, replaced=False)
        app.dashboard.post_message(InstanceRefreshed(state.refreshes.current, refreshed, rows))
        await pilot.pause()
        assert state.rows_of("work") == rows
        threads.release.set()
        await app.seen.handled_at_least(ReplacementsFound, before + 2)
        assert answers == [MarksAnswer.STALE, MarksAnswer.APPLIED]
        assert old_gone.replaced is None  # the stale answer touched nothing
        new_gone = next(row for row in rows if row.token.id == GONE.id)
        assert new_gone.replaced is not None
        assert new_gone.replaced.successor.id == 5
        assert state_cells(app)[4] == "replaced"
        assert threads.on_loop == 0


async def test_a_refresh_built_before_the_links_changed_is_marked_at_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh's threads mark its rows with the links of then; the links changing
    meanwhile (after their own job answered) is caught when the refresh ends."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        state = app.dashboard.state
        number = state.begin_refresh()  # as r does; its walk is played by hand below
        assert number is not None
        before = app.seen.count(ReplacementsFound)
        app.dashboard.post_message(PendingChanged([PENDING]))
        await app.seen.handled_at_least(ReplacementsFound, before + 1)
        assert state_cells(app)[4] == "replaced"
        # the refresh's rows, built in its thread before the links changed: no mark
        instance = replace(state.instances["work"], fetched_at=NOW + timedelta(minutes=1))
        rows = state.build(instance, NOW, replaced=False)
        app.dashboard.post_message(InstanceRefreshed(number, instance, rows))
        await pilot.pause()
        assert state_cells(app)[4] == "revoked"  # shown as the thread left it
        threads = Threads(monkeypatch)
        app.dashboard.post_message(RefreshFinished(number))
        await app.seen.handled_at_least(ReplacementsFound, before + 2)
        assert state_cells(app)[4] == "replaced"
        assert threads.on_loop == 0
