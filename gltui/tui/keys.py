"""The dashboard's keys: one table for the bindings, the footer, the help and the palette.

Every :class:`DashboardAction` has an id, the name ``[settings.keys]`` rebinds it by
(``refresh = "f5"``). The app hands that keymap to Textual (``set_keymap``), and
this module hands it to the help screen and to the command palette, so all three
show the key the user chose, spelt as the footer spells it (``?``, ``d / del``),
never as Textual names it (``question_mark``, ``d,delete``).

harlequin's ``actions.py`` is the model: the table is data, and the bindings, the
help groups and the palette's entries (:func:`palette_commands`) are all read from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Protocol, runtime_checkable

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

KeyDisplay = Callable[[Binding], str]
"""How a key is shown (``App.get_key_display``: ``question_mark`` -> ``?``)."""


@dataclass(frozen=True)
class DashboardAction:
    """One action: its key, its footer label and what the palette and help say."""

    key: str
    action: str
    label: str
    help: str
    show: bool = False
    name: str | None = None
    """The id, when the label is not one word."""

    @property
    def id(self) -> str:
        """The name ``[settings.keys]`` uses to rebind it (``refresh = "f5"``)."""
        return self.name or self.label.lower()

    def binding(self, keymap: Mapping[str, str] | None = None) -> Binding:
        """The Textual binding for it (with the user's key, when the keymap has one)."""
        key = (keymap or {}).get(self.id, self.key)
        return Binding(key, self.action, self.label, show=self.show, tooltip=self.help, id=self.id)


ACTIONS: tuple[DashboardAction, ...] = (
    DashboardAction("1", "card('active')", "Active", "Show active tokens (expiring included)"),
    DashboardAction("2", "card('expiring')", "Expiring", "Show tokens expiring within the window"),
    DashboardAction("3", "card('revoked')", "Revoked", "Show revoked tokens"),
    DashboardAction("4", "card('expired')", "Expired", "Show expired tokens"),
    DashboardAction("0", "card('')", "All", "Show every token"),
    DashboardAction(
        "slash", "filter", "Filter", "Filter as you type (name, scopes, owner, instance)", True
    ),
    DashboardAction("escape", "clear_filter", "Clear", "Clear the typed filter"),
    DashboardAction("s", "sort_next", "Sort", "Sort by the next column", True),
    DashboardAction("S", "sort_reverse", "Reverse", "Reverse the sort order"),
    DashboardAction("i", "next_instance", "Instance", "Show one instance, then the next, then all"),
    DashboardAction("t", "next_kind", "Kind", "Show one token kind, then the next, then all"),
    DashboardAction("r", "refresh", "Refresh", "Refresh every instance now", True),
    DashboardAction(
        "v", "review", "Review", "The weekly review: what changed, expires soon, is flagged", True
    ),
    DashboardAction("space", "mark", "Mark", "Mark the token for a bulk revoke (again: unmark)"),
    DashboardAction("d,delete", "revoke", "Revoke", "Revoke the marked or selected tokens", True),
    DashboardAction("R", "rotate", "Rotate", "Rotate the selected token (GitLab 16.0+)"),
    DashboardAction(
        "p", "replace", "Replace", "Replace: create a successor, revoke the old one when deployed"
    ),
    DashboardAction("c", "create", "Create", "Create a token from a template", True),
    DashboardAction(
        "C", "create_like", "Create like", "Create a token like the selected one", name="like"
    ),
    DashboardAction(
        "y", "yank", "Yank", "Copy the token's id, name, page, revoke command or a Markdown line"
    ),
    DashboardAction("o", "open_page", "Open", "Open the token's GitLab page in the browser"),
    DashboardAction("e", "instances", "Instances", "Add, edit, test or remove instances"),
    DashboardAction("at", "request_log", "Log", "The API log: every request gltui made"),
    DashboardAction(
        "exclamation_mark",
        "identify",
        "Identify",
        "Whose is a leaked token? Paste its value (masked); jump to it, revoke it by value",
    ),
    DashboardAction(
        "D",
        "scan_deployed",
        "Deployed",
        "Where is each token deployed? Scan your CI/CD variables for tokens (asks first)",
    ),
    DashboardAction("question_mark", "help", "Help", "Every key, with what it does", True),
)
"""The one table that the bindings, the footer, the help screen and the palette all use."""

MUTATING = frozenset({"revoke", "rotate", "replace", "create", "create_like", "mark"})
"""Actions a read-only dashboard neither shows nor runs."""

DEFAULT_BINDINGS: list[BindingType] = [action.binding() for action in ACTIONS]
"""The dashboard's ``BINDINGS``; Textual applies the user's keymap to them by id."""


def spell(binding: Binding, key_display: KeyDisplay) -> str:
    """Every key of ``binding`` as the footer shows it: ``d,delete`` -> ``d / del``."""
    return " / ".join(
        key_display(replace(binding, key=key.strip())) for key in binding.key.split(",")
    )


@dataclass(frozen=True)
class PaletteEntry:
    """One line of the command palette."""

    title: str
    help: str
    action: str


class DashboardKeys:
    """The action table under one user's keymap."""

    def __init__(self, keymap: Mapping[str, str] | None = None) -> None:
        self.keymap = dict(keymap or {})
        """Action id -> the user's keys (``[settings.keys]``)."""

    def bindings(self) -> list[Binding]:
        """Every dashboard binding with the user's keys."""
        return [action.binding(self.keymap) for action in ACTIONS]

    def help_groups(
        self, table: Iterable[BindingType], everywhere: Iterable[BindingType]
    ) -> list[tuple[str, list[Binding]]]:
        """The help screen's sections: the dashboard's keys (the user's), the table's
        and the app's."""
        return [
            ("Dashboard", self.bindings()),
            ("Token table", [b for b in table if isinstance(b, Binding)]),
            ("Everywhere", [b for b in everywhere if isinstance(b, Binding)]),
        ]

    def palette(
        self, key_display: KeyDisplay, allowed: Callable[[str], bool] = lambda _: True
    ) -> list[PaletteEntry]:
        """The palette's entries for the actions ``allowed`` admits (read-only mode
        offers no mutating one), each saying the key the user chose."""
        return [
            PaletteEntry(
                f"{action.label}: {action.help}",
                f"key: {spell(action.binding(self.keymap), key_display)}",
                action.action,
            )
            for action in ACTIONS
            if allowed(_action_name(action.action))
        ]


def _action_name(action: str) -> str:
    """``card('active')`` -> ``card``: the name ``check_action`` is asked about."""
    return action.split("(", 1)[0]


@runtime_checkable
class HasDashboardKeys(Protocol):
    """A screen whose actions the palette offers (the dashboard)."""

    @property
    def dashboard_keys(self) -> DashboardKeys:
        """Its keys under the user's keymap."""
        ...


def palette_commands(screen: Screen[Any], key_display: KeyDisplay) -> Iterator[SystemCommand]:
    """The command palette's entries for ``screen``: the dashboard's actions (with the
    user's keys, spelt readably) while the dashboard is the screen under the palette;
    nothing on a modal, whose keys these are not."""
    if not isinstance(screen, HasDashboardKeys):
        return

    def allowed(name: str) -> bool:
        return screen.check_action(name, ()) is not False

    for entry in screen.dashboard_keys.palette(key_display, allowed):
        yield SystemCommand(entry.title, entry.help, partial(screen.run_action, entry.action))
