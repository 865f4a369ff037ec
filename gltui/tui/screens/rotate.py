"""Rotate a token: GitLab revokes it and issues a successor with the same settings.

The modal warns that the old value stops working at once and about GitLab's reuse
detection, asks for the new expiry (empty: GitLab's default), then runs the call in a
worker. A refusal is shown in the modal, which keeps what was typed. A runner's token
is *reset* instead: the same modal, with no expiry to choose (GitLab sets it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from gltui.actions.service import Issued
from gltui.tui.screens.action_modal import ActionModal

Rotate = Callable[[date | None], Issued]
ROTATE_WARNING = (
    "GitLab revokes this token at once and issues a new one with the same name and scopes: "
    "anything still using the old value stops working now. Rotate only tokens you will "
    "redeploy immediately (replace, p, is gentler). Never rotate the old token again later: "
    "GitLab's reuse detection then revokes the new one too."
)
RESET_WARNING = (
    "GitLab replaces the runner's authentication token at once: the runner stops picking "
    "up jobs until its config.toml holds the new value (shown once, next). Revoking a "
    "runner's token is not offered: GitLab does that only by deleting the runner."
)


def parse_expiry(text: str, today: date) -> date | None:
    """An empty field means GitLab's default; otherwise a future ``YYYY-MM-DD``."""
    text = text.strip()
    if not text:
        return None
    try:
        chosen = date.fromisoformat(text)
    except ValueError:
        raise ValueError("write the expiry as YYYY-MM-DD, or leave it empty") from None
    if chosen <= today:
        raise ValueError("the new expiry must be after today")
    return chosen


class RotateScreen(ActionModal[Issued]):
    """Dismisses with the successor (and its value, shown next), or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without rotating"),
    ]
    GO = "rotate-go"
    ERROR = "rotate-error"

    def __init__(
        self,
        token_text: str,
        today: date,
        rotate: Rotate,
        expiry_note: str,
        *,
        resets: bool = False,
    ) -> None:
        """``token_text``: the token as :func:`~gltui.tui.screens.revoke.describe` words it;
        ``rotate`` blocks (it runs in a worker); ``expiry_note`` says what GitLab does
        with an empty expiry on this instance's version. ``resets``: a runner's token
        reset (no expiry field: GitLab sets it)."""
        super().__init__()
        self.token_text = token_text
        self.today = today
        self._rotate = rotate
        self.expiry_note = expiry_note
        self.resets = resets

    def compose(self) -> ComposeResult:
        with Vertical(id="rotate"):
            verb = "Reset the authentication token of" if self.resets else "Rotate"
            yield Static(f"{verb} {self.token_text}?", id="rotate-title", markup=False)
            yield Static(
                RESET_WARNING if self.resets else ROTATE_WARNING, id="rotate-warning", markup=False
            )
            hint = "new expiry YYYY-MM-DD (empty: GitLab's default)"
            field = Input(placeholder=hint, id="expiry")
            field.display = not self.resets
            yield field
            yield Static(self.expiry_note, id="rotate-note", markup=False)
            yield Static("", id="rotate-error", markup=False)
            with Horizontal(id="rotate-buttons"):
                label = "Reset" if self.resets else "Rotate"
                yield Button(label, variant="warning", id="rotate-go")
                yield Button("Cancel", id="rotate-cancel")

    def on_mount(self) -> None:
        if self.resets:
            self.query_one("#rotate-go", Button).focus()
        else:
            self.query_one("#expiry", Input).focus()

    @on(Button.Pressed, "#rotate-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#expiry")
    @on(Button.Pressed, "#rotate-go")
    def go(self) -> None:
        if self.running:
            return
        try:
            text = "" if self.resets else self.query_one("#expiry", Input).value
            expires = parse_expiry(text, self.today)
        except ValueError as error:
            self.query_one("#rotate-error", Static).update(str(error))
            return
        self.perform(lambda: self._rotate(expires), "rotating…", self.dismiss)
