"""The snapshot's fast paths say exactly what the plain rules say (issue 19: save and
load 100,000 tokens in half a second): the unrolled head order, the descriptor-built
Token, the shared dates and resources, the date-only expiry summary."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gltui.domain.states import (
    classify,
    days_until_expiry,
    expiry_instant,
    soonest_upcoming_key,
    tally,
)
from gltui.domain.summary import ExpirySummary
from gltui.domain.tokens import GranularScope, Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.cache import HEAD_ROWS, SnapshotCache, first_screen, head_and_summary
from gltui.inventory.model import InstanceInventory
from gltui.inventory.serialize import (
    ROW_FIELDS,
    SCHEMA_VERSION,
    SnapshotFormatError,
    instance_from_dict,
    instance_to_dict,
    new_token,
    token_to_dict,
    token_to_row,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ZONES = (UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)))

expiries = (
    st.none()
    | st.dates(date(2026, 10, 1), date(2027, 1, 31))
    | st.datetimes(datetime(2026, 10, 1), datetime(2027, 1, 31), timezones=st.sampled_from(ZONES))
    | st.datetimes(datetime(2026, 11, 20), datetime(2026, 11, 23))  # naive: read as UTC
)
tokens = st.builds(
    Token,
    instance=st.just("work"),
    kind=st.sampled_from(list(TokenKind)),
    id=st.integers(1, 30),  # repeats: ties the order must keep
    name=st.just("t"),
    scopes=st.just(("api",)),
    revoked=st.booleans(),
    expires_at=expiries,
)
moments = st.datetimes(
    datetime(2026, 11, 1), datetime(2026, 12, 31), timezones=st.sampled_from(ZONES)
)


def plain_first_screen(population: tuple[Token, ...], now: datetime) -> tuple[Token, ...]:
    """What ``first_screen`` computed before it was unrolled."""

    def key(token: Token) -> tuple[int, int, int]:
        left = days_until_expiry(token, now.date())
        return soonest_upcoming_key(classify(token, now), left, token.id)

    return tuple(sorted(population, key=key)[:HEAD_ROWS])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(tokens, max_size=30).map(tuple), moments)
def test_the_head_order_is_the_plain_rules_order(
    population: tuple[Token, ...], now: datetime
) -> None:
    assert first_screen(population, now) == plain_first_screen(population, now)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(tokens, max_size=40).map(tuple), moments, st.integers(1, 12))
def test_a_short_head_cuts_where_the_plain_order_does(
    population: tuple[Token, ...], now: datetime, rows: int
) -> None:
    """Cut at a few rows, so places of one rank (a date and an instant on the same day,
    the same day in two zones) fall on both sides of the cut."""
    import gltui.inventory.cache as cache_module

    with patch.object(cache_module, "HEAD_ROWS", rows):
        first, summary = head_and_summary(population, now)
        assert first == first_screen(population, now)
    assert first == plain_first_screen(population, now)[:rows]
    assert summary == ExpirySummary.of(population)


def test_the_head_keeps_the_plain_order_past_its_cut() -> None:
    population = tuple(
        Token("work", TokenKind.PERSONAL, n % 50, "t", (), n % 9 == 0, date(2026, 11, 1 + n % 29))
        for n in range(3 * HEAD_ROWS)
    )
    assert first_screen(population, NOW) == plain_first_screen(population, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        first_screen(population, NOW.replace(tzinfo=None))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(tokens, max_size=30))
def test_the_summary_s_date_shortcut_is_expiry_instant(population: list[Token]) -> None:
    plain: Counter[tuple[bool, float | None, int | None]] = Counter()
    for token in population:
        instant = expiry_instant(token.expires_at)
        day = None if instant is None else instant.astimezone(UTC).date().toordinal()
        plain[(token.revoked, None if instant is None else instant.timestamp(), day)] += 1
    summary = ExpirySummary.of(population)
    assert {(r, i, d): n for r, i, d, n in summary.rows} == plain
    assert len(summary.rows) == len(plain)  # each triple once
    assert len(summary) == len(population)
    assert ExpirySummary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def test_a_summary_row_counts_tokens_and_older_heads_still_read() -> None:
    older = ExpirySummary.from_json([[0, 86400, 719164], [1, None, None]])  # a row a token
    assert older.rows == ((False, 86400.0, 719164, 1), (True, None, None, 1))
    many = ExpirySummary.from_json([[0, None, None, 7]])
    assert len(many) == 7
    assert many.counts(NOW, 14).active == 7
    for bad in ([[0, None, None, 0]], [[0, None, None, True]], [[0, None, None, 2, 1]]):
        with pytest.raises(ValueError, match="summary"):
            ExpirySummary.from_json(bad)
    with pytest.raises(ValueError, match="more than"):
        ExpirySummary.from_json([[0, None, None, 2_000_000], [1, None, None, 1]])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(tokens, max_size=30), moments, st.integers(0, 30))
def test_the_summary_s_counts_are_the_tally_of_its_states(
    population: list[Token], now: datetime, window: int
) -> None:
    summary = ExpirySummary.of(population)
    assert summary.counts(now, window) == tally(summary.states(now, window))
    utc = now.astimezone(UTC)  # the dashboard's clock (states() takes the day in now's zone)
    assert summary.counts(utc, window) == tally(classify(t, utc, window) for t in population)


def test_the_summary_s_counts_at_the_boundaries() -> None:
    """Expiring at this very instant is expired; at the window's end, active again."""
    end = datetime(2026, 12, 6, tzinfo=UTC)  # 00:00 UTC on today + 14 + 1
    population = [
        Token("work", TokenKind.PERSONAL, 1, "t", (), False, NOW),
        Token("work", TokenKind.PERSONAL, 2, "t", (), False, NOW + timedelta(microseconds=1)),
        Token("work", TokenKind.PERSONAL, 3, "t", (), False, end - timedelta(microseconds=1)),
        Token("work", TokenKind.PERSONAL, 4, "t", (), False, end),
        Token("work", TokenKind.PERSONAL, 5, "t", (), True, end),
        Token("work", TokenKind.PERSONAL, 6, "t", (), False, None),
    ]
    counts = ExpirySummary.of(population).counts(NOW, 14)
    assert (counts.active, counts.expiring, counts.revoked, counts.expired) == (4, 2, 1, 1)
    assert counts == tally(classify(token, NOW, 14) for token in population)


FULL = Token(
    instance="work",
    kind=TokenKind.PROJECT,
    id=7,
    name="ci",
    scopes=("api", "read_api"),
    revoked=True,
    expires_at=date(2027, 1, 2),
    description="deploys",
    created_at=datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC),
    last_used_at=datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
    last_used_ips=("10.0.0.1",),
    owner=Owner(5, "project_9_bot"),
    resource=Resource(ResourceType.PROJECT, 9, "acme/web"),
    access_level=40,
    granular_scopes=(
        GranularScope("selected_memberships", ("read_job",), project_id=6),
        GranularScope("user", ("read_personal_access_token",)),
    ),
    not_refreshed="its project's listing failed",
    agent_id=4,
    agent_name="production",
    status="online, paused",
    runner_type="project_type",
)


def test_the_descriptor_built_token_is_the_dataclass_s() -> None:
    assert not hasattr(Token, "__post_init__")  # new_token skips __init__: nothing lost
    values = [getattr(FULL, field.name) for field in dataclasses.fields(Token)]
    built = new_token(*values)
    assert built == FULL
    assert hash(built) == hash(FULL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.name = "changed"  # type: ignore[misc]


def test_a_row_says_what_the_dict_says_and_round_trips() -> None:
    data = token_to_dict(FULL)
    flat = {
        **data,
        "owner_user_id": 5,
        "owner_username": "project_9_bot",
        "resource_type": "project",
        "resource_id": 9,
        "resource_path": "acme/web",
    }
    row = json.loads(json.dumps(token_to_row(FULL)))
    as_written = {
        **flat,
        "created_at": 1767323045006,  # UTC with milliseconds: Unix milliseconds
        "last_used_at": 1770091506000,
        "granular_scopes": [
            ["selected_memberships", ["read_job"], 6, None],
            ["user", ["read_personal_access_token"], None, None],
        ],
    }
    assert row == [as_written[field] for field in ROW_FIELDS]
    inventory = InstanceInventory("work", "https://x", NOW, tokens=(FULL,))
    assert instance_from_dict(json.loads(json.dumps(instance_to_dict(inventory)))).tokens == (FULL,)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, 6001, tzinfo=UTC),  # microseconds: ISO text
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),  # an offset
        datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),  # before the epoch
        datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    ],
)
def test_every_instant_round_trips_exactly(moment: datetime) -> None:
    token = dataclasses.replace(FULL, created_at=moment, last_used_at=moment)
    inventory = InstanceInventory("work", "https://x", NOW, tokens=(token,))
    (loaded,) = instance_from_dict(json.loads(json.dumps(instance_to_dict(inventory)))).tokens
    assert loaded == token
    assert loaded.created_at is not None
    assert loaded.created_at.utcoffset() == moment.utcoffset()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created_at", 10**20),  # past any datetime
        ("created_at", 1.5),
        ("last_used_at", True),
        ("granular_scopes", {"access": "user"}),
        ("granular_scopes", [["user", "read_job", None, None]]),  # permissions not a list
        ("granular_scopes", [["user", ["read_job"], "6", None]]),
        ("granular_scopes", [["user", ["read_job"]]]),
        ("not_refreshed", 5),
    ],
)
def test_a_damaged_field_is_a_format_error(field: str, value: object) -> None:
    row = json.loads(json.dumps(token_to_row(FULL)))
    row[ROW_FIELDS.index(field)] = value
    with pytest.raises(SnapshotFormatError):
        instance_from_dict(document([row]))


def document(rows: list[list[Any]]) -> dict[str, Any]:
    """A schema-4 snapshot (tokens as rows, as gltui wrote them before schema 5): the
    row decoder still reads every snapshot of schemas 2 to 4."""
    inventory = InstanceInventory("work", "https://x", NOW)
    return {**instance_to_dict(inventory), "schema": 4, "tokens": rows}


def test_shared_values_are_shared_and_never_vouch_for_a_damaged_row() -> None:
    good = json.loads(json.dumps(token_to_row(dataclasses.replace(FULL, not_refreshed=None))))
    twin = [*good[:1], 8, *good[2:]]
    loaded = instance_from_dict(document([good, twin])).tokens
    assert loaded[0].resource is loaded[1].resource  # one object for one project
    assert loaded[0].expires_at is loaded[1].expires_at
    for bad_id in (True, 9.0, "9"):  # equal to, or hashing like, the shared resource's 9
        damaged = [*twin[:13], bad_id, *twin[14:]]
        with pytest.raises(SnapshotFormatError):
            instance_from_dict(document([good, damaged]))


def test_a_schema_2_snapshot_still_loads(tmp_path: Path) -> None:
    # written as gltui wrote snapshots before schema 3: ISO instants, an optional 17th field
    old = document(
        [
            ["personal", 1, "a", None, ["api"], False, "2027-01-02", None, None, [], 3, "m",
             None, None, None, None],
            ["deploy", 2, "k8s", None, ["read_registry"], False, "2026-12-11T12:00:00+00:00",
             "2026-08-02T17:04:33.844000+00:00", None, [], None, "gitlab+deploy-token-2",
             "project", 52, "team/web", None, "carried over"],
        ]
    )  # fmt: skip
    old["schema"], old["token_fields"] = 2, list(ROW_FIELDS[:16])
    cache = SnapshotCache(tmp_path)
    cache.path_for("work").write_text(json.dumps(old, separators=(",", ":")))
    loaded = cache.load("work")
    assert loaded is not None
    first, second = loaded.tokens
    assert first.expires_at == date(2027, 1, 2)
    assert first.owner == Owner(3, "m")
    assert second.expires_at == datetime(2026, 12, 11, 12, tzinfo=UTC)
    assert second.resource == Resource(ResourceType.PROJECT, 52, "team/web")
    assert second.not_refreshed == "carried over"
    assert second.created_at == datetime(2026, 8, 2, 17, 4, 33, 844000, tzinfo=UTC)
    assert first.granular_scopes is None
    assert second.granular_scopes is None
    cache.save(loaded)  # and what the new writer writes reads back as the same tokens
    assert json.loads(cache.path_for("work").read_text())["schema"] == SCHEMA_VERSION
    reloaded = cache.load("work")
    assert reloaded is not None
    assert reloaded.tokens == loaded.tokens


def test_a_schema_3_snapshot_still_loads(tmp_path: Path) -> None:
    # written as gltui wrote snapshots before schema 4: no agent, status or runner type
    old = document(
        [
            ["project", 7, "ci", None, ["api"], False, "2027-01-02", 1767323045006, None, [],
             5, "project_9_bot", "project", 9, "acme/web", 40, None,
             [["user", ["read_job"], None, None]]],
        ]
    )  # fmt: skip
    old["schema"], old["token_fields"] = 3, list(ROW_FIELDS[:18])
    cache = SnapshotCache(tmp_path)
    cache.path_for("work").write_text(json.dumps(old, separators=(",", ":")))
    loaded = cache.load("work")
    assert loaded is not None
    (token,) = loaded.tokens
    assert token.created_at == datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    assert token.granular_scopes == (GranularScope("user", ("read_job",)),)
    assert (token.agent_id, token.agent_name, token.status, token.runner_type) == (None,) * 4


@pytest.mark.parametrize(
    ("field", "value"),
    [("agent_id", "3"), ("agent_id", True), ("agent_name", 3), ("status", []), ("runner_type", 1)],
)
def test_a_damaged_schema_4_field_is_a_format_error(field: str, value: object) -> None:
    row = json.loads(json.dumps(token_to_row(FULL)))
    row[ROW_FIELDS.index(field)] = value
    with pytest.raises(SnapshotFormatError):
        instance_from_dict(document([row]))


@pytest.mark.parametrize("count", [0, 1, 4, 11])
def test_a_chunked_save_writes_the_one_shot_bytes(count: int, tmp_path: Path) -> None:
    import gltui.inventory.cache as cache_module

    tokens = tuple(dataclasses.replace(FULL, id=n, name=f"t{n}") for n in range(count))
    inventory = InstanceInventory("work", "https://x", NOW, tokens=tokens)
    one_shot = json.dumps(instance_to_dict(inventory), separators=(",", ":")).encode()
    assert b"".join(cache_module.snapshot_chunks(inventory)) == one_shot
    cache = SnapshotCache(tmp_path)
    assert cache.save(inventory)
    assert cache.path_for("work").read_bytes() == one_shot
    loaded = cache.load("work")
    assert loaded is not None
    assert loaded.tokens == tokens
