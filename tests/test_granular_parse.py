"""Fine-grained tokens from GitLab's JSON: told by what the row says, never by version;
an unreadable ``granular_scopes`` costs its row (a named problem), never the instance."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gltui.adapters import parse
from gltui.domain.secret import Secret
from gltui.domain.tokens import GranularScope, TokenKind
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from tests.conftest import NOW
from tests.hostile import Answer, HostileServer, Responder, Seen, hostile, json_answer

__all__ = ["hostile"]

Start = Callable[[Responder], HostileServer]

FINE = {
    "id": 9,
    "name": "ci reader",
    "revoked": False,
    "expired": False,
    "granular": True,
    "created_at": "2026-11-01T10:00:00.000Z",
    "description": None,
    "scopes": ["granular"],
    "user_id": 3,
    "last_used_at": None,
    "active": True,
    "expires_at": "2027-03-01",
    "last_used_ips": [],
    "granular_scopes": [
        {
            "access": "all_memberships",
            "permissions": ["read_job", "read_pipeline", "read_deploy_token"],
            "project_id": None,
            "group_id": None,
        },
        {
            "access": "selected_memberships",
            "permissions": ["read_deploy_token"],
            "project_id": 6,
            "group_id": None,
        },
        {
            "access": "selected_memberships",
            "permissions": ["read_resource_access_token"],
            "project_id": None,
            "group_id": 12,
        },
    ],
}
"""A 19.6 list entry, shaped as ``doc/api/personal_access_tokens.md`` shows it."""
LEGACY = {**FINE, "id": 1, "granular": False, "scopes": ["read_api"]}
del LEGACY["granular_scopes"]


def test_boundaries_are_read_as_gitlab_lists_them() -> None:
    token = parse.personal_token("work", FINE)
    assert token.is_fine_grained
    assert token.scopes == ("granular",)
    assert token.granular_scopes == (
        GranularScope("all_memberships", ("read_job", "read_pipeline", "read_deploy_token")),
        GranularScope("selected_memberships", ("read_deploy_token",), project_id=6),
        GranularScope("selected_memberships", ("read_resource_access_token",), group_id=12),
    )


@pytest.mark.parametrize(
    "row",
    [
        LEGACY,
        {"id": 1, "name": "15.x row", "scopes": ["api"]},  # no `granular` field at all
        {**LEGACY, "granular_scopes": []},  # an empty list on a legacy token says nothing
        {**LEGACY, "granular": "true"},  # only a JSON true is true, as for `revoked`
    ],
    ids=["granular false", "older version", "empty list", "string true"],
)
def test_legacy_tokens_stay_legacy(row: dict[str, Any]) -> None:
    token = parse.personal_token("work", row)
    assert token.granular_scopes is None
    assert not token.is_fine_grained


@pytest.mark.parametrize(
    "row",
    [
        {**LEGACY, "granular": True},  # the service-account listing (issue 633317)
        {**LEGACY, "granular": True, "granular_scopes": None},
        {**LEGACY, "granular": True, "granular_scopes": []},
        {"id": 2, "name": "sa", "scopes": ["granular"]},  # no `granular` field, GitLab's scope
    ],
    ids=["granular only", "null scopes", "empty scopes", "scope granular"],
)
def test_fine_grained_without_boundaries_is_an_empty_tuple(row: dict[str, Any]) -> None:
    token = parse.personal_token("work", row, kind=TokenKind.SERVICE_ACCOUNT)
    assert token.granular_scopes == ()
    assert token.is_fine_grained


def test_a_list_of_boundaries_makes_a_token_fine_grained_whatever_the_flag() -> None:
    row = {**FINE, "granular": False}
    assert (
        parse.personal_token("work", row).granular_scopes
        == parse.personal_token("work", FINE).granular_scopes
    )


def test_a_boundary_gitlab_adds_later_is_kept_as_sent() -> None:
    row = {**FINE, "granular_scopes": [{"access": "organization", "permissions": ["read_job"]}]}
    (scope,) = parse.personal_token("work", row).granular_scopes or ()
    assert scope == GranularScope("organization", ("read_job",))  # missing ids are null


def test_both_ids_are_kept() -> None:
    entry = {"access": "selected_memberships", "permissions": [], "project_id": 1, "group_id": 2}
    (scope,) = parse.personal_token("w", {**FINE, "granular_scopes": [entry]}).granular_scopes or ()
    assert (scope.project_id, scope.group_id, scope.permissions) == (1, 2, ())


GOOD_ENTRY = {"access": "user", "permissions": ["read_personal_access_token"]}
SECRETISH = "glpat-secretlookingvalue0001"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("all_memberships", "not a list"),
        ({"access": "user"}, "not a list"),
        ([GOOD_ENTRY, SECRETISH], "entry 2: not an object"),
        ([{"permissions": ["read_job"]}], "entry 1: no readable access boundary"),
        ([{"access": 5, "permissions": []}], "entry 1: no readable access boundary"),
        ([{"access": "", "permissions": []}], "entry 1: no readable access boundary"),
        ([{"access": "x" * 129, "permissions": []}], "entry 1: no readable access boundary"),
        ([{"access": "user"}], "entry 1: permissions are not a list"),
        ([{"access": "user", "permissions": SECRETISH}], "entry 1: permissions are not a list"),
        ([{"access": "user", "permissions": ["read_job", 7]}], "entry 1: a permission that is"),
        ([{"access": "user", "permissions": [SECRETISH * 5]}], "entry 1: a permission that is"),
        ([{"access": "user", "permissions": ["p_q"] * 1001}], "entry 1: permissions are not"),
        ([{**GOOD_ENTRY, "project_id": "6"}], "entry 1: a project_id that is not a number"),
        ([{**GOOD_ENTRY, "group_id": True}], "entry 1: a group_id that is not a number"),
        ([GOOD_ENTRY] * 1001, "more than 1000 entries"),
    ],
)
def test_an_unreadable_boundary_is_refused_by_name(value: object, why: str) -> None:
    """Like an unreadable ``expires_at``: dropping the entry would report the token
    narrower than it is. The message names the field and never echoes a value."""
    with pytest.raises(parse.MalformedTokenError) as refused:
        parse.personal_token("work", {**FINE, "granular_scopes": value})
    message = str(refused.value)
    assert message.startswith("token 9 without a valid 'granular_scopes'")
    assert why in message
    assert SECRETISH not in message
    assert "all_memberships" not in message


def test_the_bounds_themselves_are_accepted() -> None:
    entry = {"access": "u" * 128, "permissions": ["p" * 128] * 1000}
    token = parse.personal_token("w", {**FINE, "granular_scopes": [entry] * 1000})
    assert len(token.granular_scopes or ()) == 1000


def serving(rows: list[Any]) -> Responder:
    def respond(seen: Seen) -> Answer:
        path = seen.path.split("?")[0]
        if path == "/api/v4/user":
            return json_answer(json.dumps({"id": 3, "username": "mara", "is_admin": False}))
        if path == "/api/v4/personal_access_tokens":
            return json_answer(json.dumps(rows), **{"X-Total-Pages": "1"})
        return json_answer("[]")

    return respond


def test_a_bad_boundary_costs_its_row_only_through_the_walk(hostile: Start) -> None:
    bad = {**FINE, "id": 10, "granular_scopes": [{"access": "user", "permissions": "all"}]}
    server = hostile(serving([LEGACY, FINE, bad]))
    spec = InstanceSpec(
        "odd", server.url, Secret("glpat-x" * 4), kinds=frozenset({TokenKind.PERSONAL})
    )
    result = walk_instance(spec, NOW)
    assert result.failure is None
    assert {token.id: token.is_fine_grained for token in result.tokens} == {1: False, 9: True}
    (problem,) = result.problems
    assert "token 10 without a valid 'granular_scopes'" in problem.failure.message
    assert problem.scope is not None
    assert problem.scope.token_id == 10  # that token alone is kept from the snapshot


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=16,
)
ENTRIES = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "access": JSON | st.sampled_from(["user", "instance", "selected_memberships"]),
            "permissions": JSON | st.lists(st.sampled_from(["read_job", "run_job", 1]), max_size=3),
            "project_id": JSON,
            "group_id": JSON,
        },
    )
    | JSON,
    max_size=4,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=JSON | ENTRIES, granular=JSON, scopes=JSON)
def test_any_granular_field_parses_or_is_refused(
    value: object, granular: object, scopes: object
) -> None:
    row = {"id": 4, "name": "t", "granular": granular, "scopes": scopes, "granular_scopes": value}
    try:
        token = parse.personal_token("w", row)
    except parse.MalformedTokenError as refused:
        problem = str(refused)
    else:
        problem = ""
    if problem:
        assert "without a valid 'granular_scopes'" in problem
        return
    if token.granular_scopes is None:
        assert granular is not True
        assert scopes != ["granular"]
        return
    for scope in token.granular_scopes:
        assert isinstance(scope.access, str)
        assert scope.access
        assert all(isinstance(p, str) and p for p in scope.permissions)
        for ident in (scope.project_id, scope.group_id):
            assert ident is None or (isinstance(ident, int) and not isinstance(ident, bool))
