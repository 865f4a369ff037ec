"""Schema 5: a snapshot's tokens as columns read back as exactly the tokens written, as
the row decoder reads the same tokens written as rows, and refuse what the row decoder
refuses."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gltui.domain.tokens import GranularScope, Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.inventory.serialize import (
    ROW_FIELDS,
    SnapshotFormatError,
    instance_from_dict,
    instance_to_dict,
    token_to_row,
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7)))
texts = st.text(max_size=8)
optional_texts = st.none() | texts
optional_ids = st.none() | st.integers(0, 2**40)
instants = st.none() | st.datetimes(
    datetime(1960, 1, 1), datetime(2200, 1, 1), timezones=st.sampled_from(ZONES)
)
ms_instants = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
)
tokens = st.builds(
    Token,
    instance=st.just("work"),
    kind=st.sampled_from(list(TokenKind)),
    id=st.integers(0, 2**40),
    name=texts,
    scopes=st.lists(st.sampled_from(["api", "read_api", "read_user", "k8s_proxy"]), max_size=3).map(
        tuple
    ),
    revoked=st.booleans(),
    expires_at=st.none()
    | st.dates(date(2020, 1, 1), date(2030, 1, 1))
    | st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.sampled_from(ZONES)),
    description=optional_texts,
    created_at=instants | ms_instants,
    last_used_at=instants | ms_instants,
    last_used_ips=st.lists(st.sampled_from(["10.0.0.1", "2001:db8::1"]), max_size=2).map(tuple),
    owner=st.none()  # an owner of neither id nor name is written as no owner, in both forms
    | st.builds(Owner, optional_ids, optional_texts).filter(lambda o: o != Owner(None, None)),
    resource=st.none()
    | st.builds(Resource, st.sampled_from(list(ResourceType)), st.integers(0, 99), optional_texts),
    access_level=st.none() | st.sampled_from([10, 30, 40, 50]),
    granular_scopes=st.none()
    | st.lists(
        st.builds(
            GranularScope,
            st.sampled_from(["user", "selected_memberships"]),
            st.lists(st.sampled_from(["read_job", "read_user"]), max_size=2).map(tuple),
            optional_ids,
            optional_ids,
        ),
        max_size=2,
    ).map(tuple),
    not_refreshed=optional_texts,
    agent_id=optional_ids,
    agent_name=optional_texts,
    status=optional_texts,
    runner_type=optional_texts,
)


def written(population: tuple[Token, ...]) -> dict[str, Any]:
    inventory = InstanceInventory("work", "https://x", NOW, tokens=population)
    document: dict[str, Any] = json.loads(json.dumps(instance_to_dict(inventory)))
    return document


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(tokens, max_size=12).map(tuple))
def test_columns_read_back_the_tokens_written_as_rows_do(population: tuple[Token, ...]) -> None:
    document = written(population)
    assert document["schema"] == 5
    assert instance_from_dict(document).tokens == population
    as_rows = {**document, "schema": 4, "tokens": [token_to_row(t) for t in population]}
    assert instance_from_dict(json.loads(json.dumps(as_rows))).tokens == population


def test_equal_instants_in_two_zones_keep_their_own_offsets() -> None:
    utc = datetime(2027, 1, 2, 12, 0, tzinfo=UTC)
    zoned = utc.astimezone(timezone(timedelta(hours=2)))
    population = (
        Token("work", TokenKind.DEPLOY, 1, "a", (), False, utc),
        Token("work", TokenKind.DEPLOY, 2, "b", (), False, zoned),
    )
    loaded = instance_from_dict(written(population)).tokens
    assert [t.expires_at.isoformat() for t in loaded if t.expires_at] == [
        "2027-01-02T12:00:00+00:00",
        "2027-01-02T14:00:00+02:00",
    ]


def test_scopes_addresses_and_places_are_shared_by_the_tokens_that_repeat_them() -> None:
    web = Resource(ResourceType.PROJECT, 9, "acme/web")
    population = tuple(
        Token("work", TokenKind.PROJECT, n, f"t{n}", ("api", "read_api"), False, None,
              last_used_ips=("10.0.0.1",), resource=web)
        for n in range(3)
    )  # fmt: skip
    document = written(population)
    assert document["tokens"]["lists"] == [["api", "read_api"], ["10.0.0.1"]]
    loaded = instance_from_dict(document).tokens
    assert loaded == population
    assert loaded[0].scopes is loaded[2].scopes
    assert loaded[0].last_used_ips is loaded[1].last_used_ips
    assert loaded[0].resource is loaded[2].resource


FULL = Token(
    "work",
    TokenKind.PROJECT,
    7,
    "ci",
    ("api",),
    False,
    date(2027, 1, 2),
    created_at=datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC),
    owner=Owner(5, "project_9_bot"),
    resource=Resource(ResourceType.PROJECT, 9, "acme/web"),
    access_level=40,
    granular_scopes=(GranularScope("user", ("read_job",)),),
)

DAMAGE = [
    ("kind", "robot"),
    ("kind", ["personal"]),
    ("id", True),
    ("id", "7"),
    ("id", 7.0),
    ("name", 5),
    ("description", 5),
    ("scopes", 9),  # past the list table
    ("scopes", -1),
    ("scopes", True),
    ("scopes", ["api"]),
    ("created_at", 10**20),
    ("created_at", 1.5),
    ("last_used_at", True),
    ("last_used_ips", "10.0.0.1"),
    ("owner_user_id", "5"),
    ("owner_username", 5),
    ("resource_type", "planet"),
    ("resource_id", True),
    ("resource_id", "9"),
    ("resource_path", 9),
    ("access_level", "40"),
    ("not_refreshed", 5),
    ("granular_scopes", {"access": "user"}),
    ("granular_scopes", [["user", "read_job", None, None]]),
    ("agent_id", "3"),
    ("agent_name", 3),
    ("status", []),
    ("runner_type", 1),
]


@pytest.mark.parametrize(("field", "value"), DAMAGE, ids=[f"{f}={v!r}" for f, v in DAMAGE])
def test_a_damaged_column_is_a_format_error_as_a_damaged_row_is(field: str, value: object) -> None:
    document = written((FULL, FULL))
    document["tokens"]["columns"][ROW_FIELDS.index(field)][1] = value
    with pytest.raises(SnapshotFormatError):
        instance_from_dict(document)
    if field not in ("scopes", "last_used_ips"):  # rows hold those lists themselves
        row = json.loads(json.dumps(token_to_row(FULL)))
        row[ROW_FIELDS.index(field)] = value
        as_rows = {**written(()), "schema": 4, "tokens": [row]}
        with pytest.raises(SnapshotFormatError):
            instance_from_dict(as_rows)


@pytest.mark.parametrize(
    "damage",
    [
        lambda tokens: tokens.update(columns=tokens["columns"][:-1]),
        lambda tokens: tokens["columns"][3].pop(),  # one column shorter than the rest
        lambda tokens: tokens.update(columns={"a": 1}),
        lambda tokens: tokens.update(lists=[["api", 5]]),
        lambda tokens: tokens.update(lists="api"),
        lambda tokens: tokens.pop("lists"),
    ],
    ids=["a column missing", "unequal columns", "columns not a list", "a list not of strings",
         "lists not a list", "no lists"],
)  # fmt: skip
def test_damaged_column_structure_is_a_format_error(damage: Any) -> None:
    document = written((FULL, FULL))
    damage(document["tokens"])
    with pytest.raises(SnapshotFormatError):
        instance_from_dict(document)
    document["tokens"] = [token_to_row(FULL)]  # rows where schema 5 has columns
    with pytest.raises(SnapshotFormatError):
        instance_from_dict(document)
