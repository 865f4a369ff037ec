"""The create pane's logic, "like this" requests and the pending-replacement store."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gltui.actions.form import CreateForm, build_request, preview, scope_choices, template_table
from gltui.actions.like import lifetime_of, request_like
from gltui.actions.pending import PendingReplacement, PendingStore
from gltui.domain.access import AccessLevel
from gltui.domain.errors import ValidationError
from gltui.domain.templates import BUILTIN_TEMPLATES, template_from_config
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind

TODAY = date(2026, 11, 21)
TEMPLATES = {t.id: t for t in BUILTIN_TEMPLATES}
WEBSITE = Resource(ResourceType.PROJECT, 12, "acme/website")


def test_scope_choices_disable_what_the_kind_cannot_hold() -> None:
    choices = {c.scope: c for c in scope_choices(TokenKind.PROJECT, is_admin=False)}
    assert choices["read_api"].why_not is None
    assert choices["read_user"].why_not == "project access tokens cannot hold 'read_user'"
    assert choices["sudo"].why_not is not None
    assert choices["api"].writes
    assert not choices["read_api"].writes
    deploy = {c.scope: c for c in scope_choices(TokenKind.DEPLOY, is_admin=False)}
    assert deploy["read_registry"].why_not is None
    assert deploy["api"].why_not == "'api' is not a deploy-token scope"
    ordered = scope_choices(TokenKind.PROJECT, is_admin=False)
    enabled = [c.why_not is None for c in ordered]
    assert enabled == sorted(enabled, reverse=True)  # usable scopes listed first


def test_build_request_and_preview() -> None:
    form = CreateForm(TEMPLATES["jira-commits"], TokenKind.PROJECT, resource=WEBSITE)
    request = build_request(form, TODAY, is_admin=False)
    assert request.expires_at == TODAY + timedelta(days=365)
    assert request.access_level is AccessLevel.REPORTER
    shown = preview(request, "/projects/12/access_tokens")
    assert shown.startswith("POST /api/v4/projects/12/access_tokens\n")
    assert json.loads(shown.split("\n", 1)[1]) == {
        "name": "jira-commits",
        "scopes": ["read_api"],
        "expires_at": "2027-11-21",
        "access_level": 20,  # the description field was left empty
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires": "tomorrow"}, "expires"),
        ({"expires": "2030-01-01"}, "expires_at"),
        ({"scopes": ()}, "scopes"),
        ({"scopes": ("read_user",)}, "scopes"),
        ({"resource": None}, "target"),
        ({"role": "boss"}, "role"),
    ],
)
def test_build_request_names_the_field_to_fix(changes: dict[str, object], field: str) -> None:
    base = {
        "template": TEMPLATES["jira-commits"],
        "kind": TokenKind.PROJECT,
        "resource": WEBSITE,
    }
    with pytest.raises(ValidationError) as raised:
        build_request(CreateForm(**{**base, **changes}), TODAY, is_admin=False)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_a_saved_template_loads_back() -> None:
    form = CreateForm(TEMPLATES["jira-commits"], TokenKind.PROJECT, resource=WEBSITE, name="r")
    request = build_request(form, TODAY, is_admin=False)
    table = template_table(request, "Reader", 90)
    loaded = template_from_config("reader", table)
    assert loaded.variant_for(TokenKind.PROJECT).scopes == ("read_api",)
    assert loaded.variant_for(TokenKind.PROJECT).access_level is AccessLevel.REPORTER
    assert loaded.variant_for(TokenKind.PROJECT).lifetime_days == 90


def token(**changes: object) -> Token:
    base = Token(
        instance="w",
        kind=TokenKind.PROJECT,
        id=1,
        name="bot",
        scopes=("read_api", "read_repository"),
        revoked=True,
        expires_at=date(2026, 1, 31),
        created_at=datetime(2025, 11, 2, tzinfo=UTC),
        access_level=30,
        resource=WEBSITE,
        description="for the nightly job",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_like_this_copies_the_settings_even_of_a_revoked_token() -> None:
    request = request_like(token(), TODAY)
    assert request.kind is TokenKind.PROJECT
    assert request.scopes == ("read_api", "read_repository")
    assert request.access_level is AccessLevel.DEVELOPER
    assert request.resource == WEBSITE
    assert request.description == "for the nightly job"
    assert request.expires_at == TODAY + timedelta(days=90)  # it lived 90 days
    assert lifetime_of(token(expires_at=None)) == 365
    assert lifetime_of(token(expires_at=date(2030, 1, 1))) == 365  # capped


def test_pending_store_round_trip_and_damage(tmp_path: Path) -> None:
    store = PendingStore(tmp_path)
    assert store.all() == []
    first = PendingReplacement(
        "w", "deploy:1", "bot", "deploy:2", datetime(2026, 11, 21, tzinfo=UTC)
    )
    store.add(first)
    store.add(first)  # the same old token again replaces, never duplicates
    assert store.all() == [first]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.remove([("w", "deploy:1")]) == []
    assert store.all() == []
    store.path.write_text(
        '[{"instance": "w"}, "junk", {"instance": "w", "old_key": "a", '
        '"old_name": "n", "new_key": "b", "started_at": "2026-11-21T00:00:00"}]'
    )
    assert [p.old_key for p in store.all()] == ["a"]
    store.path.write_text("not json")
    assert store.all() == []
