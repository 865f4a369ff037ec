"""Add a GitLab instance: URL, where its token comes from, a connection test, save.

Validation is the config file's own (:func:`gltui.config.load.parse_instance`), the
test signs in through the same probe as ``gltui config check`` (in a thread worker),
and saving appends to ``config.toml`` atomically with mode 600 (in another: the
write waits for the file's lock).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static
from textual.worker import Worker

from gltui.clock import Clock
from gltui.config.load import parse_instance
from gltui.config.model import ConfigError, InstanceConfig
from gltui.config.save import add_instances, replace_instance
from gltui.domain.display import printable_said
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.inventory.probe import Probe, probe_instance
from gltui.tui.worker_errors import ForwardsWorkerErrors
from gltui.wiring.specs import instance_spec

SOURCES = {
    "source-env": ("token_env", "variable name, e.g. GITLAB_WORK_TOKEN", False),
    "source-command": ("token_command", "command, e.g. pass show gitlab/work", False),
    "source-inline": ("token", "paste the token (stored in the config file, mode 600)", True),
}


class AddInstanceScreen(ForwardsWorkerErrors, ModalScreen[InstanceConfig | None]):
    """The form; dismisses with the saved instance, or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, config_path: Path, clock: Clock, existing: dict[str, Any] | None = None
    ) -> None:
        """``existing``: the instance's table when editing; its other keys are kept."""
        super().__init__()
        self.config_path = config_path
        self.clock = clock
        self.existing = existing
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="add-instance"):
            title = "Edit the instance" if self.existing else "Add a GitLab instance"
            yield Label(title, id="add-title")
            yield Input(placeholder="name, e.g. work", id="name")
            yield Input(placeholder="URL, e.g. https://gitlab.example.com", id="url")
            with RadioSet(id="source"):
                yield RadioButton("Environment variable", id="source-env", value=True)
                yield RadioButton("Command (password manager)", id="source-command")
                yield RadioButton("Paste the token", id="source-inline")
            yield Input(placeholder=SOURCES["source-env"][1], id="source-value")
            yield Static("", id="add-status", markup=False)
            with Horizontal(id="add-buttons"):
                yield Button("Test", id="test")
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        if self.existing is None:
            return
        self.query_one("#name", Input).value = str(self.existing.get("name", ""))
        self.query_one("#url", Input).value = str(self.existing.get("url", ""))
        for button_id, (key, _, _) in SOURCES.items():
            if key in self.existing:
                self.query_one(f"#{button_id}", RadioButton).value = True
                value = self.existing[key]
                text = " ".join(value) if isinstance(value, list) else str(value)
                self.call_after_refresh(self._set_source_value, text)

    def _set_source_value(self, text: str) -> None:
        self.query_one("#source-value", Input).value = text

    @on(RadioSet.Changed, "#source")
    def source_changed(self, event: RadioSet.Changed) -> None:
        _, placeholder, secret = SOURCES[event.pressed.id or "source-env"]
        field = self.query_one("#source-value", Input)
        field.placeholder = placeholder
        field.password = secret
        field.value = ""

    def table(self) -> dict[str, Any]:
        """The instance as a config table, from the form's fields."""
        pressed = self.query_one("#source", RadioSet).pressed_button
        key = SOURCES[pressed.id if pressed and pressed.id else "source-env"][0]
        value = self.query_one("#source-value", Input).value.strip()
        table: dict[str, Any] = {
            "name": self.query_one("#name", Input).value.strip(),
            "url": self.query_one("#url", Input).value.strip(),
        }
        table[key] = value.split() if key == "token_command" else value
        return table

    def _validated(self) -> tuple[dict[str, Any], InstanceConfig] | None:
        table = self.table()
        try:
            return table, parse_instance(self.config_path, table)
        except ConfigError as error:
            self._say(printable_said(f"{error.where.split('.')[-1]}: {error.message}"))
            return None

    def _say(self, text: str) -> None:
        self.query_one("#add-status", Static).update(text)

    @on(Button.Pressed, "#test")
    def test_pressed(self) -> None:
        found = self._validated()
        if found is not None:
            self._say("Signing in…")
            self.run_probe(found[1])

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False)
    def run_probe(self, instance: InstanceConfig) -> None:
        """Sign in off the event loop; the answer comes back through call_from_thread."""
        probe = probe_instance(instance_spec(instance), self.clock(), DEFAULT_EXPIRING_WINDOW_DAYS)
        self.app.call_from_thread(self._show_probe, probe)

    def _show_probe(self, probe: Probe) -> None:
        secrets = (probe.spec.token.reveal(),)
        if probe.failure is not None:
            self._say(f"✗ {printable_said(probe.failure.message, secrets)}\n{probe.failure.advice}")
            return
        who = probe.identity  # the username, version and notes are the server's words
        lines = [
            f"✓ signed in as {printable_said(who.username, secrets)}, "
            f"GitLab {printable_said(who.version or '?', secrets)}"
            if who
            else "✓"
        ]
        lines += [f"problem: {printable_said(text, secrets)}" for text in probe.problems]
        lines += [f"warning: {printable_said(text, secrets)}" for text in probe.warnings]
        self._say("\n".join(lines))

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        if self.saving:
            return
        found = self._validated()
        if found is None:
            return
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self._say("Saving…")
        self.write_instance(*found)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def write_instance(self, table: dict[str, Any], instance: InstanceConfig) -> None:
        """Write the instance into the file (under its lock: off the event loop)."""
        try:
            if self.existing is not None:
                replace_instance(self.config_path, str(self.existing.get("name")), table)
            elif not add_instances(self.config_path, [table]):
                said = "An instance with this URL is already configured."
                self.app.call_from_thread(self._not_saved, said)
                return
        except (ConfigError, OSError) as error:
            self.app.call_from_thread(
                self._not_saved, f"Could not save: {printable_said(str(error))}"
            )
            return
        self.app.call_from_thread(self.dismiss, instance)

    def _not_saved(self, said: str) -> None:
        self.saving = False
        self.query_one("#save", Button).disabled = False
        self._say(said)

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        """The app has notified it; the form says it too and can be used again."""
        if worker.group == "save":
            self._not_saved(f"✗ Not saved: {said}")
        else:
            self._say(f"✗ The test did not finish: {said}")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without saving (not while a save is being written: it would be lost)."""
        if not self.saving:
            self.dismiss(None)
