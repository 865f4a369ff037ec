"""What the create pane is given and what it shows, apart from the pane itself.

:class:`Place` (an instance and who gltui is there), the callables the pane runs in
workers, and the text of the fine-grained permissions panel. Plain values and
functions: the pane (:mod:`gltui.tui.screens.create`) stays about widgets and events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Select
from textual.widgets.selection_list import Selection

from gltui.actions.form import scope_choices
from gltui.actions.plan import Where
from gltui.actions.service import Issued
from gltui.domain.access import AccessLevel
from gltui.domain.display import printable
from gltui.domain.granular import FineGrainedForm, Grant
from gltui.domain.templates import CreateRequest, Template
from gltui.domain.tokens import Resource, TokenKind


@dataclass(frozen=True)
class Place:
    """An instance tokens can be created on, and who gltui is there."""

    name: str
    url: str
    user_id: int
    is_admin: bool
    version: str | None

    @property
    def where(self) -> Where:
        """What the create plan needs to know of it."""
        return Where(self.url, self.user_id, self.is_admin, self.version)


@dataclass(frozen=True)
class Created:
    """What the pane made."""

    instance: str
    issued: Issued


LoadResources = Callable[[str, TokenKind, str], list[Resource]]
"""Where ``kind`` tokens can be made on an instance, matching a search (for ``personal``:
the projects and groups a fine-grained token may reach)."""
CreateToken = Callable[[str, CreateRequest], Issued]
SaveTemplate = Callable[[str, dict[str, object]], None]
ROLES = [(level.label, level.name.lower()) for level in AccessLevel]
FINE_GRAINED, LEGACY = "fine-grained", "legacy"
VARIANTS = [("fine-grained (permissions)", FINE_GRAINED), ("legacy (scopes)", LEGACY)]


def _reach(grant: Grant, chosen: Resource | None) -> str:
    if not grant.needs_memberships:
        named = [f"project {i}" for i in grant.project_ids]
        named += [f"group {i}" for i in grant.group_ids]
        return f"{grant.access.value}{': ' + ', '.join(named) if named else ''}"
    where = printable(chosen.path or str(chosen.id)) if chosen else "the project or group chosen"
    return f"{grant.access.value}: {where}"


def permissions_text(form: FineGrainedForm, chosen: Resource | None) -> str:
    """The fine-grained form as the pane lists it: each boundary with what it reaches
    and its permissions (``!`` marks those that write), then why these."""
    lines = []
    for grant in form.grants:
        lines.append(_reach(grant, chosen))
        lines += [
            f"  {'  ' if permission.startswith('read_') else '! '}{permission}"
            for permission in grant.permissions
        ]
    lines += ["", printable(form.note)]
    return "\n".join(lines)


def scope_selections(
    template: Template, kind: TokenKind, *, is_admin: bool
) -> list[Selection[str]]:
    """The scopes list: every scope, the template's chosen, those ``kind`` cannot hold
    disabled with the reason, write scopes marked ``!``."""
    legacy = template.has_legacy(kind)
    chosen = set(template.variant_for(kind).scopes) if legacy else set()
    selections = []
    for choice in scope_choices(kind, is_admin=is_admin):
        label = ("! " if choice.writes else "  ") + choice.scope
        if choice.why_not:
            label += f"  ({choice.why_not})"
        selections.append(
            Selection(
                label,
                choice.scope,
                initial_state=choice.scope in chosen and choice.why_not is None,
                disabled=choice.why_not is not None,
            )
        )
    return selections


def row(label: str, field: Widget, row_id: str | None = None) -> Horizontal:
    """One labelled field of the form."""
    return Horizontal(Label(label, classes="create-label"), field, classes="create-row", id=row_id)


def dropdown(options: list[tuple[Any, Any]], value: Any, select_id: str) -> Select[Any]:
    """A compact drop-down that always holds a value."""
    return Select(options, value=value, allow_blank=False, id=select_id, compact=True)
