"""A bad row is a named problem, never a dead instance and never "never expires"."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gltui.adapters import parse
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from tests.conftest import NOW
from tests.hostile import Answer, HostileServer, Responder, Seen, hostile, json_answer

__all__ = ["hostile"]

Start = Callable[[Responder], HostileServer]
GOOD = {"id": 1, "name": "good", "scopes": ["api"], "revoked": False, "expires_at": "2027-01-01"}


def serving(rows: list[Any], *, admin: bool = False) -> Responder:
    def respond(seen: Seen) -> Answer:
        path = seen.path.split("?")[0]
        if path == "/api/v4/user":
            return json_answer(json.dumps({"id": 1, "username": "root", "is_admin": admin}))
        if path == "/api/v4/personal_access_tokens":
            return json_answer(json.dumps(rows), **{"X-Total-Pages": "1"})
        return json_answer("[]")

    return respond


def walk(server: HostileServer) -> Any:
    spec = InstanceSpec(
        "odd", server.url, Secret("glpat-x" * 4), kinds=frozenset({TokenKind.PERSONAL})
    )
    return walk_instance(spec, NOW)


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "id": 2, "expires_at": "2026-02-30"},
        {**GOOD, "id": 2, "expires_at": "soon"},
        {**GOOD, "id": 2, "expires_at": 20270101},
        {**GOOD, "id": True},
        {**GOOD, "id": 2, "name": ["x"]},
    ],
    ids=["impossible date", "words", "a number", "bool id", "list name"],
)
def test_one_bad_row_costs_that_row_only(hostile: Start, bad: dict[str, Any]) -> None:
    result = walk(hostile(serving([GOOD, bad])))
    assert result.failure is None
    assert [token.name for token in result.tokens] == ["good"]
    assert len(result.problems) == 1
    assert "token" in result.problems[0].failure.message


def test_overflowing_times_are_unknown_not_fatal(hostile: Start) -> None:
    odd = {
        **GOOD,
        "created_at": "9999-12-31T23:59:59-05:00",
        "last_used_at": "0001-01-01T00:00+01:00",
    }
    result = walk(hostile(serving([odd])))
    assert result.failure is None
    (token,) = result.tokens
    assert token.created_at is None
    assert token.last_used_at is None


def test_an_unreadable_deploy_expiry_is_not_never() -> None:
    with pytest.raises(parse.MalformedTokenError):
        parse.deploy_token(
            "x", {"id": 1, "name": "d", "expires_at": "9999-12-31T23:59:59-05:00"}, resource=None
        )
    token = parse.deploy_token("x", {"id": 1, "name": "d", "expires_at": None}, resource=None)
    assert token.expires_at is None


def test_odd_user_ids_in_admin_rows_do_not_fail_the_instance(hostile: Start) -> None:
    rows = [GOOD, {**GOOD, "id": 3, "user_id": [1]}, {**GOOD, "id": 4, "user_id": {"a": 1}}]
    result = walk(hostile(serving(rows, admin=True)))
    assert result.failure is None
    assert {token.id for token in result.tokens} == {1, 3, 4}


def test_an_admin_s_bad_row_is_told_only_when_its_kind_is_kept(hostile: Start) -> None:
    users = [
        {"id": 7, "username": "ada", "bot": False},
        {"id": 8, "username": "project_5_bot_0a1b", "bot": True},
    ]
    rows = [
        {**GOOD, "user_id": 7},
        {**GOOD, "id": 2, "user_id": 7, "expires_at": "soon"},  # a person's: told
        {**GOOD, "id": 3, "user_id": 8},  # a project token: not kept here
        {**GOOD, "id": 4, "user_id": 8, "expires_at": "soon"},  # nor told
    ]
    base = serving(rows, admin=True)

    def respond(seen: Seen) -> Answer:
        if seen.path.split("?")[0] == "/api/v4/users":
            return json_answer(json.dumps(users), **{"X-Total-Pages": "1"})
        return base(seen)

    result = walk(hostile(respond))
    assert result.failure is None
    assert [(t.id, t.kind, t.owner.username) for t in result.tokens] == [
        (1, TokenKind.PERSONAL, "ada")
    ]
    (problem,) = result.problems
    assert "token 2" in problem.failure.message


def test_scope_lists_are_shared_between_tokens() -> None:
    one = parse.personal_token("x", json.loads(json.dumps(GOOD)))
    two = parse.personal_token("x", json.loads(json.dumps({**GOOD, "id": 2})))
    assert one.scopes == two.scopes == ("api",)
    assert one.scopes is two.scopes


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
row_fields = st.sampled_from(
    [
        "id",
        "name",
        "scopes",
        "revoked",
        "expires_at",
        "created_at",
        "last_used_at",
        "last_used_ips",
        "user_id",
        "description",
        "access_level",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(row_fields, json_values, max_size=8))
def test_any_row_parses_or_is_malformed(row: dict[str, Any]) -> None:
    """No JSON row makes the parser raise anything but the errors the walk names."""
    makers: list[Callable[[], Token]] = [
        lambda: parse.personal_token("x", row),
        lambda: parse.deploy_token("x", row, resource=None),
    ]
    for make in makers:
        try:
            token = make()
        except parse.MalformedTokenError:
            continue
        if row.get("expires_at") not in (None, ""):
            assert token.expires_at is not None  # unreadable never reads as "never"
