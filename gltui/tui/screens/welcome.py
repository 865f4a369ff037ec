"""The first run: no instance yet, so offer to add one or to try the demo."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from gltui.clock import Clock
from gltui.config.model import InstanceConfig
from gltui.tui.screens.add_instance import AddInstanceScreen
from gltui.tui.worker_errors import ForwardsWorkerErrors, ReportsWorkerErrors

WELCOME = (
    "gltui shows every GitLab access token you own or administer, across instances: what is "
    "active, what expires within two weeks, what was revoked or has expired.\n\n"
    "No instance is configured yet. Add one (gltui needs a token with read_api; api lets it "
    "revoke and create), or try gltui on two sandbox instances first.\n\n"
    "The configuration file: {path}"
)


class WelcomeScreen(ForwardsWorkerErrors, Screen[str]):
    """Dismisses with "added", "demo" or "quit"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add an instance"),
        Binding("d", "demo", "Try the demo"),
        Binding("q,escape", "dismiss('quit')", "Quit"),
    ]

    def __init__(self, config_path: Path, clock: Clock) -> None:
        super().__init__()
        self.config_path = config_path
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static(WELCOME.format(path=self.config_path), id="welcome-text", markup=False)
            with Horizontal(id="welcome-buttons"):
                yield Button("Add an instance (a)", id="add", variant="primary")
                yield Button("Try the demo (d)", id="demo")
                yield Button("Quit (q)", id="quit")

    @on(Button.Pressed, "#add")
    def action_add(self) -> None:
        def added(instance: InstanceConfig | None) -> None:
            if instance is not None:
                self.dismiss("added")

        self.app.push_screen(AddInstanceScreen(self.config_path, self.clock), added)

    @on(Button.Pressed, "#demo")
    def action_demo(self) -> None:
        self.dismiss("demo")

    @on(Button.Pressed, "#quit")
    def quit_pressed(self) -> None:
        self.dismiss("quit")


class FirstRunApp(ReportsWorkerErrors[str]):
    """A small app around the welcome screen; returns what the user chose (its base
    reports a failing worker, the add-instance form's included)."""

    CSS_PATH = Path(__file__).parent.parent / "gltui.tcss"
    TITLE = "gltui"

    def __init__(self, config_path: Path, clock: Clock) -> None:
        super().__init__()
        self.config_path = config_path
        self.clock = clock

    def on_mount(self) -> None:
        self.push_screen(WelcomeScreen(self.config_path, self.clock), self.exit)
