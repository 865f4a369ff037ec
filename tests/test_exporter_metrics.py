"""The exporter's core without sockets: what it publishes after each refresh.

A walker stands in for GitLab (the engine takes one), so each test says exactly what an
instance answered: tokens, a failure, a partial walk. The published bytes are parsed
back with prometheus_client's own parsers, not ours.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from gltui.adapters.log import RequestLog, RequestRecord
from gltui.domain.display import printable
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Problem, Progress, Scope
from gltui.inventory.spec import InstanceSpec
from gltui.report.exporter import Exporter
from gltui.report.metrics import successors
from tests.conftest import NOW, TODAY

Labels = frozenset[tuple[str, str]]


def token(
    token_id: int,
    name: str = "ci",
    *,
    kind: TokenKind = TokenKind.PERSONAL,
    expires: date | datetime | None = TODAY + timedelta(days=30),
    revoked: bool = False,
    scopes: tuple[str, ...] = ("read_api",),
    project: int | None = None,
) -> Token:
    resource = (
        None if project is None else Resource(ResourceType.PROJECT, project, f"acme/p{project}")
    )
    return Token(
        instance="gl",
        kind=kind,
        id=token_id,
        name=name,
        scopes=scopes,
        revoked=revoked,
        expires_at=expires,
        owner=Owner(7, "mara"),
        resource=resource,
    )


def walk(
    *tokens: Token, at: datetime = NOW, problems: tuple[Problem, ...] = ()
) -> InstanceInventory:
    return InstanceInventory("gl", "https://gl.example", at, tokens=tokens, problems=problems)


def failed(at: datetime = NOW) -> InstanceInventory:
    failure = Failure(FailureKind.TOKEN_EXPIRED, "the token has expired", 401)
    return InstanceInventory("gl", "https://gl.example", at, failure=failure)


class Scripted:
    """Answers the walks in order, as the instance would have."""

    def __init__(self, *answers: InstanceInventory) -> None:
        self.answers = list(answers)

    def __call__(
        self, spec: InstanceSpec, now: datetime, progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        return replace(self.answers.pop(0), fetched_at=now)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def exporter(
    *answers: InstanceInventory,
    clock: Clock,
    cache: SnapshotCache | None = None,
    log: RequestLog | None = None,
) -> Exporter:
    engine = InventoryEngine(
        [InstanceSpec("gl", "https://gl.example", Secret("glpat-secretvalue0000000"))],
        cache=cache,
        walker=Scripted(*answers),
        request_log=log,
    )
    return Exporter(engine, interval=60, clock=clock, log=io.StringIO())


def samples(body: bytes, *, openmetrics: bool = True) -> dict[tuple[str, Labels], float]:
    parse = parse_om if openmetrics else parse_text
    found = {}
    for family in parse(body.decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def published(exp: Exporter) -> dict[tuple[str, Labels], float]:
    return samples(exp.published.metrics(openmetrics=True, compressed=False))


def series(found: dict[tuple[str, Labels], float], name: str) -> dict[Labels, float]:
    return {labels: value for (metric, labels), value in found.items() if metric == name}


def ident(token_id: int, kind: str = "personal") -> Labels:
    return frozenset({"instance": "gl", "kind": kind, "id": str(token_id)}.items())


def test_value_series_are_keyed_by_instance_kind_and_id(clock: Clock) -> None:
    twins = token(1, "deploy"), token(2, "deploy")  # one name, two tokens (cnieg #126)
    exp = exporter(walk(*twins), walk(replace(twins[0], name="renamed"), twins[1]), clock=clock)
    exp.refresh()
    first = published(exp)
    expiry = series(first, "gltui_token_expiry_timestamp_seconds")
    assert set(expiry) == {ident(1), ident(2)}
    assert (
        expiry[ident(1)]
        == datetime.combine(TODAY + timedelta(days=30), datetime.min.time(), NOW.tzinfo).timestamp()
    )
    info = series(first, "gltui_token_info")
    assert {dict(labels)["name"] for labels in info} == {"deploy"}
    assert all({"name", "owner", "scopes", "risk"} <= dict(labels).keys() for labels in info)

    exp.refresh()  # a rename: the value series stay, only the info series changes
    second = published(exp)
    assert set(series(second, "gltui_token_expiry_timestamp_seconds")) == set(expiry)
    names = {
        dict(labels)["id"]: dict(labels)["name"] for labels in series(second, "gltui_token_info")
    }
    assert names == {"1": "renamed", "2": "deploy"}


def test_states_expired_stay_revoked_are_counted(clock: Clock) -> None:
    tokens = (
        token(1),  # active
        token(2, expires=TODAY + timedelta(days=3)),  # expiring
        token(3, expires=TODAY),  # expired at 00:00 UTC today
        token(4, revoked=True),
        token(5, expires=None, scopes=("api",)),  # never expires
        token(6, kind=TokenKind.DEPLOY, expires=NOW + timedelta(hours=1)),  # an instant
    )
    exp = exporter(walk(*tokens), clock=clock)
    exp.refresh()
    found = published(exp)
    days = series(found, "gltui_token_days_left")
    assert days == {ident(1): 30, ident(2): 3, ident(3): 0, ident(6, "deploy"): 0}
    assert ident(4) not in series(found, "gltui_token_info")  # revoked: only counted
    info = {dict(labels)["id"]: dict(labels) for labels in series(found, "gltui_token_info")}
    assert info["5"]["risk"] == "write"
    assert info["1"]["risk"] == "read"
    counts = {
        dict(labels)["state"]: value for labels, value in series(found, "gltui_tokens").items()
    }
    assert counts == {"active": 4, "expiring": 2, "revoked": 1, "expired": 1}


def test_a_replaced_token_is_marked(clock: Clock) -> None:
    old = token(1, "ci", expires=TODAY - timedelta(days=2))
    new = token(2, "ci", expires=TODAY + timedelta(days=300))
    lonely = token(3, "nightly", expires=TODAY - timedelta(days=2))
    other_kind = token(
        4, "ci", kind=TokenKind.PROJECT, expires=TODAY - timedelta(days=2), project=1
    )
    assert successors([old, new, lonely, other_kind], NOW) == {("personal", 1)}
    exp = exporter(walk(old, new, lonely, other_kind), clock=clock)
    exp.refresh()
    assert series(published(exp), "gltui_token_replaced") == {ident(1): 1}


def test_a_failed_instance_keeps_its_last_data_with_up_0(clock: Clock) -> None:
    exp = exporter(walk(token(1), token(2)), failed(), walk(token(1)), clock=clock)
    exp.refresh()
    first = published(exp)
    assert series(first, "gltui_instance_up") == {frozenset({("instance", "gl")}): 1}

    clock.now = NOW + timedelta(minutes=10)
    exp.refresh()
    down = published(exp)
    gl = frozenset({("instance", "gl")})
    assert series(down, "gltui_instance_up") == {gl: 0}
    assert series(down, "gltui_instance_failure") == {gl | {("reason", "token_expired")}: 1}
    assert set(series(down, "gltui_token_expiry_timestamp_seconds")) == {ident(1), ident(2)}
    assert series(down, "gltui_instance_tokens_not_refreshed") == {gl: 2}
    assert series(down, "gltui_instance_last_success_timestamp_seconds") == {gl: NOW.timestamp()}
    refreshes = series(down, "gltui_instance_refreshes_total")
    assert refreshes[gl | {("result", "failed")}] == 1
    assert refreshes[gl | {("result", "ok")}] == 1

    clock.now = NOW + timedelta(minutes=20)
    exp.refresh()  # back: token 2 is gone for real now
    back = published(exp)
    assert series(back, "gltui_instance_up") == {gl: 1}
    assert series(back, "gltui_instance_failure") == {}
    assert set(series(back, "gltui_token_expiry_timestamp_seconds")) == {ident(1)}
    assert series(back, "gltui_instance_last_success_timestamp_seconds") == {
        gl: clock.now.timestamp()
    }


def test_a_partial_walk_keeps_the_unreadable_parts_tokens(clock: Clock) -> None:
    mine, theirs = (
        token(1, project=1, kind=TokenKind.PROJECT),
        token(2, project=2, kind=TokenKind.PROJECT),
    )
    problem = Problem(
        "project acme/p2",
        Failure(FailureKind.FORBIDDEN, "403 Forbidden", 403),
        Scope(frozenset({TokenKind.PROJECT}), ResourceType.PROJECT, 2),
    )
    exp = exporter(walk(mine, theirs), walk(mine, problems=(problem,)), clock=clock)
    exp.refresh()
    exp.refresh()
    found = published(exp)
    gl = frozenset({("instance", "gl")})
    assert series(found, "gltui_instance_up") == {gl: 1}
    assert series(found, "gltui_instance_partial") == {gl: 1}
    assert series(found, "gltui_instance_problems") == {gl: 1}
    assert series(found, "gltui_instance_tokens_not_refreshed") == {gl: 1}
    ids = {dict(labels)["id"] for labels in series(found, "gltui_token_info")}
    assert ids == {"1", "2"}  # 2 was not listed this time: kept, not vanished


def test_the_snapshot_is_published_at_start(clock: Clock, tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path / "cache")
    yesterday = NOW - timedelta(days=1)
    assert cache.save(walk(token(1), token(2), at=yesterday))
    exp = exporter(failed(), clock=clock, cache=cache)
    exp.load_snapshots()
    gl = frozenset({("instance", "gl")})
    start = published(exp)
    assert len(series(start, "gltui_token_info")) == 2
    assert series(start, "gltui_instance_up") == {}  # not refreshed yet: neither up nor down
    assert series(start, "gltui_instance_last_success_timestamp_seconds") == {
        gl: yesterday.timestamp()
    }
    exp.refresh()
    down = published(exp)
    assert series(down, "gltui_instance_up") == {gl: 0}
    assert len(series(down, "gltui_token_info")) == 2


def test_hostile_names_are_text_in_both_formats(clock: Clock) -> None:
    name = 'evil\x1b[31m\r\n"} 1\n# EOF\\ \u202e'
    exp = exporter(walk(token(1, name)), clock=clock)
    exp.refresh()
    for openmetrics in (True, False):
        body = exp.published.metrics(openmetrics=openmetrics, compressed=False)
        for raw in (b"\x1b", b"\r", "\u202e".encode()):
            assert raw not in body
        assert body.split(b"\n").count(b"# EOF") == (1 if openmetrics else 0)
        info = series(samples(body, openmetrics=openmetrics), "gltui_token_info")
        (labels,) = info
        assert dict(labels)["name"] == printable(name)


def test_gzip_is_the_same_body(clock: Clock) -> None:
    exp = exporter(walk(token(1), token(2)), clock=clock)
    exp.refresh()
    for openmetrics in (True, False):
        plain = exp.published.metrics(openmetrics=openmetrics, compressed=False)
        packed = exp.published.metrics(openmetrics=openmetrics, compressed=True)
        unpacked = gzip.decompress(packed)  # two gzip members: one stream
        ours = {
            k: v
            for k, v in samples(plain, openmetrics=openmetrics).items()
            if k[0].startswith("gltui_")
        }
        assert {
            k: v
            for k, v in samples(unpacked, openmetrics=openmetrics).items()
            if k[0].startswith("gltui_")
        } == ours
        assert ("process_resident_memory_bytes", frozenset()) in samples(
            unpacked, openmetrics=openmetrics
        )


def test_requests_are_counted_by_status(clock: Clock) -> None:
    log = RequestLog()
    exp = exporter(walk(token(1)), clock=clock, log=log)
    for status in (200, 200, 429, None):
        log.add(
            RequestRecord(instance="gl", method="GET", path="/api/v4/x", status=status, seconds=0.1)
        )
    exp.refresh()
    requests = series(published(exp), "gltui_instance_requests_total")
    assert {dict(labels)["code"]: value for labels, value in requests.items()} == {
        "200": 2,
        "429": 1,
        "none": 1,
    }


def test_before_the_first_refresh(clock: Clock) -> None:
    exp = exporter(walk(token(1)), clock=clock)
    assert exp.health() == (False, "the refresh thread is not running")
    found = samples(exp.published.metrics(openmetrics=True, compressed=False))
    assert ("process_cpu_seconds_total", frozenset()) in found
    exp.load_snapshots()  # no cache: nothing to publish but the exporter's own figures
    found = published(exp)
    assert series(found, "gltui_exporter_refreshes_total") == {frozenset(): 0}
    assert series(found, "gltui_instance_refresh_interval_seconds") == {
        frozenset({("instance", "gl")}): 60
    }
    assert series(found, "gltui_token_info") == {}


def test_the_refresh_log_is_one_line_per_refresh(clock: Clock) -> None:
    exp = exporter(walk(token(1)), failed(), clock=clock)
    stream = io.StringIO()
    exp._log = stream
    exp.refresh()
    exp.refresh()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("gltui exporter: refresh 1 in 0.0 s: gl up, 1 tokens")
    assert "refresh 2 in" in lines[1]
    assert "gl DOWN (the token has expired), serving 1 tokens from" in lines[1]
    assert "glpat-" not in stream.getvalue()


def test_no_token_value_anywhere(clock: Clock) -> None:
    exp = exporter(walk(token(1), token(2, expires=None)), clock=clock)
    exp.refresh()
    everything = exp.published.metrics(openmetrics=True, compressed=False) + exp.published.calendar
    assert b"glpat-secretvalue" not in everything


@pytest.mark.parametrize("module", ["gltui.report.exporter", "gltui.report.serve"])
def test_the_exporter_loads_no_write_side_and_no_textual(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout)
    assert not [name for name in loaded if name.startswith(("gltui.actions", "textual", "rich"))]
