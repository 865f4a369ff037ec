"""Token scopes: which kinds may hold them and how much harm each can do.

The sets follow GitLab's ``lib/gitlab/auth.rb``: personal tokens may hold every
non-admin scope (admins also ``sudo``, ``admin_mode``, ``read_service_ping``);
project and group tokens the same minus ``read_user`` and the admin scopes;
deploy tokens have their own registry/repository scopes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from gltui.domain.errors import ValidationError
from gltui.domain.tokens import TokenKind


class ScopeRisk(IntEnum):
    """How much a scope lets a leaked token do, ordered so ``max()`` works."""

    NONE = 0
    READ = 1
    SELF_ROTATE = 2
    WRITE = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        """Short lower-case word for tables and reports."""
        return self.name.lower().replace("_", "-")


ADMIN_SCOPES = frozenset({"sudo", "admin_mode", "read_service_ping"})

USER_SCOPES = frozenset(
    {
        "api",
        "read_api",
        "read_user",
        "create_runner",
        "manage_runner",
        "k8s_proxy",
        "self_rotate",
        "read_repository",
        "write_repository",
        "read_registry",
        "write_registry",
        "read_virtual_registry",
        "write_virtual_registry",
        "read_observability",
        "write_observability",
        "ai_features",
    }
)
"""Non-admin scopes a personal token may hold."""

RESOURCE_TOKEN_SCOPES = USER_SCOPES - {"read_user"}
"""Scopes of project and group access tokens (``resource_bot_scopes``)."""

DEPLOY_TOKEN_SCOPES = frozenset(
    {
        "read_repository",
        "read_registry",
        "write_registry",
        "read_package_registry",
        "write_package_registry",
        "read_virtual_registry",
        "write_virtual_registry",
    }
)

_ADMIN_POWER_SCOPES = frozenset({"sudo", "admin_mode"})


def scope_risk(scope: str) -> ScopeRisk:
    """Classify one scope: ``sudo``/``admin_mode`` admin, ``read_*`` read, and everything
    else (``api``, ``write_*``, ``create_runner``, ``k8s_proxy``, ``ai_features``, scopes
    GitLab adds later) write: assume the worst."""
    if scope in _ADMIN_POWER_SCOPES:
        return ScopeRisk.ADMIN
    if scope == "self_rotate":
        return ScopeRisk.SELF_ROTATE
    if scope.startswith("read_"):
        return ScopeRisk.READ
    return ScopeRisk.WRITE


def highest_risk(scopes: Iterable[str]) -> ScopeRisk:
    """The riskiest scope of a token; ``NONE`` for a token without scopes."""
    return max((scope_risk(scope) for scope in scopes), default=ScopeRisk.NONE)


def allowed_scopes(kind: TokenKind, *, is_admin: bool) -> frozenset[str]:
    """Every scope GitLab accepts for ``kind`` when created by such a user."""
    if kind is TokenKind.DEPLOY:
        return DEPLOY_TOKEN_SCOPES
    if kind.is_resource_token:
        return RESOURCE_TOKEN_SCOPES
    if kind in (TokenKind.PERSONAL, TokenKind.IMPERSONATION) and is_admin:
        return USER_SCOPES | ADMIN_SCOPES
    return USER_SCOPES


def _why_not(scope: str, kind: TokenKind, *, is_admin: bool) -> str:
    if kind is TokenKind.DEPLOY:
        return f"{scope!r} is not a deploy-token scope"
    if scope in ADMIN_SCOPES:
        if kind is TokenKind.SERVICE_ACCOUNT:
            return f"{scope!r} is for administrators; a service account is not one"
        if kind.is_resource_token:
            return f"{scope!r} is for administrators' personal tokens, not {kind} tokens"
        if not is_admin:
            return f"{scope!r} can only be enabled for administrators"
    if scope == "read_user" and kind.is_resource_token:
        return f"{kind} access tokens cannot hold 'read_user'"
    if scope in DEPLOY_TOKEN_SCOPES:
        return f"{scope!r} exists only for deploy tokens"
    return f"{scope!r} is not a GitLab scope"


def validate_scopes(kind: TokenKind, scopes: Iterable[str], *, is_admin: bool) -> tuple[str, ...]:
    """Return the scopes de-duplicated in order, or raise naming the first bad one."""
    ordered = tuple(dict.fromkeys(scope.strip() for scope in scopes))
    if not ordered:
        raise ValidationError("scopes", "choose at least one scope")
    allowed = allowed_scopes(kind, is_admin=is_admin)
    for scope in ordered:
        if scope not in allowed:
            raise ValidationError("scopes", _why_not(scope, kind, is_admin=is_admin))
    return ordered
