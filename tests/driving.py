"""Driving the real dashboard from tests: wait on its messages, never on the CPU going idle.

The refresh runs on a plain daemon thread (so ``q`` never waits for it), which
``app.workers.wait_for_complete()`` cannot see, and Textual's ``pilot.pause()`` only
waits for the process to look idle. What the tests can wait on instead is the
message the dashboard posts when a refresh is over: ``RefreshFinished`` (like every
dashboard message) bubbles up to the app once the dashboard has handled it.
:class:`ObservedApp` is the real app plus handlers for those messages and for
Textual's ``Notify``; they only record, so the app behaves and looks the same.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from functools import cached_property

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Static

from gltui.tui.app import GltuiApp
from gltui.tui.messages import InstanceRefreshed, RefreshFinished, SnapshotsLoaded
from gltui.tui.screens.secret import SecretScreen

WAIT_LIMIT = 60.0
"""Seconds before a wait gives up with a message (a refresh over HTTP to the sandbox
takes well under one; this only turns a hang into a clear failure)."""


class Seen:
    """What the app has handled so far: dashboard messages by type, and notifications."""

    def __init__(self) -> None:
        self.handled: Counter[type[Message]] = Counter()
        self.refreshed: list[str] = []
        """Instances whose refresh the dashboard has shown, in order."""
        self.notifications: list[Notification] = []
        self.copied: list[str] = []
        """What the app sent to the terminal's clipboard."""
        self._changed = asyncio.Event()

    def add(self, message: Message) -> None:
        self.handled[type(message)] += 1
        self._changed.set()

    def notified(self, notification: Notification) -> None:
        self.notifications.append(notification)
        self._changed.set()

    def count(self, kind: type[Message]) -> int:
        return self.handled[kind]

    async def until(self, what: str, holds: Callable[[], bool]) -> None:
        """Wait until ``holds()`` is true, looking again after each recorded message."""
        try:
            async with asyncio.timeout(WAIT_LIMIT):
                while not holds():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"never happened: {what}") from None

    async def handled_at_least(self, kind: type[Message], count: int = 1) -> None:
        await self.until(f"{count} × {kind.__name__}", lambda: self.handled[kind] >= count)

    def said(self, fragment: str, severity: str | None = None) -> list[str]:
        """The notifications whose message holds ``fragment`` (of one severity)."""
        return [
            str(note.message)
            for note in self.notifications
            if fragment in str(note.message) and severity in (None, note.severity)
        ]


class ObservedApp(GltuiApp):
    """The real app; it also records what the dashboard handled, what it notified and
    what it copied."""

    @cached_property
    def seen(self) -> Seen:
        return Seen()

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        self.seen.add(message)

    def on_instance_refreshed(self, message: InstanceRefreshed) -> None:
        self.seen.refreshed.append(message.instance.name)
        self.seen.add(message)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.seen.add(message)

    def copy_to_clipboard(self, text: str) -> None:
        self.seen.copied.append(text)
        super().copy_to_clipboard(text)

    def on_notify(self, message: Notify) -> None:
        """Textual's own handler (``App._on_notify``) still runs: toasts are unchanged."""
        self.seen.notified(message.notification)


def seen(pilot: Pilot[None]) -> Seen:
    app = pilot.app
    assert isinstance(app, ObservedApp), "drive an ObservedApp to wait on its messages"
    return app.seen


async def settle(pilot: Pilot[None]) -> None:
    """Let the screen handle what is queued and wait for every Textual worker (twice:
    a worker's answer may start another)."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def refreshed(pilot: Pilot[None], count: int = 1) -> None:
    """Wait until the dashboard has shown ``count`` finished refreshes in all (the
    first one starts by itself), then for the workers they started."""
    await seen(pilot).handled_at_least(RefreshFinished, count)
    await settle(pilot)


async def ready(pilot: Pilot[None]) -> None:
    """The dashboard has painted and its first refresh is over."""
    await refreshed(pilot, 1)


async def refresh(pilot: Pilot[None], key: str = "r") -> None:
    """Press ``key`` (the refresh binding) and wait for that refresh to be shown."""
    before = seen(pilot).count(RefreshFinished)
    await pilot.press(key)
    await refreshed(pilot, before + 1)


async def read_secret(pilot: Pilot[None]) -> str:
    """The value the open secret modal holds, read as a user reads it: ``v`` reveals it
    and ``v`` masks it again (so what the modal does on close is unchanged)."""
    screen = pilot.app.screen
    assert isinstance(screen, SecretScreen)
    shown = screen.query_one("#secret-value", Static)
    assert "•" in str(shown.render())  # masked until now
    await pilot.press("v")
    value = str(shown.render())
    await pilot.press("v")
    assert value not in str(shown.render())
    return value
