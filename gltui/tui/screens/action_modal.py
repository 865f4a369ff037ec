"""The base of the modals that act on GitLab: confirm, rotate, create and revoke.

They share one state machine, written once here: idle -> running (the go button
disabled, a busy word on the error line, ``esc`` ignored) -> dismissed with the
result, or back to idle with what went wrong on the error line and everything
typed kept. The blocking call runs in a thread worker; a refusal comes back as
words (:func:`~gltui.tui.attempt.attempt`), and a worker that crashes outright (a
bug) comes back through :meth:`ActionModal.worker_crashed`, after the app has
said so in a notification. Either way the modal never stays "running" forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, cast

from textual import work
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker

from gltui.tui.attempt import attempt
from gltui.tui.worker_errors import ForwardsWorkerErrors

R = TypeVar("R")
T = TypeVar("T")


class ActionModal(ForwardsWorkerErrors, ModalScreen[R | None], Generic[R]):
    """Dismisses with what the action produced, or ``None`` when cancelled."""

    GO: ClassVar[str] = "go"
    """The id of the button that starts the action."""
    ERROR: ClassVar[str] = "error"
    """The id of the line that says "working…", then what went wrong."""

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def perform(
        self, action: Callable[[], T], busy: str | None, done: Callable[[T], object]
    ) -> None:
        """Run ``action`` (blocking) in a worker, then ``done`` with its result on the
        event loop; a refusal goes to :meth:`failed`. Ignored while one runs."""
        if self.running:
            return
        self.running = True
        self.set_busy(True)
        if busy is not None:
            self.query_one(f"#{self.ERROR}", Static).update(busy)

        def job() -> None:
            result, problem = attempt(action)
            if problem is not None:
                self.app.call_from_thread(self.failed, problem)
            else:
                self.app.call_from_thread(done, cast(T, result))

        self._run_action(job)

    @work(thread=True, exclusive=True, group="action", exit_on_error=False)
    def _run_action(self, job: Callable[[], None]) -> None:
        job()

    def set_busy(self, busy: bool) -> None:
        """Disable what must not be pressed while the action runs (or enable it)."""
        self.query_one(f"#{self.GO}", Button).disabled = busy

    def failed(self, message: str) -> None:
        """The action was refused: say why and let the user try again."""
        self.running = False
        self.set_busy(False)
        self.query_one(f"#{self.ERROR}", Static).update(message)

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        if self.running:
            self.failed(said)

    def action_cancel(self) -> None:
        """Close without acting (not while the action runs: its result would be lost)."""
        if not self.running:
            self.dismiss(None)
