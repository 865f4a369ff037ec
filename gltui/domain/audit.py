"""Audit flags: reasons to look twice at a token, whatever its state.

* ``broad-scope`` - holds api, sudo, admin_mode or a write_* scope;
* ``never-used`` - GitLab has no record of it ever being used;
* ``stale`` - not used for more than ``stale_after_days`` (90 by default);
* ``long-lived`` - never expires, or lives more than a year from creation;
* ``drift`` - made from a template (same name or description) but holds scopes beyond it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gltui.domain.errors import ValidationError
from gltui.domain.scopes import ScopeRisk, scope_risk
from gltui.domain.states import expiry_instant
from gltui.domain.templates import Template
from gltui.domain.tokens import Token

DEFAULT_STALE_AFTER_DAYS = 90
LONG_LIVED_DAYS = 365


class Flag(StrEnum):
    """One audit finding."""

    BROAD_SCOPE = "broad-scope"
    NEVER_USED = "never-used"
    STALE = "stale"
    LONG_LIVED = "long-lived"
    DRIFT = "drift"

    @property
    def mark(self) -> str:
        """The one letter the dashboard's flags column shows for it."""
        return _MARKS[self]


_MARKS = {
    Flag.BROAD_SCOPE: "B",
    Flag.NEVER_USED: "N",
    Flag.STALE: "S",
    Flag.LONG_LIVED: "L",
    Flag.DRIFT: "D",
}


def _template_of(token: Token, templates: Iterable[Template]) -> Template | None:
    for template in templates:
        if token.name == template.id or (
            template.description and token.description == template.description
        ):
            return template
    return None


def drift(token: Token, templates: Iterable[Template]) -> tuple[str, ...]:
    """Scopes the token holds beyond the template it was made from (empty: no drift)."""
    template = _template_of(token, templates)
    if template is None:
        return ()
    try:
        variant = template.variant_for(token.kind)
    except ValidationError:  # made for another kind: not this template's token
        return ()
    return tuple(scope for scope in token.scopes if scope not in variant.scopes)


def audit(
    token: Token,
    now: datetime,
    *,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    templates: Iterable[Template] = (),
) -> tuple[Flag, ...]:
    """Every flag that applies to ``token`` at ``now``, in :class:`Flag` order."""
    flags = []
    if any(scope_risk(scope) >= ScopeRisk.WRITE for scope in token.scopes):
        flags.append(Flag.BROAD_SCOPE)
    if token.last_used_at is None:
        flags.append(Flag.NEVER_USED)
    elif now - token.last_used_at > timedelta(days=stale_after_days):
        flags.append(Flag.STALE)
    instant = expiry_instant(token.expires_at)
    if instant is None or (
        token.created_at is not None
        and (instant.date() - token.created_at.date()).days > LONG_LIVED_DAYS
    ):
        flags.append(Flag.LONG_LIVED)
    if drift(token, templates):
        flags.append(Flag.DRIFT)
    return tuple(flags)


@dataclass(frozen=True)
class AuditRules:
    """The user's settings that flags depend on, carried as one value."""

    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    templates: tuple[Template, ...] = ()

    def flags(self, token: Token, now: datetime) -> tuple[Flag, ...]:
        """Every flag on ``token`` at ``now`` under these settings."""
        return audit(token, now, stale_after_days=self.stale_after_days, templates=self.templates)


DEFAULT_RULES = AuditRules()
"""No user settings: 90 stale days, no templates to drift from."""
