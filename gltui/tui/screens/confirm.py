"""Confirm, then run one blocking action in a worker; a refusal stays on screen.

Used for the first step of a replacement; revoke and rotate have their own
modals because they ask for more (a typed word, an expiry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from gltui.tui.screens.action_modal import ActionModal

T = TypeVar("T")


class ConfirmScreen(ActionModal[T]):
    """Dismisses with what ``perform`` returned, or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing it"),
    ]
    GO = "confirm-go"
    ERROR = "confirm-error"

    def __init__(self, title: str, body: str, button: str, perform: Callable[[], T]) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.button = button
        self._perform = perform

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
    def cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#confirm-go")
    def go(self) -> None:
        self.perform(self._perform, "working…", self.dismiss)
