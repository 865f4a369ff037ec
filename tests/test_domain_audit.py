"""Audit flags at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gltui.domain.audit import Flag, audit, drift
from gltui.domain.templates import BUILTIN_TEMPLATES
from gltui.domain.tokens import Token, TokenKind

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def token(
    *,
    scopes: tuple[str, ...] = ("read_api",),
    used_days_ago: float | None = 1,
    created_days_ago: int = 10,
    lifetime_days: int | None = 100,
    name: str = "t",
    kind: TokenKind = TokenKind.PERSONAL,
) -> Token:
    created = NOW - timedelta(days=created_days_ago)
    return Token(
        instance="w",
        kind=kind,
        id=1,
        name=name,
        scopes=scopes,
        revoked=False,
        expires_at=None
        if lifetime_days is None
        else created.date() + timedelta(days=lifetime_days),
        created_at=created,
        last_used_at=None if used_days_ago is None else NOW - timedelta(days=used_days_ago),
    )


def test_a_quiet_token_has_no_flags() -> None:
    assert audit(token(), NOW) == ()


@pytest.mark.parametrize(
    ("scopes", "broad"),
    [
        (("read_api",), False),
        (("api",), True),
        (("write_repository",), True),
        (("sudo",), True),
        (("self_rotate",), False),
    ],
)
def test_broad_scope(scopes: tuple[str, ...], broad: bool) -> None:
    assert (Flag.BROAD_SCOPE in audit(token(scopes=scopes), NOW)) is broad


def test_never_used_and_stale_boundary() -> None:
    assert Flag.NEVER_USED in audit(token(used_days_ago=None), NOW)
    assert Flag.STALE not in audit(token(used_days_ago=90), NOW)
    assert Flag.STALE in audit(token(used_days_ago=90.01), NOW)
    assert Flag.STALE in audit(token(used_days_ago=31), NOW, stale_after_days=30)


def test_long_lived_boundary() -> None:
    assert Flag.LONG_LIVED in audit(token(lifetime_days=None), NOW)
    assert Flag.LONG_LIVED not in audit(token(lifetime_days=365), NOW)
    assert Flag.LONG_LIVED in audit(token(lifetime_days=366), NOW)


def test_drift_from_the_template_it_was_made_from() -> None:
    made = token(name="jira-commits", scopes=("read_api", "api"))
    assert drift(made, BUILTIN_TEMPLATES) == ("api",)
    assert Flag.DRIFT in audit(made, NOW, templates=BUILTIN_TEMPLATES)
    faithful = token(name="jira-commits", scopes=("read_api",))
    assert Flag.DRIFT not in audit(faithful, NOW, templates=BUILTIN_TEMPLATES)
    unrelated = token(name="my script", scopes=("api",))
    assert drift(unrelated, BUILTIN_TEMPLATES) == ()
    wrong_kind = token(name="cicd-deploy", kind=TokenKind.GROUP, scopes=("api",))
    assert drift(wrong_kind, BUILTIN_TEMPLATES) == ()
