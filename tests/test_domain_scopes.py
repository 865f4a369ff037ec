"""Scope risk and which scopes each kind may hold."""

from __future__ import annotations

import pytest

from gltui.domain.access import AccessLevel, parse_access_level
from gltui.domain.errors import ValidationError
from gltui.domain.scopes import ScopeRisk, highest_risk, scope_risk, validate_scopes
from gltui.domain.tokens import TokenKind

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones


@pytest.mark.parametrize(
    ("scope", "risk"),
    [
        ("sudo", ScopeRisk.ADMIN),
        ("admin_mode", ScopeRisk.ADMIN),
        ("api", ScopeRisk.WRITE),
        ("write_repository", ScopeRisk.WRITE),
        ("write_registry", ScopeRisk.WRITE),
        ("create_runner", ScopeRisk.WRITE),
        ("manage_runner", ScopeRisk.WRITE),
        ("k8s_proxy", ScopeRisk.WRITE),
        ("ai_features", ScopeRisk.WRITE),
        ("read_api", ScopeRisk.READ),
        ("read_user", ScopeRisk.READ),
        ("read_repository", ScopeRisk.READ),
        ("read_service_ping", ScopeRisk.READ),
        ("self_rotate", ScopeRisk.SELF_ROTATE),
        ("some_future_scope", ScopeRisk.WRITE),  # unknown: assume the worst
    ],
)
def test_scope_risk(scope: str, risk: ScopeRisk) -> None:
    assert scope_risk(scope) is risk


def test_highest_risk() -> None:
    assert highest_risk(["read_api", "self_rotate"]) is ScopeRisk.SELF_ROTATE
    assert highest_risk(["read_api", "api", "sudo"]) is ScopeRisk.ADMIN
    assert highest_risk([]) is ScopeRisk.NONE


def test_validate_scopes_dedupes_in_order() -> None:
    assert validate_scopes(TokenKind.PERSONAL, ["read_api", "api", "read_api"], is_admin=False) == (
        "read_api",
        "api",
    )


@pytest.mark.parametrize(
    ("kind", "scope", "is_admin", "reason"),
    [
        (TokenKind.PROJECT, "read_user", True, "cannot hold 'read_user'"),
        (TokenKind.GROUP, "read_user", True, "cannot hold 'read_user'"),
        (TokenKind.PERSONAL, "sudo", False, "only be enabled for administrators"),
        (TokenKind.PROJECT, "sudo", True, "administrators' personal tokens"),
        (TokenKind.PERSONAL, "read_package_registry", True, "only for deploy tokens"),
        (TokenKind.DEPLOY, "api", True, "not a deploy-token scope"),
        (TokenKind.PERSONAL, "root_everything", True, "not a GitLab scope"),
        # a resource token is told about read_user only when it asked for read_user
        (TokenKind.PROJECT, "read_package_registry", False, "only for deploy tokens"),
        (TokenKind.GROUP, "root_everything", False, "not a GitLab scope"),
    ],
)
def test_invalid_scopes_name_the_reason(
    kind: TokenKind, scope: str, is_admin: bool, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason) as caught:
        validate_scopes(
            kind,
            ["read_api" if kind is not TokenKind.DEPLOY else "read_registry", scope],
            is_admin=is_admin,
        )
    assert caught.value.field == "scopes"
    if scope != "read_user":
        assert "read_user" not in str(caught.value)


def test_admins_may_hold_admin_scopes() -> None:
    assert validate_scopes(TokenKind.PERSONAL, ["sudo", "admin_mode"], is_admin=True) == (
        "sudo",
        "admin_mode",
    )


def test_empty_scopes_are_refused() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        validate_scopes(TokenKind.PERSONAL, [], is_admin=True)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Reporter", AccessLevel.REPORTER),
        ("developer", AccessLevel.DEVELOPER),
        (40, AccessLevel.MAINTAINER),
        ("50", AccessLevel.OWNER),
        (" planner ", AccessLevel.PLANNER),
    ],
)
def test_parse_access_level(text: str | int, level: AccessLevel) -> None:
    assert parse_access_level(text) is level


@pytest.mark.parametrize("bad", ["boss", 25, "60", True])
def test_unknown_roles_are_refused(bad: str | int) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_access_level(bad)
    assert caught.value.field == "role"
