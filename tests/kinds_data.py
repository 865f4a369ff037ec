"""Fixed tokens of the kinds outside the token tables (triggers, agent tokens, runners,
group and project service-account tokens), at the fixed clock: for the report goldens
and the dashboard's pictures and tests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity, InstanceInventory
from tests.conftest import NOW, TODAY

INSTANCE = "ci.example"
WEB = Resource(ResourceType.PROJECT, 21, "acme/web")
ACME = Resource(ResourceType.GROUP, 3, "acme")
MARA = Owner(7, "mara")


def at(days: int, hour: int = 12) -> datetime:
    """``days`` from today at ``hour`` UTC (triggers and runner tokens expire at an instant)."""
    return datetime.combine(TODAY + timedelta(days=days), time(hour), tzinfo=UTC)


CREATED = NOW - timedelta(days=120)

KIND_TOKENS = (
    Token(
        INSTANCE,
        TokenKind.TRIGGER,
        31,
        "deploy from jenkins",
        (),
        False,
        None,
        created_at=CREATED,
        last_used_at=NOW - timedelta(days=2),
        owner=MARA,
        resource=WEB,
    ),
    Token(
        INSTANCE,
        TokenKind.TRIGGER,
        32,
        "nightly docs",
        (),
        False,
        at(7),
        created_at=CREATED,
        owner=Owner(1, "root"),
        resource=WEB,
    ),
    Token(
        INSTANCE,
        TokenKind.TRIGGER,
        33,
        "old hook",
        (),
        False,
        at(-3),
        created_at=CREATED,
        last_used_at=NOW - timedelta(days=4),
        owner=MARA,
        resource=WEB,
    ),
    Token(
        INSTANCE,
        TokenKind.CLUSTER_AGENT,
        41,
        "primary",
        (),
        False,
        None,
        description="production primary",
        created_at=CREATED,
        last_used_at=NOW - timedelta(minutes=40),
        owner=MARA,
        resource=WEB,
        agent_id=4,
        agent_name="production",
        status="active",
    ),
    Token(
        INSTANCE,
        TokenKind.RUNNER,
        51,
        "shared-runner-1",
        (),
        False,
        at(30),
        created_at=CREATED,
        last_used_at=NOW - timedelta(minutes=5),
        status="online",
        runner_type="instance_type",
    ),
    Token(
        INSTANCE,
        TokenKind.RUNNER,
        52,
        "website docker",
        (),
        False,
        at(14, 23),
        created_at=CREATED,
        last_used_at=NOW - timedelta(hours=3),
        owner=MARA,
        status="offline, paused",
        runner_type="project_type",
    ),
    Token(
        INSTANCE,
        TokenKind.SERVICE_ACCOUNT,
        61,
        "deploy",
        ("api",),
        False,
        None,
        description="never expires",
        created_at=CREATED,
        last_used_at=NOW - timedelta(days=1),
        owner=Owner(20, "acme-deploy-bot"),
        resource=ACME,
    ),
    Token(
        INSTANCE,
        TokenKind.SERVICE_ACCOUNT,
        62,
        "smoke",
        ("read_api",),
        False,
        TODAY + timedelta(days=15),
        created_at=CREATED,
        last_used_at=NOW - timedelta(hours=5),
        owner=Owner(23, "web-smoke-tests"),
        resource=WEB,
    ),
)

KINDS_INSTANCE = InstanceInventory(
    INSTANCE,
    f"https://{INSTANCE}",
    NOW,
    identity=Identity(7, "mara", False, "19.6.0-ee"),
    tokens=KIND_TOKENS,
    requests=15,
)
