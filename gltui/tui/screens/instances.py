"""``e`` on the dashboard: the configured instances, to add, edit, test or remove.

Every change is written to ``config.toml`` at once (atomically, mode 600); the
screen dismisses with ``True`` when something changed so the dashboard reloads.
The file is read and written in thread workers: writes wait for the file's lock,
which another gltui (or ``gltui config``) may hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from gltui.clock import Clock
from gltui.config.load import parse_instance
from gltui.config.model import ConfigError, InstanceConfig
from gltui.config.save import instance_tables, remove_instance
from gltui.domain.display import printable, printable_said
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.inventory.probe import Probe, probe_instance
from gltui.tui.generation import Generation
from gltui.tui.screens.add_instance import AddInstanceScreen
from gltui.tui.worker_errors import ForwardsWorkerErrors
from gltui.wiring.specs import instance_spec

HINT = "a add · e/enter edit · t test · d remove (d again to confirm) · esc back"


class InstancesScreen(ForwardsWorkerErrors, ModalScreen[bool]):
    """The instances in the configuration file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("t", "test", "Test"),
        Binding("d", "remove", "Remove"),
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(self, config_path: Path, clock: Clock) -> None:
        super().__init__()
        self.config_path = config_path
        self.clock = clock
        self.changed = False
        self.tables: list[dict[str, Any]] = []
        self._armed: str | None = None
        self._reads = Generation()
        """Each read of the file is numbered: an older read never lists over a newer one."""
        self.writing = False
        """A removal is being written (one at a time)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="instances-box"):
            yield Static(f"Instances in {self.config_path}", id="instances-title", markup=False)
            yield OptionList(id="instance-list")
            yield Static("", id="instances-status", markup=False)
            yield Static(HINT, id="instances-hint", markup=False)

    def on_mount(self) -> None:
        self._say("Reading the configuration…")
        self.reload()

    def reload(self, said: str = "") -> None:
        """Re-read the file (in a worker) and list it; then the status line says ``said``."""
        self.read_tables(self._reads.next(), said)

    @work(thread=True, group="read", exit_on_error=False)
    def read_tables(self, number: int, said: str) -> None:
        """The file's instance tables, read off the event loop."""
        try:
            tables = instance_tables(self.config_path)
        except ConfigError as error:
            tables, said = [], printable_said(str(error))
        self.app.call_from_thread(self._list, number, tables, said)

    def _list(self, number: int, tables: list[dict[str, Any]], said: str) -> None:
        if not self._reads.is_current(number):
            return  # a newer read (after a newer change) lists the file
        self.tables = tables
        self._say(said)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(  # Text, not str: an OptionList parses a str prompt as markup
                    Text(f"{printable(str(t.get('name')))}  {printable(str(t.get('url')))}"),
                    id=str(i),
                )
                for i, t in enumerate(self.tables)
            ]
        )
        if self.tables:
            options.highlighted = 0
        options.focus()

    def _say(self, text: str) -> None:
        self.query_one("#instances-status", Static).update(text)

    def _selected(self) -> dict[str, Any] | None:
        index = self.query_one(OptionList).highlighted
        return self.tables[index] if index is not None and index < len(self.tables) else None

    def _after_form(self, instance: InstanceConfig | None) -> None:
        if instance is not None:
            self.changed = True
            self.reload(f"Saved {printable(instance.name)}.")

    def action_add(self) -> None:
        self.app.push_screen(AddInstanceScreen(self.config_path, self.clock), self._after_form)

    def action_edit(self) -> None:
        table = self._selected()
        if table is not None:
            form = AddInstanceScreen(self.config_path, self.clock, existing=table)
            self.app.push_screen(form, self._after_form)

    @on(OptionList.OptionSelected)
    def option_chosen(self) -> None:
        """``enter`` (or a click) on an instance edits it."""
        self.action_edit()

    def action_remove(self) -> None:
        table = self._selected()
        if table is None:
            return
        name = str(table.get("name"))
        if self._armed != name:
            self._armed = name
            self._say(
                f"Remove {printable(name)!r} from the configuration? Press d again to confirm."
            )
            return
        self._armed = None
        if self.writing:
            return
        self.writing = True
        self._say(f"Removing {printable(name)}…")
        self.write_removal(name)

    @work(thread=True, group="write", exit_on_error=False)
    def write_removal(self, name: str) -> None:
        """Remove ``name`` from the file (under its lock: off the event loop)."""
        try:
            remove_instance(self.config_path, name)
        except (ConfigError, OSError) as error:
            said = f"Could not remove it: {printable_said(str(error))}"
            self.app.call_from_thread(self._written, False, said)
            return
        self.app.call_from_thread(self._written, True, f"Removed {printable(name)}.")

    def _written(self, changed: bool, said: str) -> None:
        self.writing = False
        if changed:
            self.changed = True
            self.reload(said)
        else:
            self._say(said)

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        """The app has notified it; the status line says it too, and nothing stays busy."""
        self.writing = False
        self._say(f"✗ {said}")

    def action_test(self) -> None:
        table = self._selected()
        if table is None:
            return
        try:
            instance = parse_instance(self.config_path, table)
        except ConfigError as error:
            self._say(printable_said(str(error)))
            return
        self._say(f"Signing in to {printable(instance.name)}…")
        self.run_probe(instance)

    @work(thread=True, exclusive=True, group="probe", exit_on_error=False)
    def run_probe(self, instance: InstanceConfig) -> None:
        """Sign in off the event loop."""
        probe = probe_instance(instance_spec(instance), self.clock(), DEFAULT_EXPIRING_WINDOW_DAYS)
        self.app.call_from_thread(self._show, probe)

    def _show(self, probe: Probe) -> None:
        name = printable(probe.spec.name)
        secrets = (probe.spec.token.reveal(),)
        if probe.failure is not None:
            failure = probe.failure
            self._say(f"✗ {name}: {printable_said(failure.message, secrets)} — {failure.advice}")
        elif probe.identity is not None:
            who = probe.identity  # the username, version and notes are the server's words
            notes = printable_said("; ".join((*probe.problems, *probe.warnings)), secrets)
            self._say(
                f"✓ {name}: {printable_said(who.username, secrets)}, "
                f"GitLab {printable_said(who.version or '?', secrets)}"
                + (f" — {notes}" if notes else "")
            )

    def action_close(self) -> None:
        if self.writing:  # closing now would lose that the file changed
            self._say("Still writing the configuration; a moment…")
            return
        self.dismiss(self.changed)
