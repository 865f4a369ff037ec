"""Nothing blocks the loop, nothing is lost: workers that fail, answers that come late.

Fakes stand in for GitLab and the configuration so each test controls the order of
events with ``threading.Event``s; the tests wait on those and on messages, never on
time passing.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from textual.app import App
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList

import gltui.tui
from gltui.actions.service import Issued
from gltui.domain.secret import Secret
from gltui.domain.templates import BUILTIN_TEMPLATES, CreateRequest
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.app import GltuiApp
from gltui.tui.messages import RefreshFinished
from gltui.tui.screens.add_instance import AddInstanceScreen
from gltui.tui.screens.create import CreateScreen, Place
from gltui.tui.screens.welcome import FirstRunApp
from gltui.tui.widgets.token_table import TokenTable
from gltui.tui.worker_errors import ForwardsWorkerErrors, ReportsWorkerErrors
from tests.conftest import NOW, fixed_clock

LIMIT = 10.0
"""Seconds before a wait gives up (each answer here comes in milliseconds)."""


class Heard:
    """A ``message_hook``: records notifications and finished refreshes as they are
    dispatched (a bubbling message is dispatched at each node: counted once)."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []
        self._finished: list[RefreshFinished] = []
        self._changed = asyncio.Event()

    @property
    def finished(self) -> int:
        """How many refreshes have ended."""
        return len(self._finished)

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.notifications.append(message.notification)
        elif isinstance(message, RefreshFinished) and all(
            seen is not message for seen in self._finished
        ):
            self._finished.append(message)
        self._changed.set()

    async def until(self, what: str, holds: Callable[[], bool]) -> None:
        try:
            async with asyncio.timeout(LIMIT):
                while not holds():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"never happened: {what}") from None


async def waited(event: threading.Event) -> None:
    """Wait for a worker thread to reach ``event`` without blocking the event loop."""
    assert await asyncio.to_thread(event.wait, LIMIT), "the worker never got there"


def token(token_id: int, name: str) -> Token:
    return Token("work", TokenKind.PERSONAL, token_id, name, ("read_api",), False, None,
                 owner=Owner(1, "mara"))  # fmt: skip


def answer(spec: InstanceSpec, *tokens: Token) -> InstanceInventory:
    who = Identity(1, "mara", False, "18.6.0")
    return InstanceInventory(spec.name, spec.url, NOW, identity=who, tokens=tokens)


def shown(app: GltuiApp) -> list[str]:
    return [row.token.name for row in app.dashboard.query_one(TokenTable).rows]


# --- one handler for every worker failure -------------------------------------------
def test_every_screen_forwards_its_workers_failures() -> None:
    """Worker.StateChanged does not bubble: a screen that does not forward it would
    swallow its workers' crashes. Every gltui screen does, and both apps report them."""
    screens = []
    for module in pkgutil.walk_packages(gltui.tui.__path__, "gltui.tui."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__.startswith("gltui."):
                screens.append(cls)
    assert len(screens) >= 14
    assert [cls.__name__ for cls in screens if not issubclass(cls, ForwardsWorkerErrors)] == []
    assert issubclass(GltuiApp, ReportsWorkerErrors)
    assert issubclass(FirstRunApp, ReportsWorkerErrors)


async def test_a_crashing_probe_is_reported_and_the_form_recovers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("the probe exploded")

    monkeypatch.setattr("gltui.tui.screens.add_instance.probe_instance", explode)
    heard = Heard()
    app = FirstRunApp(tmp_path / "config.toml", fixed_clock)
    async with app.run_test(size=(120, 40), message_hook=heard) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AddInstanceScreen)
        screen.query_one("#name", Input).value = "work"
        screen.query_one("#url", Input).value = "https://gitlab.example"
        screen.query_one("#source-value", Input).value = "GITLAB_WORK_TOKEN"
        screen.query_one("#test", Button).press()
        await heard.until("a notification", lambda: bool(heard.notifications))
        (note,) = heard.notifications
        assert note.severity == "error"
        assert note.message == (
            "gltui hit an internal error (RuntimeError) and carried on: the probe exploded"
        )
        assert not note.markup
        status = str(screen.query_one("#add-status").render())
        assert "Signing in" not in status
        assert "the probe exploded" in status
        assert app.screen is screen  # the form is still there, and still works
        screen.query_one("#cancel", Button).press()
        await pilot.pause()
    assert app.return_value is None


# --- stale answers are dropped ----------------------------------------------------------
class CreateHarness(App[None]):
    """Just the create pane, over a fake resource search."""

    def __init__(self, load: Callable[[str, TokenKind, str], list[Resource]]) -> None:
        super().__init__()
        self.load = load

    def on_mount(self) -> None:
        def create(_instance: str, _request: CreateRequest) -> Issued:
            raise AssertionError("nothing is created here")

        templates = [t for t in BUILTIN_TEMPLATES if TokenKind.PROJECT in t.kinds]
        place = Place("work", "https://gitlab.example", 1, False, "18.6.0")
        today = date(2026, 11, 21)
        pane = CreateScreen(
            [place], templates, today, load_resources=self.load, create=create,
            start_kind=TokenKind.PROJECT,
        )  # fmt: skip
        self.push_screen(pane)


async def test_a_slow_search_never_replaces_a_newer_one() -> None:
    typed_a, release_a = threading.Event(), threading.Event()

    def search(_instance: str, _kind: TokenKind, text: str) -> list[Resource]:
        if text == "a":
            typed_a.set()
            release_a.wait(LIMIT)  # GitLab is slow with the short query
            return [Resource(ResourceType.PROJECT, 1, "a/everything")]
        if text == "acme":
            return [Resource(ResourceType.PROJECT, 2, "acme/website")]
        return []

    app = CreateHarness(search)
    async with app.run_test(size=(150, 50)) as pilot:
        await app.workers.wait_for_complete()  # the empty search the pane starts with
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        field = screen.query_one("#target-search", Input)
        field.value = "a"
        await waited(typed_a)
        (slow,) = [w for w in app.workers if w.group == "resources"]
        targets = screen.query_one("#targets", OptionList)

        def listed() -> list[str]:
            return [str(targets.get_option_at_index(i).prompt) for i in range(targets.option_count)]

        field.value = "acme"
        # the search for "acme" answers at once, and a finished worker leaves app.workers
        # (so there is none to wait for): wait for its answer on screen instead
        for _ in range(200):
            await pilot.pause()
            if listed() == ["project  acme/website"]:
                break
        assert listed() == ["project  acme/website"]
        assert slow.is_running  # the slow search for "a" has not answered yet
        release_a.set()
        await app.workers.wait_for_complete([slow])  # its answer has reached the pane now
        await pilot.pause()
        assert listed() == ["project  acme/website"]  # and was dropped
        assert [r.path for r in screen.resources] == ["acme/website"]


async def test_a_refresh_of_the_old_configuration_is_ignored() -> None:
    old_walking, old_release = threading.Event(), threading.Event()
    new_walking, new_release = threading.Event(), threading.Event()

    def old_walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        old_walking.set()
        old_release.wait(LIMIT)
        return answer(spec, token(1, "from the old configuration"))

    def new_walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        new_walking.set()
        new_release.wait(LIMIT)
        return answer(spec, token(2, "from the new configuration"))

    spec = InstanceSpec("work", "https://gitlab.example", Secret("unused"))
    heard = Heard()
    app = GltuiApp(InventoryEngine([spec], walker=old_walker), clock=fixed_clock)
    async with app.run_test(size=(120, 36), message_hook=heard) as pilot:
        await waited(old_walking)  # the first refresh is under way
        app.dashboard.replace_engine(InventoryEngine([spec], walker=new_walker))
        old_release.set()
        await waited(new_walking)  # the old refresh has answered and ended
        await pilot.pause()
        assert "work" not in app.dashboard.state.instances  # its answer was dropped
        assert shown(app) == []
        new_release.set()
        await heard.until("the new refresh", lambda: heard.finished == 2)
        await pilot.pause()
        assert shown(app) == ["from the new configuration"]
        assert not app.dashboard.state.refreshing


# --- the configuration is read again off the loop -----------------------------------
async def test_reloading_the_configuration_never_blocks_the_dashboard() -> None:
    spec = InstanceSpec("work", "https://gitlab.example", Secret("unused"))
    renamed = InstanceSpec("renamed", "https://gitlab.example", Secret("unused"))

    def walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        return answer(spec, token(1, f"on {spec.name}"))

    asked, release = threading.Event(), threading.Event()
    outcomes: list[InventoryEngine | Exception] = [
        RuntimeError("token_command failed"),
        InventoryEngine([renamed], walker=walker),
    ]

    def reconfigure() -> InventoryEngine:  # a password manager asking for a passphrase
        asked.set()
        release.wait(LIMIT)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    heard = Heard()
    app = GltuiApp(
        InventoryEngine([spec], walker=walker), clock=fixed_clock, reconfigure=reconfigure
    )
    async with app.run_test(size=(120, 36), message_hook=heard) as pilot:
        await heard.until("the first refresh", lambda: heard.finished == 1)
        await pilot.pause()
        status = app.dashboard.query_one("#view-status")
        for attempt in range(2):
            asked.clear()
            release.clear()
            app.dashboard.reload_configuration()
            await waited(asked)
            await pilot.press("2")  # the dashboard answers keys meanwhile
            assert "reloading the configuration…" in str(status.render())
            assert "card: expiring" in str(status.render())
            await pilot.press("0")
            release.set()
            if attempt == 0:  # the first reload fails: said, and nothing changes
                await heard.until("the error", lambda: bool(heard.notifications))
                await pilot.pause()
                (note,) = heard.notifications
                assert "token_command failed" in str(note.message)
                assert note.severity == "error"
                assert app.dashboard.state.names == ["work"]
                assert "reloading" not in str(status.render())
        await heard.until("the new refresh", lambda: heard.finished == 2)
        await pilot.pause()
        assert app.dashboard.state.names == ["renamed"]
        assert "reloading" not in str(status.render())
        assert shown(app) == ["on renamed"]


async def test_a_crashing_action_worker_leaves_the_modal_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug outside the action's own error handling is notified, and the confirm
    modal can be used again instead of saying "working…" forever."""
    from gltui.tui.screens.confirm import ConfirmScreen

    def broken(_action: Callable[[], object]) -> tuple[None, None]:
        raise RuntimeError("the worker itself broke")

    monkeypatch.setattr("gltui.tui.screens.action_modal.attempt", broken)

    class Harness(ReportsWorkerErrors[None]):
        def on_mount(self) -> None:
            self.push_screen(ConfirmScreen("Do it", "body", "Go", lambda: None))

    heard = Heard()
    app = Harness()
    async with app.run_test(message_hook=heard) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        screen.query_one("#confirm-go", Button).press()
        await heard.until("a notification", lambda: bool(heard.notifications))
        await pilot.pause()
        assert "the worker itself broke" in str(heard.notifications[0].message)
        assert not screen.running
        assert not screen.query_one("#confirm-go", Button).disabled
        assert "the worker itself broke" in str(screen.query_one("#confirm-error").render())
        await pilot.press("escape")  # and it closes
        await pilot.pause()
        assert app.screen is not screen
