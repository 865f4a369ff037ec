"""Every field of one token, in a modal (``enter`` on a row)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gltui.domain.access import AccessLevel
from gltui.domain.audit import DEFAULT_RULES, AuditRules, Flag
from gltui.domain.display import (
    KnownPaths,
    boundary_label,
    known_paths,
    owner_label,
    printable,
    runner_type_label,
)
from gltui.domain.granular import writes
from gltui.domain.links import token_page_url
from gltui.domain.scopes import ScopeRisk, highest_risk, scope_risk
from gltui.domain.states import classify, days_until_expiry
from gltui.domain.tokens import Boundary, GranularScope, Owner, ResourceType, Token, TokenKind
from gltui.tui.table_model import relative_days
from gltui.tui.worker_errors import ForwardsWorkerErrors


def _when(moment: datetime | None, today: datetime) -> str:
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({relative_days((moment.date() - today.date()).days)})"


_FLAG_TEXT = {
    Flag.BROAD_SCOPE: "broad scope",
    Flag.NEVER_USED: "never used",
    Flag.STALE: "not used for a long time",
    Flag.LONG_LIVED: "never expires or lives over a year",
    Flag.DRIFT: "holds scopes beyond its template",
    Flag.SA_NO_EXPIRY: "a service account's token that never expires",
}


_BOUNDARY_TEXT: dict[str, str] = {
    Boundary.USER: "the owner's own account",
    Boundary.INSTANCE: "instance-level resources",
    Boundary.ALL_MEMBERSHIPS: "every group and project the owner is a member of",
    Boundary.PERSONAL_PROJECTS: "the owner's personal projects",
    Boundary.SELECTED_MEMBERSHIPS: "the groups and projects it names",
}
"""GitLab's boundaries in words (a StrEnum member hashes as its string, so GitLab's raw
``access`` looks them up); a boundary a newer GitLab adds shows by its name alone."""


def _where(scope: GranularScope, paths: KnownPaths) -> str:
    """The boundary in words: ``all_memberships (every group and project the owner is a
    member of)``, ``project acme/api (#6)`` (a path the inventory knows), ``project #6``."""
    named = []
    for kind, ident in (
        (ResourceType.PROJECT, scope.project_id),
        (ResourceType.GROUP, scope.group_id),
    ):
        if ident is not None:
            path = paths.get((kind, ident))
            named.append(f"{kind.value} {path} (#{ident})" if path else f"{kind.value} #{ident}")
    if named:
        return " + ".join(named)
    words = _BOUNDARY_TEXT.get(scope.access)
    return f"{boundary_label(scope)} ({words})" if words else boundary_label(scope)


def granular_lines(token: Token, paths: KnownPaths) -> list[tuple[str, str]]:
    """A fine-grained token's boundaries, one line each with its permissions (plain
    text); nothing for a legacy token."""
    if token.granular_scopes is None:
        return []
    if not token.granular_scopes:
        return [("Boundaries", "not listed here (GitLab's service-account listing omits them)")]
    return [
        (
            f"Boundary {number}" if len(token.granular_scopes) > 1 else "Boundary",
            printable(
                f"{_where(scope, paths)}: {', '.join(scope.permissions) or 'no permissions'}"
            ),
        )
        for number, scope in enumerate(token.granular_scopes, 1)
    ]


def _permission_facts(scopes: tuple[GranularScope, ...]) -> list[str]:
    """A fine-grained token's counterpart of "write scope: api": its permissions that do
    more than read (the scope ``granular`` says nothing). How broad its boundaries are is
    the audit rules' judgement, in ``rules.flags``."""
    if not scopes:
        return ["its permissions are not in this listing"]
    beyond = writes(scopes)
    return [f"permissions beyond reading: {printable(', '.join(beyond))}"] if beyond else []


def risk_flags(token: Token, now: datetime, rules: AuditRules = DEFAULT_RULES) -> list[str]:
    """Plain-language reasons to look twice at a token: its scope, then the audit flags."""
    flags = []
    risk = highest_risk(token.scopes)
    if token.granular_scopes is not None:
        flags += _permission_facts(token.granular_scopes)
    elif risk is ScopeRisk.ADMIN:
        flags.append("administrator scope (sudo/admin_mode): acts as any user")
    elif risk is ScopeRisk.WRITE:
        writes = [printable(s) for s in token.scopes if scope_risk(s) >= ScopeRisk.WRITE]
        flags.append(f"write scope: {', '.join(writes)}")
    said = Flag.BROAD_SCOPE if token.granular_scopes is None else None  # the scope line said it
    flags += [_FLAG_TEXT.get(flag, flag.value) for flag in rules.flags(token, now) if flag != said]
    return flags


def detail_lines(
    token: Token,
    instance_url: str,
    now: datetime,
    siblings: Sequence[Token],
    rules: AuditRules = DEFAULT_RULES,
    nearby: Iterable[Token] = (),
) -> list[tuple[str, str]]:
    """(label, value) pairs; values are plain text. ``nearby`` (the instance's other
    tokens) names the projects and groups a fine-grained token's boundaries give by id,
    where one of them belongs there (:func:`~gltui.domain.display.known_paths`); it is
    read only for a fine-grained token."""
    left = days_until_expiry(token, now.date())
    expires = token.expires_at
    if isinstance(expires, datetime):  # an instant (deploy, trigger, runner): as Created
        expiry = f"{expires.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    else:
        expiry = "never" if expires is None else str(expires)
    if left is not None:
        expiry += f" ({relative_days(left)})"
    level = ""
    if token.access_level is not None:
        try:
            level = f"{AccessLevel(token.access_level).label} ({token.access_level})"
        except ValueError:
            level = str(token.access_level)
    chain = [
        f"#{t.id} {classify(t, now).value}, created "
        f"{t.created_at.date() if t.created_at else 'on an unknown day'}"
        for t in sorted(siblings, key=lambda t: t.id)
        if t.id != token.id
    ]
    kind = token.kind
    return [
        ("Name", printable(token.name)),
        ("Description", printable(token.description or "-")),
        ("State", classify(token, now).value),
        ("Kind", kind.value + (", fine-grained" if token.is_fine_grained else "")),
        *_kind_lines(token),
        ("Instance", printable(token.instance)),
        ("Belongs to", printable(_place(token))),
        (_OWNER_LABEL.get(kind, "Owner"), _person(token.owner)),
        ("Role", level or "-"),
        *(
            granular_lines(token, known_paths(nearby))
            if token.is_fine_grained
            else [("Scopes", printable(", ".join(token.scopes)) or _NO_SCOPES.get(kind, "-"))]
        ),
        ("Expires", expiry if expiry != "never" else _NEVER.get(kind, expiry)),
        ("Created", _when(token.created_at, now)),
        (_LAST_USED.get(kind, "Last used"), _when(token.last_used_at, now)),
        ("Last used from", printable(", ".join(token.last_used_ips)) or "-"),
        *(
            [("Not refreshed", printable(token.not_refreshed))]
            if token.not_refreshed is not None
            else []
        ),
        ("Risk", "; ".join(risk_flags(token, now, rules)) or "none noted"),
        ("Same name and owner", "; ".join(chain) or "none (no earlier rotation seen)"),
        ("Runner id" if kind is TokenKind.RUNNER else "Token id", str(token.id)),
        ("GitLab page", token_page_url(instance_url, token) or "-"),
    ]


_OWNER_LABEL = {
    TokenKind.SERVICE_ACCOUNT: "Service account",
    TokenKind.CLUSTER_AGENT: "Created by",
    TokenKind.RUNNER: "Created by",
}
_NO_SCOPES = {
    TokenKind.TRIGGER: "none: it runs the project's pipelines, as its owner",
    TokenKind.CLUSTER_AGENT: "none: it connects its agent to GitLab",
    TokenKind.RUNNER: "none: it picks up CI jobs, with their variables",
}
_NEVER = {
    TokenKind.CLUSTER_AGENT: "never (agent tokens do not expire)",
    TokenKind.RUNNER: "never, as far as GitLab says (no token_expires_at)",
}


_LAST_USED = {TokenKind.RUNNER: "Last contact"}
"""A runner uses its token whenever it contacts GitLab (``contacted_at``)."""


def _person(owner: Owner | None) -> str:
    """``mara``, ``user #2`` (GitLab gave the id only) or ``-``."""
    if owner is None:
        return "-"
    return printable(owner.username or f"user #{owner.user_id}")


def _place(token: Token) -> str:
    """Where the token lives; an instance service account's belongs to the instance."""
    if token.kind is TokenKind.SERVICE_ACCOUNT and token.resource is None:
        return "the instance (or a place GitLab did not name)"
    if token.kind is TokenKind.RUNNER and token.resource is None and token.runner_type:
        return f"{runner_type_label(token.runner_type)} runner"
    return owner_label(token)


def _kind_lines(token: Token) -> list[tuple[str, str]]:
    """What only this kind has: an agent token's agent and status, a runner's type and
    status, how much of a trigger's value GitLab shows."""
    lines = []
    if token.kind is TokenKind.CLUSTER_AGENT:
        agent = token.agent_name or "-"
        named = f"{agent} (#{token.agent_id})" if token.agent_id else agent
        lines.append(("Agent", printable(named)))
    if token.kind is TokenKind.RUNNER:
        lines.append(("Runner type", runner_type_label(token.runner_type or "unknown")))
    if token.status is not None:
        lines.append(("Status", printable(token.status)))
    if token.kind is TokenKind.TRIGGER:
        lines.append(("Value", "GitLab shows it to its owner only (others see 4 characters)"))
    return lines


class DetailsScreen(ForwardsWorkerErrors, ModalScreen[None]):
    """A token's fields; ``esc`` or ``q`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Close", tooltip="Back to the table"),
    ]

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        text = Text()
        for label, value in self._lines:
            text.append(f"{label:>20}  ", style="bold")
            text.append(value + "\n")
        with VerticalScroll(id="details-body"):
            yield Static(text, id="details-text")
        yield Static("esc closes", id="details-hint", markup=False)
