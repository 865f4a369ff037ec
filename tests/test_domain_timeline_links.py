"""The expiry chart's weekly buckets and the GitLab page of each kind of token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gltui.domain.links import token_page_url
from gltui.domain.timeline import weekly_counts
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def token(
    expires_in: int | None,
    *,
    revoked: bool = False,
    kind: TokenKind = TokenKind.PERSONAL,
    resource: Resource | None = None,
    owner: str | None = "mara",
) -> Token:
    return Token(
        instance="w",
        kind=kind,
        id=1,
        name="t",
        scopes=(),
        revoked=revoked,
        expires_at=None if expires_in is None else date(2026, 11, 21) + timedelta(days=expires_in),
        resource=resource,
        owner=Owner(1, owner),
    )


def test_weekly_buckets_edges() -> None:
    assert weekly_counts([1, 7, 8, 14, 84, 85, 0, -3]) == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_token_pages() -> None:
    base = "https://gitlab.example.com/"
    project = Resource(ResourceType.PROJECT, 8, "acme/api")
    group = Resource(ResourceType.GROUP, 3, "acme")
    assert (
        token_page_url(base, token(5))
        == "https://gitlab.example.com/-/user_settings/personal_access_tokens"
    )
    assert token_page_url(base, token(5, kind=TokenKind.PROJECT, resource=project)) == (
        "https://gitlab.example.com/acme/api/-/settings/access_tokens"
    )
    assert token_page_url(base, token(5, kind=TokenKind.GROUP, resource=group)) == (
        "https://gitlab.example.com/groups/acme/-/settings/access_tokens"
    )
    assert token_page_url(base, token(5, kind=TokenKind.DEPLOY, resource=project)) == (
        "https://gitlab.example.com/acme/api/-/settings/repository#js-deploy-tokens"
    )
    assert token_page_url(base, token(5, kind=TokenKind.IMPERSONATION)) == (
        "https://gitlab.example.com/admin/users/mara/impersonation_tokens"
    )
    assert token_page_url(base, token(5, kind=TokenKind.DEPLOY)) is None  # admin listing: unknown
