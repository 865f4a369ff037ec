"""Fixed legacy and fine-grained tokens for the display and report tests."""

from __future__ import annotations

from datetime import timedelta

from gltui.domain.tokens import GranularScope, Owner, Resource, ResourceType, Token, TokenKind
from tests.conftest import NOW

TODAY = NOW.date()

CI_READER_SCOPES = (
    GranularScope("all_memberships", ("read_job", "read_pipeline", "read_deploy_token")),
    GranularScope("selected_memberships", ("read_deploy_token",), project_id=6),
    GranularScope("selected_memberships", ("read_resource_access_token",), group_id=12),
)
RELEASE_SCOPES = (GranularScope("selected_memberships", ("read_job", "create_release"), 6),)


def token(
    token_id: int,
    name: str,
    *,
    kind: TokenKind = TokenKind.PERSONAL,
    scopes: tuple[str, ...] = ("read_api",),
    granular: tuple[GranularScope, ...] | None = None,
    resource: Resource | None = None,
    expires_in: int = 40,
) -> Token:
    return Token(
        instance="gitlab.com",
        kind=kind,
        id=token_id,
        name=name,
        scopes=("granular",) if granular is not None else scopes,
        revoked=False,
        expires_at=TODAY + timedelta(days=expires_in),
        owner=Owner(7, "mara"),
        resource=resource,
        access_level=20 if resource else None,
        created_at=NOW - timedelta(days=30 + token_id),
        last_used_at=NOW - timedelta(days=1),
        granular_scopes=granular,
    )


JIRA = token(
    1,
    "jira commits",
    kind=TokenKind.PROJECT,
    resource=Resource(ResourceType.PROJECT, 6, "acme/api"),
)
DEPLOY = token(2, "ci deploy", scopes=("api",), expires_in=12)
CI_READER = token(3, "ci reader", granular=CI_READER_SCOPES)
RELEASE = token(4, "release bot", granular=RELEASE_SCOPES, expires_in=9)
SERVICE = token(5, "sa reader", kind=TokenKind.SERVICE_ACCOUNT, granular=())
GROUP_BOT = token(
    6, "group bot", kind=TokenKind.GROUP, resource=Resource(ResourceType.GROUP, 13, "acme")
)
TOKENS = (JIRA, DEPLOY, CI_READER, RELEASE, SERVICE, GROUP_BOT)
FINE_GRAINED = frozenset({"ci reader", "release bot", "sa reader"})
