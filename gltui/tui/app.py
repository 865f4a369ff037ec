"""The Textual application: a thin composition root around the dashboard screen.

It is handed everything it needs (the inventory engine, a clock, the expiring
window) so tests, the demo and screenshots can run it over any data. Its base,
:class:`~gltui.tui.worker_errors.ReportsWorkerErrors`, reports any worker's failure,
on whichever screen, as one notification.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from gltui.adapters.log import RequestLog
from gltui.clock import Clock, utc_now
from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Inventory
from gltui.tui.keys import palette_commands
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.worker_errors import ReportsWorkerErrors

__all__ = ["GltuiApp", "utc_now"]  # utc_now: where the command line used to import it


class GltuiApp(ReportsWorkerErrors[None]):
    """Every GitLab token you own or administer, across instances."""

    CSS_PATH = Path(__file__).with_name("gltui.tcss")
    """Absolute: Textual resolves a relative CSS_PATH against each subclass's module."""
    TITLE = "gltui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Quit gltui"),
        Binding(
            "ctrl+p", "command_palette", "Palette", show=False, tooltip="Every action, by name"
        ),
    ]

    def __init__(
        self,
        engine: InventoryEngine,
        *,
        clock: Clock = utc_now,
        window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
        preload: bool = False,
        theme: str | None = None,
        keymap: Mapping[str, str] | None = None,
        config_path: Path | None = None,
        reconfigure: Callable[[], InventoryEngine] | None = None,
        rules: AuditRules = DEFAULT_RULES,
        readonly: bool = False,
        request_log: RequestLog | None = None,
    ) -> None:
        """``request_log``: where the transport logs every request (``@`` shows it).

        ``preload`` reads the snapshots' heads now, before Textual starts (or, where
        an instance has no head file yet, its whole snapshot).

        Measured: reading 10,000 cached tokens in a worker while Textual draws its
        first frames makes both fight for the GIL, and decoding them all before the
        first frame costs ~65 ms. A head (the first screen's rows and a summary that
        makes the cards and chart exact) is read in a few milliseconds; the full
        snapshots follow right after the first frame. The command line preloads.
        """
        super().__init__()
        self.request_log = request_log if request_log is not None else RequestLog()
        self.engine = engine
        self.clock = clock
        self.window = window
        preloaded, partial = None, None
        if preload:
            heads = engine.cached_heads()
            if heads is not None:  # the first screen now, the rest right after it
                preloaded = Inventory(tuple(head for head, _ in heads))
                partial = {head.name: summary for head, summary in heads}
            else:
                preloaded = engine.cached()
        self.dashboard = DashboardScreen(
            engine,
            clock,
            window,
            preloaded,
            keymap,
            rules,
            readonly=readonly,
            partial=partial,
            config_path=config_path,
            reconfigure=reconfigure,
        )
        self._wanted_theme = theme
        self._keymap = dict(keymap or {})
        if preload:
            # Everything alive now (modules, the cached tokens and their rows) lives as
            # long as the app: move it out of the cyclic GC's sight. Otherwise the first
            # frames trigger full collections that walk every cached token for nothing
            # (measured: ~75 ms of a 10,000-token first paint). Tokens are acyclic, so
            # reference counting still frees them when a refresh replaces them.
            gc.freeze()

    def get_default_screen(self) -> Screen[Any]:
        """The dashboard, as the app's first screen: pushed over Textual's blank default
        one, it cost that screen's compose, styling and layout, then a restyle of its own,
        at every start (measured: ~5 ms of the cold first frame, issue 19). The user's
        keys and theme are set first, so its first frame has them."""
        if self._keymap:
            self.set_keymap(self._keymap)
        if self._wanted_theme is not None:
            if self._wanted_theme in self.available_themes:
                self.theme = self._wanted_theme
            else:
                known = ", ".join(sorted(self.available_themes))
                self.notify(
                    f"Unknown theme {self._wanted_theme!r} in the config; known: {known}",
                    severity="warning",
                    markup=False,
                )
        return self.dashboard

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, then the actions of ``screen`` (the dashboard's, with the
        user's keys; a modal offers none of them)."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(screen, self.get_key_display)
