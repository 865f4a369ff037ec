"""Worker failures, reported once for the whole app.

Every gltui worker runs with ``exit_on_error=False``: a bug in one background job
must not close the dashboard. But Textual posts ``Worker.StateChanged`` only to the
node that started the worker, and the message does not bubble, so a failure on a
modal used to vanish and leave it saying "Signing in…" forever.

Screens inherit :class:`ForwardsWorkerErrors`, which forwards an ``ERROR`` state
to the app as :class:`WorkerCrashed`. The app (:class:`ReportsWorkerErrors`)
turns it into one notification, the error in words (never a traceback), and
hands the words back to the screen's :meth:`~ForwardsWorkerErrors.worker_crashed`
so it can leave its busy state. A test checks that every gltui screen forwards.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

from gltui.domain.display import printable_said

ReturnT = TypeVar("ReturnT")
LONGEST = 200
"""Characters of an error's own words kept in the notification."""


class WorkerCrashed(Message):
    """A worker raised; posted to the app by the node that ran it."""

    def __init__(self, worker: Worker[Any]) -> None:
        super().__init__()
        self.worker = worker


def crash_text(error: BaseException | None) -> str:
    """The error in words for a notification: its type, then its message, scrubbed.

    Scrubbed because an exception's message can quote a server's answer, which
    can echo the token it was called with.
    """
    if error is None:
        return "gltui hit an internal error and carried on."
    said = printable_said(str(error)).strip()
    if len(said) > LONGEST:
        said = said[: LONGEST - 1] + "…"
    words = f": {said}" if said else "."
    return f"gltui hit an internal error ({type(error).__name__}) and carried on{words}"


class ForwardsWorkerErrors:
    """Mixin for gltui's screens: their workers' failures reach the app."""

    def _on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual calls the handler of every class in the MRO, so a screen's own
        # on_worker_state_changed still runs beside this one.
        if event.state is WorkerState.ERROR:
            assert isinstance(self, MessagePump)
            self.app.post_message(WorkerCrashed(event.worker))

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        """``worker`` raised (``said``: the error in words, already notified): put the
        screen back in a usable state. Nothing to undo by default."""


class ReportsWorkerErrors(App[ReturnT]):
    """Base of gltui's apps: one handler for every worker failure, modals included."""

    def _on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # a worker the app itself ran
            self.post_message(WorkerCrashed(event.worker))

    def on_worker_crashed(self, message: WorkerCrashed) -> None:
        said = crash_text(message.worker.error)
        self.notify(said, severity="error", markup=False, timeout=10)
        node = message.worker.node
        if isinstance(node, ForwardsWorkerErrors) and node.is_attached:  # not yet dismissed
            node.worker_crashed(message.worker, said)
