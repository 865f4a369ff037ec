"""Confirm, then run one blocking action in a worker; a refusal stays on screen.

Used for the first step of a replacement; revoke and rotate have their own
modals because they ask for more (a typed word, an expiry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from gltui.tui.attempt import attempt

T = TypeVar("T")


class ConfirmScreen(ModalScreen[T | None], Generic[T]):
    """Dismisses with what ``perform`` returned, or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing it"),
    ]

    def __init__(self, title: str, body: str, button: str, perform: Callable[[], T]) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.button = button
        self._perform = perform
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.body, id="confirm-body", markup=False)
            yield Static("", id="confirm-error", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(self.button, variant="primary", id="confirm-go")
                yield Button("Cancel", id="confirm-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-go", Button).focus()

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)

    @on(Button.Pressed, "#confirm-go")
    def go(self) -> None:
        if self.running:
            return
        self.running = True
        self.query_one("#confirm-go", Button).disabled = True
        self.query_one("#confirm-error", Static).update("working…")
        self.run_it()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_it(self) -> None:
        result, problem = attempt(self._perform)
        if problem is not None:
            self.app.call_from_thread(self._failed, problem)
        else:
            self.app.call_from_thread(self.dismiss, result)

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#confirm-go", Button).disabled = False
        self.query_one("#confirm-error", Static).update(message)
