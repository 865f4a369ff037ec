"""Show a new token's value exactly once: masked until revealed, copyable, then gone.

GitLab shows a token's value only in the answer that created it; gltui holds it in
this modal and nowhere else (no log, cache or state file). Copying uses the
terminal's clipboard (OSC 52). Closing the modal blanks the text, drops the value
and clears Textual's in-app clipboard copy of it, so a later paste cannot show it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from gltui.actions.service import Issued
from gltui.domain.display import access_summary, printable
from gltui.domain.secret import Secret
from gltui.tui.worker_errors import ForwardsWorkerErrors


def mask(value: str) -> str:
    """The prefix (``glpat-``) and dots: enough to recognise the kind, nothing to use."""
    prefix = value.split("-", 1)[0] + "-" if "-" in value[:8] else ""
    return prefix + "•" * 20


def copy_secret(app: App[object], value: str) -> None:
    """Send ``value`` to the terminal's clipboard without Textual keeping a copy.

    ``App.copy_to_clipboard`` also remembers the text for in-app paste; a token
    value must not outlive its modal, so that copy is cleared at once.
    """
    app.copy_to_clipboard(value)
    if getattr(app, "_clipboard", None) == value:
        app._clipboard = ""


class SecretScreen(ForwardsWorkerErrors, ModalScreen[None]):
    """The value of a token that was just created or rotated."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "reveal", "Reveal", tooltip="Show or hide the value"),
        Binding("c", "copy", "Copy", tooltip="Copy to the clipboard (OSC 52)"),
        Binding("escape", "close", "Done", tooltip="Close; the value is gone for good"),
    ]

    def __init__(self, issued: Issued, note: str = "") -> None:
        super().__init__()
        self._secret: Secret | None = issued.secret
        self.token = issued.token
        self.note = note
        self.revealed = False
        self.copied = False
        self._warned = False

    def compose(self) -> ComposeResult:
        token = self.token
        expiry = "never expires" if token.expires_at is None else f"expires {token.expires_at}"
        what = access_summary(token) if token.is_fine_grained else f"scopes {access_summary(token)}"
        with Vertical(id="secret"):
            yield Static(
                f'New {token.kind.value} token "{printable(token.name)}" on '
                f"{printable(token.instance)} ({expiry}, "
                f"{printable(what)})",
                id="secret-title",
                markup=False,
            )
            yield Static(self._shown(), id="secret-value", markup=False)
            yield Static(
                "GitLab shows this value only now and gltui does not keep it: copy it into "
                "your secret store before you close this."
                + (f"\n{self.note}" if self.note else ""),
                id="secret-warning",
                markup=False,
            )
            with Horizontal(id="secret-buttons"):
                yield Button("Reveal (v)", id="secret-reveal")
                yield Button("Copy (c)", variant="primary", id="secret-copy")
                yield Button("Done (esc)", id="secret-done")

    def on_mount(self) -> None:
        self.query_one("#secret-copy", Button).focus()

    def _shown(self) -> str:
        if self._secret is None:
            return ""
        value = printable(self._secret.reveal())  # the server's value: shown, never obeyed
        return value if self.revealed else f"{mask(value)}   (v reveals)"

    @on(Button.Pressed, "#secret-reveal")
    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.query_one("#secret-value", Static).update(self._shown())

    @on(Button.Pressed, "#secret-copy")
    def action_copy(self) -> None:
        if self._secret is None:
            return
        copy_secret(self.app, self._secret.reveal())
        self.copied = True
        self.notify("Copied to the clipboard (if your terminal allows OSC 52).", timeout=3)

    @on(Button.Pressed, "#secret-done")
    def action_close(self) -> None:
        if not (self.copied or self.revealed or self._warned):
            self.notify(
                "You have neither copied nor revealed the value; press esc again to close "
                "anyway (it cannot be shown again).",
                severity="warning",
                timeout=4,
            )
            self._warned = True  # a second esc closes
            return
        self._secret = None
        self.query_one("#secret-value", Static).update("")
        self.dismiss(None)
