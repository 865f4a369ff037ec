"""Confirm and run a revoke of one or more tokens, with a result per token.

Revocation cannot be undone and breaks whatever uses the token at once, so the
modal names every token (kind, instance, project/group or owner). Revoking
several at once, or the token gltui itself signs in with, needs the word
``revoke`` typed first. The revokes run in a thread worker; each line shows its
result as it arrives, and the dashboard applies them when the modal closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from gltui.actions.service import Outcome
from gltui.domain.display import describe, printable, printable_said
from gltui.domain.tokens import Token
from gltui.tui.screens.action_modal import ActionModal

CONFIRM_WORD = "revoke"


class RevokeScreen(ActionModal[list[Outcome]]):
    """Dismisses with the outcomes (empty or ``None`` when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without revoking"),
    ]
    GO = "revoke-go"
    ERROR = "revoke-warning"

    def __init__(
        self,
        targets: Sequence[Token],
        own: set[tuple[str, str, int]],
        revoke: Callable[[Token], Outcome],
    ) -> None:
        """``own``: identities of the tokens gltui signs in with; ``revoke`` blocks (it runs
        in a worker)."""
        super().__init__()
        self.targets = list(targets)
        self.own = [t for t in self.targets if t.identity in own]
        self._revoke = revoke
        self.outcomes: list[Outcome] = []

    @property
    def needs_word(self) -> bool:
        """Bulk revokes and gltui's own token need the confirmation word."""
        return len(self.targets) > 1 or bool(self.own)

    def compose(self) -> ComposeResult:
        count = len(self.targets)
        with Vertical(id="revoke"):
            yield Static(
                f"Revoke {count} token{'s' if count != 1 else ''}?", id="revoke-title", markup=False
            )
            with VerticalScroll(id="revoke-targets"):
                for index, token in enumerate(self.targets):
                    yield Static(f"  {describe(token)}", id=f"target-{index}", markup=False)
            yield Static(
                "Anything using "
                + ("these tokens" if count != 1 else "this token")
                + " stops working at once. Revocation cannot be undone.",
                id="revoke-warning",
                markup=False,
            )
            for token in self.own:
                yield Static(
                    f'"{printable(token.name)}" is the token gltui signs in with on '
                    f"{printable(token.instance)}: gltui loses access there until you give it "
                    "another token (e on the dashboard).",
                    classes="revoke-own",
                    markup=False,
                )
            if self.needs_word:
                yield Input(placeholder=f"type {CONFIRM_WORD} to confirm", id="revoke-word")
            with Horizontal(id="revoke-buttons"):
                yield Button("Revoke", variant="error", id="revoke-go", disabled=self.needs_word)
                yield Button("Cancel", id="revoke-cancel")

    def on_mount(self) -> None:
        if self.needs_word:
            self.query_one("#revoke-word", Input).focus()
        else:
            self.query_one("#revoke-cancel", Button).focus()  # the safe default under enter

    @on(Input.Changed, "#revoke-word")
    def word_typed(self, event: Input.Changed) -> None:
        self.query_one("#revoke-go", Button).disabled = (
            event.value.strip().lower() != CONFIRM_WORD or self.running
        )

    @on(Input.Submitted, "#revoke-word")
    def word_entered(self) -> None:
        if not self.query_one("#revoke-go", Button).disabled:
            self.start()

    @on(Button.Pressed, "#revoke-go")
    def go(self) -> None:
        self.start()

    @on(Button.Pressed, "#revoke-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if self.running:
            self.notify("Revoking is under way; wait for the results.", timeout=2)
            return
        self.dismiss(self.outcomes)

    def start(self) -> None:
        """Revoke every target (once)."""
        if self.running or self.outcomes:
            return
        for index in range(len(self.targets)):
            self.query_one(f"#target-{index}", Static).update(f"… {describe(self.targets[index])}")
        self.perform(self._revoke_all, None, lambda _: self._finished())

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        self.query_one("#revoke-cancel", Button).disabled = busy

    def _revoke_all(self) -> list[Outcome]:
        """In the worker: one revoke after the other, each line updated as it answers."""
        for index, token in enumerate(self.targets):
            try:
                outcome = self._revoke(token)
            except Exception as error:  # never a traceback: the line says what happened
                outcome = Outcome(token, False, f"gltui failed ({type(error).__name__})")
            self.app.call_from_thread(self._show, index, outcome)
        return self.outcomes

    def _show(self, index: int, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        mark = "✓" if outcome.ok else "✗"
        self.query_one(f"#target-{index}", Static).update(
            f"{mark} {describe(outcome.token)}: {printable_said(outcome.message)}"
        )

    def failed(self, message: str) -> None:
        """Revoking stopped early (a bug; the app has notified it): what was done stays
        listed, and the modal can be closed."""
        self._finished(message)

    def _finished(self, trouble: str = "") -> None:
        self.running = False
        done = sum(1 for outcome in self.outcomes if outcome.ok)
        failed = len(self.outcomes) - done
        summary = f"{done} revoked" + (f", {failed} failed (see above)" if failed else "")
        self.query_one("#revoke-warning", Static).update(
            summary + (f"; then {trouble}" if trouble else "")
        )
        cancel = self.query_one("#revoke-cancel", Button)
        cancel.label = "Close"
        cancel.disabled = False
        cancel.focus()
        self.query_one("#revoke-go", Button).display = False
