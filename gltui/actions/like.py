"""A create request copied from an existing token: for "replace" and "create like this"."""

from __future__ import annotations

from datetime import date, timedelta

from gltui.domain.access import AccessLevel
from gltui.domain.granular import grants_of
from gltui.domain.states import expiry_instant
from gltui.domain.templates import DEFAULT_MAX_LIFETIME_DAYS, CreateRequest
from gltui.domain.tokens import Token, TokenKind


def lifetime_of(token: Token) -> int:
    """Days the token was made to live (creation to expiry), within GitLab's bounds;
    365 when it never expired or its creation is unknown."""
    instant = expiry_instant(token.expires_at)
    if instant is None or token.created_at is None:
        return DEFAULT_MAX_LIFETIME_DAYS
    days = (instant.date() - token.created_at.date()).days
    return max(1, min(DEFAULT_MAX_LIFETIME_DAYS, days))


def request_like(token: Token, today: date) -> CreateRequest:
    """The same kind, name, scopes, role, description and place, living as long again
    from today. Works for expired and revoked tokens too. A fine-grained token's copy
    holds its permissions on its boundaries (one grant per boundary and permission set)."""
    level = None
    if token.access_level is not None and token.kind.is_resource_token:
        try:
            level = AccessLevel(token.access_level)
        except ValueError:
            level = None
    if token.granular_scopes:  # a fine-grained token: its grants, not "granular"
        return CreateRequest(
            kind=token.kind,
            name=token.name,
            scopes=(),
            expires_at=today + timedelta(days=lifetime_of(token)),
            description=token.description,
            granular=grants_of(token.granular_scopes),
        )
    return CreateRequest(
        kind=token.kind,
        name=token.name,
        scopes=token.scopes,
        expires_at=today + timedelta(days=lifetime_of(token)),
        description=token.description,
        access_level=level,
        resource=token.resource,
        account=token.owner if token.kind is TokenKind.SERVICE_ACCOUNT else None,
    )
