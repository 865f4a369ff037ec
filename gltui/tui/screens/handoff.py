"""Rotate or replace a token and hand its new value to its targets, from the dashboard.

One modal for both (``R`` and ``p``): what will happen, the successor's expiry (empty:
``rotation_days`` from today, capped by the instance's maximum lifetime; never
GitLab's one week), the token's remembered targets (each can be unticked) and a field
that adds one (the ``--target`` syntax: ``ci:PROJECT:KEY[:SCOPE]``, ``command:...``,
``keyring:SERVICE:USER``, ``glab:HOST``, ``python-gitlab:SECTION``), remembered in the
config file when the box says so. The remembered targets load in a worker (the config
file is read off the event loop); a go pressed before they arrive waits for them.

The hand-off itself runs in a worker too, its steps on the busy line ("writing CI
variable ..."). The modal dismisses with the :class:`~gltui.actions.handoff.flow.HandoffResult`;
:class:`HandoffResultScreen` then names each target and what happened there, unless
the value must be shown once (a target failed, or there was none), which the secret
modal does with the same lines beside it.

The element ids of the rotate modal (``#rotate-warning``, ``#expiry``, ``#rotate-go``)
and of the replace confirmation (``#confirm-go``) are kept, so keys and scripts that
drove those keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, SelectionList, Static

from gltui.domain.display import printable, printable_said
from gltui.domain.errors import ValidationError
from gltui.domain.handoff import Target, describe_target, parse_target_spec, place_of
from gltui.tui.screens.action_modal import ActionModal
from gltui.tui.screens.rotate import ROTATE_WARNING, parse_expiry
from gltui.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from gltui.actions.handoff.flow import HandoffResult
    from gltui.actions.handoff.targets import Offer

REPLACE_WARNING = (
    "gltui creates a new token with the same settings, hands its value to the targets "
    "below, checks that it signs in and that every target reads it back, and only then "
    "revokes the old token. Without a target (or when one fails) the old token keeps "
    "working until you say the new one is deployed (p again on the old token)."
)
ADD_PLACEHOLDER = "add: ci:PROJECT:KEY[:SCOPE], command:ARGV, keyring:S:U, glab:HOST"


@dataclass(frozen=True)
class Chosen:
    """What the user confirmed: the expiry, the ticked targets, and which were added."""

    expires: date | None
    targets: tuple[Target, ...]
    added: tuple[Target, ...]
    remember: bool
    rotation_days: int


Run = Callable[[Chosen, Callable[[str], None]], "HandoffResult"]
"""The hand-off (blocking); its second argument hears each step."""


def result_lines(result: HandoffResult) -> list[str]:
    """One line per target (and the sign-in check), escaped, for a modal."""
    lines = []
    for target in result.targets:
        mark = "✗" if target.error or target.verified is False else "✓" if target.verified else "•"
        detail = target.error or target.note
        lines.append(f"{mark} {printable(target.where)}: {printable_said(detail)}")
    if result.signs_in is not None:
        mark = (
            "✓" if result.signs_in.verified else "✗" if result.signs_in.verified is False else "•"
        )
        lines.append(f"{mark} the new token: {printable_said(result.signs_in.note)}")
    return lines


class HandoffScreen(ActionModal["HandoffResult"]):
    """Dismisses with the hand-off's result, or ``None`` when cancelled (the two modes
    are :class:`RotateHandoffScreen` and :class:`ReplaceHandoffScreen`)."""

    ROTATING: ClassVar[bool] = True

    DEFAULT_CSS = """
    HandoffScreen { align: center middle; }
    #handoff { width: 100; max-width: 96%; height: auto; max-height: 100%;
               border: round $warning; background: $surface; padding: 0 2; }
    #handoff-body { height: auto; max-height: 60vh; }
    #handoff-targets { height: auto; max-height: 8; border: none; }
    #handoff-heading { margin-top: 1; text-style: bold; }
    #rotate-warning, #confirm-body { color: $warning; margin-bottom: 1; }
    #rotate-error, #confirm-error { color: $error; }
    #handoff-buttons { height: auto; margin-top: 1; }
    #handoff-buttons Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
    ]

    def __init__(
        self,
        token_text: str,
        today: date,
        load: Callable[[], Offer],
        run: Run,
        *,
        expiry_note: str = "",
        default: date | None = None,
        can_remember: bool = True,
    ) -> None:
        """``load`` reads the token's targets and the configured lifetime (blocking, run
        in a worker); ``run`` does the hand-off."""
        super().__init__()
        self.rotating = self.ROTATING
        self.token_text = token_text
        self.today = today
        self._load = load
        self._run = run
        self.expiry_note = expiry_note
        self.default = default
        self.can_remember = can_remember
        self.targets: list[Target] = []
        self.added: list[Target] = []
        self.loaded = False
        self.rotation_days = 0
        self._go_waiting = False

    def compose(self) -> ComposeResult:
        verb = "Rotate" if self.rotating else "Replace"
        with Vertical(id="handoff"):
            yield Static(
                f"{verb} {self.token_text}?",
                id="rotate-title" if self.rotating else "confirm-title",
                markup=False,
            )
            with VerticalScroll(id="handoff-body"):
                yield Static(
                    ROTATE_WARNING if self.rotating else REPLACE_WARNING,
                    id="rotate-warning" if self.rotating else "confirm-body",
                    markup=False,
                )
                start = self.default.isoformat() if self.default else ""
                yield Input(
                    start,
                    placeholder="new expiry YYYY-MM-DD (empty: the policy below)",
                    id="expiry",
                )
                yield Static(self.expiry_note, id="rotate-note", markup=False)
                yield Static(
                    "Hand the new value to: (loading remembered targets…)",
                    id="handoff-heading",
                    markup=False,
                )
                yield SelectionList[int](id="handoff-targets")
                yield Input(placeholder=ADD_PLACEHOLDER, id="handoff-add")
                box = Checkbox("remember added targets in the config", True, id="handoff-remember")
                box.display = self.can_remember
                yield box
            yield Static("", id=self.ERROR, markup=False)
            with Horizontal(id="handoff-buttons"):
                label = "Rotate" if self.rotating else "Create replacement"
                yield Button(label, variant="warning", id=self.GO)
                yield Button("Cancel", id="handoff-cancel")

    def on_mount(self) -> None:
        self.query_one("#expiry", Input).focus()
        self._load_remembered()

    @work(thread=True, exclusive=True, group="handoff-load", exit_on_error=False)
    def _load_remembered(self) -> None:
        offer = self._load()
        self.app.call_from_thread(self._show_remembered, offer)

    def _show_remembered(self, offer: Offer) -> None:
        for target in offer.targets:
            self._add(target, added=False)
        self.rotation_days = offer.rotation_days
        heading = "Hand the new value to:"
        if not self.targets:
            heading += " (no remembered target: add one below, or the value is shown once)"
        if offer.problem:
            heading += f" (the config could not be read: {printable_said(offer.problem)})"
        self.query_one("#handoff-heading", Static).update(heading)
        self.loaded = True
        if self._go_waiting:
            self._go_waiting = False
            self.go()

    def _add(self, target: Target, *, added: bool) -> None:
        if any(place_of(known) == place_of(target) for known in self.targets):
            return
        self.targets.append(target)
        if added:
            self.added.append(target)
        label = printable(describe_target(target)) + (" (new)" if added else "")
        self.query_one("#handoff-targets", SelectionList).add_option(
            (label, len(self.targets) - 1, True)
        )

    @on(Input.Submitted, "#handoff-add")
    def add_pressed(self) -> None:
        field = self.query_one("#handoff-add", Input)
        if not field.value.strip():
            return
        try:
            target = parse_target_spec(field.value, field="target")
        except ValidationError as error:
            self.query_one(f"#{self.ERROR}", Static).update(printable_said(error.message))
            return
        self._add(target, added=True)
        field.value = ""
        self.query_one(f"#{self.ERROR}", Static).update("")

    @on(Button.Pressed, "#handoff-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#expiry")
    @on(Button.Pressed, "#rotate-go")
    @on(Button.Pressed, "#confirm-go")
    def go(self) -> None:
        if self.running:
            return
        try:
            expires = parse_expiry(self.query_one("#expiry", Input).value, self.today)
        except ValueError as error:
            self.query_one(f"#{self.ERROR}", Static).update(str(error))
            return
        if not self.loaded:  # the remembered targets are still on their way
            self._go_waiting = True
            self.query_one(f"#{self.ERROR}", Static).update("loading remembered targets…")
            return
        ticked = set(self.query_one("#handoff-targets", SelectionList).selected)
        chosen = Chosen(
            expires,
            tuple(target for index, target in enumerate(self.targets) if index in ticked),
            tuple(target for target in self.added if self.targets.index(target) in ticked),
            self.can_remember and self.query_one("#handoff-remember", Checkbox).value,
            self.rotation_days,
        )
        line = self.query_one(f"#{self.ERROR}", Static)

        def step(said: str) -> None:  # from the worker thread
            self.app.call_from_thread(line.update, printable_said(said) + "…")

        busy = "rotating…" if self.rotating else "working…"
        self.perform(lambda: self._run(chosen, step), busy, self.dismiss)


class RotateHandoffScreen(HandoffScreen):
    """``R``: GitLab rotates the token (the old one stops working at once)."""

    ROTATING = True
    GO = "rotate-go"
    ERROR = "rotate-error"


class ReplaceHandoffScreen(HandoffScreen):
    """``p``: gltui creates the successor; the old token goes after the hand-off."""

    ROTATING = False
    GO = "confirm-go"
    ERROR = "confirm-error"


class HandoffResultScreen(ForwardsWorkerErrors, ModalScreen[None]):
    """What the hand-off did at each target (no value here: every target holds it)."""

    DEFAULT_CSS = """
    HandoffResultScreen { align: center middle; }
    #handoff-result { width: 100; max-width: 96%; height: auto; max-height: 90%;
                      border: round $accent; background: $surface; padding: 1 2; }
    #handoff-summary { text-style: bold; margin-bottom: 1; }
    #handoff-result-buttons { height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, result: HandoffResult) -> None:
        super().__init__()
        self.summary = printable_said(result.message)
        self.lines = result_lines(result)
        self.lifetime = printable_said(result.lifetime)

    def compose(self) -> ComposeResult:
        with Vertical(id="handoff-result"):
            yield Static(self.summary, id="handoff-summary", markup=False)
            yield Static("\n".join(self.lines), id="handoff-lines", markup=False)
            yield Static(f"The successor {self.lifetime}.", id="handoff-lifetime", markup=False)
            with Horizontal(id="handoff-result-buttons"):
                yield Button("Close (esc)", variant="primary", id="handoff-close")

    def on_mount(self) -> None:
        self.query_one("#handoff-close", Button).focus()

    @on(Button.Pressed, "#handoff-close")
    def action_close(self) -> None:
        self.dismiss(None)
