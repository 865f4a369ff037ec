"""``!``: whose is this leaked value? Identify it, jump to its row, revoke it by value.

The value goes into a masked field and becomes a :class:`Secret` at once; nothing
on this screen (the answer, the error line, a notification) ever shows it. The
network calls (:mod:`gltui.actions.identify`) run in the modal's thread worker, as
every action modal does. Revoking asks for the word ``revoke`` typed, and for
gltui's own token ``revoke <instance>``: it says first that gltui loses access.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from gltui.actions.identify import Identified, Outcome, Revoked, identify, record, revoke
from gltui.domain.display import printable
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token
from gltui.inventory.connect import api_for
from gltui.inventory.model import Inventory
from gltui.inventory.spec import InstanceSpec
from gltui.tui.screens.action_modal import ActionModal

if TYPE_CHECKING:
    from gltui.tui.screens.dashboard import DashboardScreen


def describe(outcome: Outcome) -> str:
    """The answer in words (never the value)."""
    lines = [f"Shape: {outcome.shape.describe()}"]
    lines += [f"  {printable(line)}" for line in outcome.tried]
    found = outcome.found
    if found is None:
        lines.append("Not found on any configured instance.")
        lines += [f"  {printable(line)}" for line in outcome.advice]
        return "\n".join(lines)
    state = "active" if found.active else "NOT active (revoked or expired)"
    lines.append(f"Found on {printable(found.instance)} (asked: {found.route}): {state}")
    lines.append(f"  {found.kind} {found.id} {printable(found.name)!r}, of {found.owner or '?'}")
    lines.append(
        f"  scopes {', '.join(found.scopes) or '-'}; expires {found.expires_at or 'never'}"
    )
    ips = ", ".join(found.last_used_ips) or "-"
    lines.append(f"  last used {found.last_used_at or 'never'} from {ips}")
    lines.append("  in the inventory: " + ("yes (enter: go to its row)" if found.row else "no"))
    if found.own:
        lines.append("  This is gltui's own token there: revoking it cuts gltui off that instance.")
    return "\n".join(lines)


class IdentifyScreen(ActionModal[Token]):
    """Dismisses with the token's inventory row (to jump to), or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", tooltip="Close without doing anything"),
    ]
    GO = "identify-go"
    ERROR = "identify-error"
    DEFAULT_CSS = """
    IdentifyScreen { align: center middle; }
    #identify { width: 90; height: auto; border: thick $accent; padding: 1 2; }
    #identify-answer { height: auto; margin: 1 0; }
    """

    def __init__(
        self,
        specs: Sequence[InstanceSpec],
        inventory: Inventory,
        *,
        readonly: bool = False,
        record_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.specs = list(specs)
        self.inventory = inventory
        self.readonly = readonly
        self.record_dir = record_dir
        self.found: Identified | None = None
        self._value = Secret("")

    def compose(self) -> ComposeResult:
        with Vertical(id="identify"):
            yield Static("Whose is this token? Paste its value (it stays hidden).", markup=False)
            yield Input(password=True, placeholder="token value", id="identify-value")
            yield Static("", id="identify-answer", markup=False)
            yield Input(placeholder="type revoke to revoke it", id="identify-word")
            yield Static("", id="identify-error", markup=False)
            with Horizontal(id="identify-buttons"):
                yield Button("Identify", variant="primary", id="identify-go")
                yield Button("Go to its row", id="identify-jump", disabled=True)
                yield Button("Revoke", variant="error", id="identify-revoke", disabled=True)
                yield Button("Close", id="identify-cancel")

    def on_mount(self) -> None:
        self.query_one("#identify-word", Input).display = False
        self.query_one("#identify-value", Input).focus()

    @on(Input.Submitted, "#identify-value")
    @on(Button.Pressed, "#identify-go")
    def go(self) -> None:
        field = self.query_one("#identify-value", Input)
        self._value = Secret(field.value.strip())
        if not self._value:
            self.query_one(f"#{self.ERROR}", Static).update("Paste a value first.")
            return
        value, specs, inventory = self._value, self.specs, self.inventory
        self.perform(lambda: identify(value, specs, api_for, inventory), "asking…", self.shown)

    def shown(self, outcome: Outcome) -> None:
        self.running = False
        self.set_busy(False)
        self.found = outcome.found
        self.query_one("#identify-answer", Static).update(describe(outcome))
        self.query_one(f"#{self.ERROR}", Static).update("")
        found = outcome.found
        jump = self.query_one("#identify-jump", Button)
        jump.disabled = found is None or found.row is None
        can_revoke = found is not None and found.active and not self.readonly
        self.query_one("#identify-revoke", Button).disabled = not can_revoke
        word = self.query_one("#identify-word", Input)
        word.display = can_revoke
        if found is not None and can_revoke:
            word.placeholder = f"type {self.word!r} to revoke it"
        if not jump.disabled:
            jump.focus()

    @property
    def word(self) -> str:
        """What must be typed: ``revoke``, or ``revoke <instance>`` for gltui's own token."""
        found = self.found
        return f"revoke {found.instance}" if found is not None and found.own else "revoke"

    @on(Button.Pressed, "#identify-jump")
    def jump(self) -> None:
        if self.found is not None and self.found.row is not None and not self.running:
            self.dismiss(self.found.row)

    @on(Button.Pressed, "#identify-revoke")
    def revoke_pressed(self) -> None:
        found = self.found
        if found is None:
            return
        if self.query_one("#identify-word", Input).value.strip() != self.word:
            self.query_one(f"#{self.ERROR}", Static).update(f"Type {self.word!r} first.")
            return
        spec = next(spec for spec in self.specs if spec.name == found.instance)
        value = self._value

        def job() -> Revoked:
            port = api_for(spec)
            try:
                return revoke(value, found, port)
            finally:
                port.close()

        self.perform(job, "revoking…", self.revoked)

    def revoked(self, done: Revoked) -> None:
        self.running = False
        self.set_busy(False)
        error = self.query_one(f"#{self.ERROR}", Static)
        if not done.route:
            error.update(f"Not revoked: {printable(done.detail)}")
            return
        found = self.found
        if found is not None and self.record_dir is not None:
            try:
                record(self.record_dir, found, done, datetime.now(UTC))
            except OSError as problem:
                error.update(f"Revoked, but not recorded: {problem.strerror}")
        check = "verified: it no longer works" if done.verified else "NOT verified"
        self.query_one("#identify-answer", Static).update(
            f"Revoked by value through {printable(done.route)} ({check})."
        )
        self.query_one("#identify-revoke", Button).disabled = True
        self.query_one("#identify-word", Input).display = False

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if busy:
            self.query_one("#identify-revoke", Button).disabled = True

    @on(Button.Pressed, "#identify-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()


def open_identify(dashboard: DashboardScreen) -> None:
    """Open the screen over the dashboard; a chosen row gets the table's cursor."""
    engine = dashboard.engine
    history = engine.history

    def closed(token: Token | None) -> None:
        if token is not None:
            dashboard.focus_token(token)

    screen = IdentifyScreen(
        engine.specs,
        engine.cached(),
        readonly=dashboard.state.readonly,
        record_dir=history.directory if history is not None else None,
    )
    dashboard.app.push_screen(screen, closed)
