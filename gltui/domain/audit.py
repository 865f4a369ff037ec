"""Audit flags: reasons to look twice at a token, whatever its state.

* ``broad-scope`` - holds api, sudo, admin_mode or a write_* scope;
* ``never-used`` - GitLab has no record of it ever being used;
* ``stale`` - not used for more than ``stale_after_days`` (90 by default);
* ``long-lived`` - never expires, or lives more than a year from creation;
* ``drift`` - made from a template (same name or description) but holds scopes beyond it;
* ``sa-no-expiry`` - a service account's token that never expires. GitLab lets these
  live for ever where expiry is not enforced for service accounts (their owners' own
  tokens cannot, since 16.0); nobody's calendar will ever remind anyone of it, and a
  leak stays usable until someone notices. (Such a token is ``long-lived`` too.)

Fine-grained tokens (GitLab 19.2+) carry ``scopes: ["granular"]``, which says nothing;
they are judged by their granular scopes instead (:func:`fine_grained_reasons`):

* ``broad-scope`` - a permission that writes (create, update, delete, rotate, revoke...),
  or a boundary that reaches everything the user can (``instance``, ``all_memberships``);
  read-only permissions on selected memberships (and the user itself) are narrow;
* ``drift`` - made from a template's fine-grained form but holds permissions beyond it,
  or holds them on a broader boundary than the form gives (or, for a form that names
  its projects and groups, on others).

A fine-grained token whose listing did not include its granular scopes (GitLab's
service-account listing) is not flagged for what gltui cannot see (its reasons say so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from gltui.domain.errors import ValidationError
from gltui.domain.granular import (
    Breadth,
    FineGrainedForm,
    boundary_breadth,
    broad_boundaries,
    is_narrow,
    writes,
)
from gltui.domain.scopes import ScopeRisk, scope_risk
from gltui.domain.states import expiry_instant
from gltui.domain.tokens import Boundary, GranularScope, Token, TokenKind

if TYPE_CHECKING:  # annotations only: the dashboard's first frame needs no templates
    from gltui.domain.templates import Template

DEFAULT_STALE_AFTER_DAYS = 90
LONG_LIVED_DAYS = 365


class Flag(StrEnum):
    """One audit finding."""

    BROAD_SCOPE = "broad-scope"
    NEVER_USED = "never-used"
    STALE = "stale"
    LONG_LIVED = "long-lived"
    DRIFT = "drift"
    SA_NO_EXPIRY = "sa-no-expiry"

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
    Flag.SA_NO_EXPIRY: "E",
}


def _template_of(token: Token, templates: Iterable[Template]) -> Template | None:
    for template in templates:
        if token.name == template.id or (
            template.description and token.description == template.description
        ):
            return template
    return None


def drift(token: Token, templates: Iterable[Template]) -> tuple[str, ...]:
    """Scopes the token holds beyond the template it was made from (empty: no drift).

    For a fine-grained token: the permissions beyond the template's fine-grained form,
    then ``"<boundary> boundary"`` for each boundary broader than the form allows."""
    template = _template_of(token, templates)
    if template is None:
        return ()
    if token.granular_scopes is not None:
        if template.fine_grained is None or token.kind is not TokenKind.PERSONAL:
            return ()
        return fine_grained_drift(token.granular_scopes, template.fine_grained)
    try:
        variant = template.variant_for(token.kind)
    except ValidationError:  # made for another kind: not this template's token
        return ()
    return tuple(scope for scope in token.scopes if scope not in variant.scopes)


def _within(scope: GranularScope, form: FineGrainedForm, permission: str) -> bool:
    """Whether some grant of ``form`` holds ``permission`` on ``scope``'s boundary (or a
    broader one; a grant naming its projects and groups covers those only)."""
    for grant in form.grants:
        if permission not in grant.permissions:
            continue
        if boundary_breadth(scope.access) > boundary_breadth(grant.access.value):
            continue
        if (
            scope.access == Boundary.SELECTED_MEMBERSHIPS
            and grant.access is Boundary.SELECTED_MEMBERSHIPS
            and not grant.needs_memberships
        ):
            named = (scope.project_id in grant.project_ids) or (scope.group_id in grant.group_ids)
            if not named:
                continue
        return True
    return False


def fine_grained_drift(scopes: Iterable[GranularScope], form: FineGrainedForm) -> tuple[str, ...]:
    """What a fine-grained token holds beyond ``form``: permissions the form never
    grants, then boundaries wider than the form grants its permissions on."""
    allowed = set(form.permissions)
    extra: dict[str, None] = {}
    wider: dict[str, None] = {}
    for scope in scopes:
        for permission in scope.permissions:
            if permission not in allowed:
                extra[permission] = None
            elif not _within(scope, form, permission):
                wider[f"{scope.access} boundary"] = None
    return (*extra, *wider)


def fine_grained_reasons(token: Token) -> tuple[str, ...]:
    """Why a fine-grained token is broad, or that it is narrow, in plain words (empty
    for a legacy token)."""
    scopes = token.granular_scopes
    if scopes is None:
        return ()
    if not scopes:
        return ("GitLab's listing did not include its permissions",)
    reasons = []
    writing = writes(scopes)
    if writing:
        reasons.append(f"write permissions: {', '.join(writing)}")
    broad = broad_boundaries(scopes)
    if broad:
        reasons.append(f"broad boundary: {', '.join(broad)} (everything the user can reach)")
    if is_narrow(scopes):
        reasons.append("narrow: read-only permissions on selected projects and groups")
    return tuple(reasons)


def _broad(token: Token) -> bool:
    if token.granular_scopes is not None:
        scopes = token.granular_scopes
        return bool(writes(scopes)) or any(
            boundary_breadth(s.access) is Breadth.BROAD for s in scopes
        )
    return any(scope_risk(scope) >= ScopeRisk.WRITE for scope in token.scopes)


def audit(
    token: Token,
    now: datetime,
    *,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    templates: Iterable[Template] = (),
) -> tuple[Flag, ...]:
    """Every flag that applies to ``token`` at ``now``, in :class:`Flag` order."""
    flags = []
    if _broad(token):
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
    if token.kind is TokenKind.SERVICE_ACCOUNT and token.expires_at is None:
        flags.append(Flag.SA_NO_EXPIRY)
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
