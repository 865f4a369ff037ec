"""The seeded inventory covers every state and edge, relative to today."""

from __future__ import annotations

from datetime import timedelta

from gltui.sandbox.seed import LONG_NAME, MARKUP_NAME, UNICODE_NAME, parse_scale
from gltui.sandbox.server import SandboxApp, SandboxOptions
from tests.conftest import TODAY, fixed_clock


def test_every_edge_is_seeded() -> None:
    store = SandboxApp(SandboxOptions(), clock=fixed_clock).store
    expiries = {t.expires_at for t in store.pats.values()}
    for offset in (0, 1, 14, 15, -1):
        assert TODAY + timedelta(days=offset) in expiries
    assert None in expiries
    names = {t.name for t in store.pats.values()}
    assert {MARKUP_NAME, UNICODE_NAME, LONG_NAME.strip()} <= names
    assert any(t.last_used_at is None for t in store.pats.values())
    assert any(t.revoked for t in store.pats.values())
    assert any(t.previous_id for t in store.pats.values())  # a rotation chain
    assert any(t.impersonation for t in store.pats.values())
    kinds = {u.bot_of[0] for u in store.users.values() if u.bot_of}
    assert kinds == {"project", "group"}
    deploy = list(store.deploy_tokens.values())
    assert any(t.expires_at is None for t in deploy)
    assert any(t.expires_at is not None and t.expires_at.hour != 0 for t in deploy)


def test_same_seed_same_data() -> None:
    def snapshot(seed: int) -> list[tuple[str, object, bool]]:
        store = SandboxApp(SandboxOptions(seed=seed, scale=30), clock=fixed_clock).store
        return [(t.name, t.expires_at, t.revoked) for t in store.pats.values()]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_scale_names() -> None:
    assert parse_scale("small") == 0
    assert parse_scale("large") == 2000
    assert parse_scale("250") == 250


def test_credentials_are_distinct_and_not_stored() -> None:
    app = SandboxApp(SandboxOptions(), clock=fixed_clock)
    secrets = list(app.credentials.as_dict().values())
    assert len(set(secrets)) == 7  # the six legacy personas and, since 19.2, fine_grained
    assert all(secret.startswith("glpat-") and len(secret) == 26 for secret in secrets)
    stored = repr(app.store.pats)
    assert not any(secret in stored for secret in secrets)
