"""``?``: every binding of the dashboard, generated from the bindings themselves.

The keys are spelt by :func:`gltui.tui.keys.spell`, as the palette spells them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gltui.tui.keys import KeyDisplay, spell
from gltui.tui.table_model import FINE_GRAINED_MARK
from gltui.tui.worker_errors import ForwardsWorkerErrors


def help_text(groups: list[tuple[str, list[Binding]]], key_display: KeyDisplay) -> Text:
    """A table of keys (as the footer shows them) and what they do, by group."""
    text = Text()
    for title, bindings in groups:
        text.append(f"{title}\n", style="bold underline")
        for binding in bindings:
            text.append(f"  {spell(binding, key_display):<22}", style="bold")
            text.append(f"{binding.tooltip or binding.description}\n")
        text.append("\n")
    text.append(
        f"{FINE_GRAINED_MARK}before a name: a fine-grained token "
        "(/ finds them by fine-grained, legacy or a permission).\n",
        style="dim",
    )
    text.append("ctrl+p opens the command palette: every action above, and themes.", style="dim")
    return text


class HelpScreen(ForwardsWorkerErrors, ModalScreen[None]):
    """The key reference; ``esc``, ``q`` or ``?`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, groups: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self._groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self._groups, self.app.get_key_display), id="help-text")
