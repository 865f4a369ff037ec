"""Every field of one token, in a modal (``enter`` on a row)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gltui.domain.access import AccessLevel
from gltui.domain.audit import DEFAULT_RULES, AuditRules, Flag
from gltui.domain.display import owner_label, printable
from gltui.domain.links import token_page_url
from gltui.domain.scopes import ScopeRisk, highest_risk, scope_risk
from gltui.domain.states import classify, days_until_expiry
from gltui.domain.tokens import Token
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
}


def risk_flags(token: Token, now: datetime, rules: AuditRules = DEFAULT_RULES) -> list[str]:
    """Plain-language reasons to look twice at a token: its scope, then the audit flags."""
    flags = []
    risk = highest_risk(token.scopes)
    if risk is ScopeRisk.ADMIN:
        flags.append("administrator scope (sudo/admin_mode): acts as any user")
    elif risk is ScopeRisk.WRITE:
        writes = [printable(s) for s in token.scopes if scope_risk(s) >= ScopeRisk.WRITE]
        flags.append(f"write scope: {', '.join(writes)}")
    flags += [_FLAG_TEXT[flag] for flag in rules.flags(token, now) if flag is not Flag.BROAD_SCOPE]
    return flags


def detail_lines(
    token: Token,
    instance_url: str,
    now: datetime,
    siblings: Sequence[Token],
    rules: AuditRules = DEFAULT_RULES,
) -> list[tuple[str, str]]:
    """(label, value) pairs; values are plain text."""
    left = days_until_expiry(token, now.date())
    expiry = "never" if token.expires_at is None else str(token.expires_at)
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
    return [
        ("Name", printable(token.name)),
        ("Description", printable(token.description or "-")),
        ("State", classify(token, now).value),
        ("Kind", token.kind.value),
        ("Instance", printable(token.instance)),
        ("Belongs to", printable(owner_label(token))),
        (
            "Owner",
            printable(token.owner.username or str(token.owner.user_id)) if token.owner else "-",
        ),
        ("Role", level or "-"),
        ("Scopes", printable(", ".join(token.scopes)) or "-"),
        ("Expires", expiry),
        ("Created", _when(token.created_at, now)),
        ("Last used", _when(token.last_used_at, now)),
        ("Last used from", printable(", ".join(token.last_used_ips)) or "-"),
        *(
            [("Not refreshed", printable(token.not_refreshed))]
            if token.not_refreshed is not None
            else []
        ),
        ("Risk", "; ".join(risk_flags(token, now, rules)) or "none noted"),
        ("Same name and owner", "; ".join(chain) or "none (no earlier rotation seen)"),
        ("Token id", str(token.id)),
        ("GitLab page", token_page_url(instance_url, token) or "-"),
    ]


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
