"""API JSON -> domain tokens, tolerant of every version's field set."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gltui.adapters import parse
from gltui.domain.tokens import Resource, ResourceType, TokenKind


def test_newest_personal_token_row() -> None:
    row = {
        "id": 4,
        "name": "Test Token",
        "revoked": False,
        "created_at": "2020-07-23T14:31:47.729Z",
        "description": "Test Token description",
        "scopes": ["api"],
        "user_id": 3,
        "last_used_at": "2021-10-06T17:58:37.550Z",
        "active": True,
        "expires_at": None,
        "expired": False,
        "granular": False,
        "last_used_ips": ["127.0.0.1"],
    }
    token = parse.personal_token("work", row)
    assert token.kind is TokenKind.PERSONAL
    assert token.created_at == datetime(2020, 7, 23, 14, 31, 47, 729000, tzinfo=UTC)
    assert token.expires_at is None
    assert token.last_used_ips == ("127.0.0.1",)
    assert token.owner is not None
    assert token.owner.user_id == 3


def test_old_row_without_optional_fields() -> None:
    token = parse.personal_token("old", {"id": 1, "name": "x", "expires_at": "2026-12-01"})
    assert token.expires_at == date(2026, 12, 1)
    assert token.scopes == ()
    assert token.description is None
    assert token.revoked is False


def test_resource_token_keeps_level_and_resource() -> None:
    project = Resource(ResourceType.PROJECT, 8, "acme/api")
    token = parse.personal_token(
        "w",
        {"id": 42, "name": "bot", "access_level": 40, "user_id": 141, "scopes": ["api"]},
        kind=TokenKind.PROJECT,
        resource=project,
    )
    assert token.access_level == 40
    assert token.resource == project


def test_deploy_token_expiry_is_an_instant() -> None:
    token = parse.deploy_token(
        "w",
        {
            "id": 1,
            "name": "d",
            "username": "gitlab+deploy-token-1",
            "expires_at": "2020-02-14T00:00:00.000Z",
        },
        resource=None,
    )
    assert token.expires_at == datetime(2020, 2, 14, tzinfo=UTC)
    assert token.owner is not None
    assert token.owner.username == "gitlab+deploy-token-1"


@pytest.mark.parametrize(
    "row", [{}, {"id": "7", "name": "x"}, {"id": 7}, {"id": True, "name": "x"}]
)
def test_rows_without_id_or_name_are_refused(row: dict[str, object]) -> None:
    with pytest.raises(parse.MalformedTokenError):
        parse.personal_token("w", row)


def test_garbage_optional_fields_are_ignored() -> None:
    token = parse.personal_token(
        "w",
        {
            "id": 1,
            "name": "x",
            "created_at": "yesterday",
            "expires_at": None,
            "scopes": "api",
            "user_id": "3",
        },
    )
    assert token.created_at is None
    assert token.expires_at is None
    assert token.scopes == ()
    assert token.owner is None


@pytest.mark.parametrize("expiry", [5, "yesterday", "2026-02-30", ["2027-01-01"]])
def test_an_unreadable_expiry_is_refused_not_never(expiry: object) -> None:
    with pytest.raises(parse.MalformedTokenError, match="expires_at"):
        parse.personal_token("w", {"id": 1, "name": "x", "expires_at": expiry})


def test_error_never_contains_the_row() -> None:
    with pytest.raises(parse.MalformedTokenError) as caught:
        parse.personal_token("w", {"name": "x", "token": "glpat-secretsecretsecret1"})
    assert "glpat-" not in str(caught.value)
