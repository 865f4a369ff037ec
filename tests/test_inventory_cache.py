"""Snapshots and history: round trips, privacy, damage tolerance, bounds."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.states import TokenState, classify, count_states, days_until_expiry, tally
from gltui.domain.tokens import Token
from gltui.inventory.cache import HEAD_ROWS, History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, SandboxFactory


def refresh(sandbox: RunningSandbox, persona: str = "maintainer") -> InstanceInventory:
    spec = InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))
    return walk_instance(spec, NOW)


def test_snapshot_round_trips(sandbox: RunningSandbox, tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path / "cache")
    fresh = refresh(sandbox)
    cache.save(fresh)
    loaded = cache.load("work")
    assert loaded is not None
    assert loaded.from_cache
    assert loaded.tokens == fresh.tokens
    assert loaded.identity == fresh.identity
    assert fresh.own_token is not None
    assert loaded.own_token == fresh.own_token
    assert loaded.fetched_at == NOW


def test_snapshot_is_private_and_holds_no_secret(sandbox: RunningSandbox, tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path / "cache")
    cache.save(refresh(sandbox, "admin"))
    path = cache.path_for("work")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert "glpat-" not in text
    assert "gldt-" not in text
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in text
    head = cache.head_path_for("work")
    assert stat.S_IMODE(head.stat().st_mode) == 0o600
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in head.read_text()
    # no temp files left
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, head.name])


def test_damaged_or_foreign_snapshots_are_ignored(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path)
    path = cache.path_for("work")
    path.write_text("{not json")
    assert cache.load("work") is None
    path.write_text(json.dumps({"schema": 99}))
    assert cache.load("work") is None
    path.write_text(json.dumps({"schema": 1, "name": "work"}))
    assert cache.load("work") is None
    assert cache.load("never saved") is None


def test_failed_refresh_is_not_cached(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path)
    failed = InstanceInventory(
        "work", "http://x", NOW, failure=Failure(FailureKind.TIMEOUT, "slow")
    )
    cache.save(failed)
    assert not cache.path_for("work").exists()


def test_engine_paints_from_cache_then_falls_back_on_failure(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer), timeout=2)
    cache = SnapshotCache(tmp_path)
    engine = InventoryEngine([spec], cache=cache)
    assert engine.cached().instances == ()  # nothing yet, and no network call
    first = engine.refresh(NOW).instances[0]
    assert first.ok
    assert engine.cached().instances[0].tokens == first.tokens
    sandbox.stop()
    later = engine.refresh(NOW + timedelta(hours=1)).instances[0]
    assert later.failure is not None
    assert later.failure.kind is FailureKind.UNREACHABLE
    assert later.from_cache
    assert later.tokens == first.tokens  # the user keeps seeing what was known
    assert later.fetched_at == NOW  # ... and how old it is


def test_history_keeps_one_line_a_day_and_is_bounded(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    history = History(tmp_path, keep_days=3)
    fresh = refresh(sandbox)
    history.record(fresh, NOW)
    history.record(fresh, NOW + timedelta(hours=2))  # same day: replaced
    assert len(history.entries("work")) == 1
    for day in range(1, 5):
        history.record(fresh, NOW + timedelta(days=day))
    entries = history.entries("work")
    assert [e["day"] for e in entries] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    states = entries[-1]["tokens"]
    assert (
        states[f"personal_access_token:{fresh.own_token.id if fresh.own_token else 0}"][0]
        == "gltui"
    )
    path = history.path_for("work")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "glpat-" not in path.read_text()


def test_history_skips_damaged_lines(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.path_for("work").write_text('{"day": "2026-11-20", "tokens": {}}\nnot json\n[1]\n')
    assert history.entries("work") == [{"day": "2026-11-20", "tokens": {}}]


def test_instance_names_map_to_distinct_files(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path)
    assert cache.path_for("a/b") != cache.path_for("a b")
    assert "/" not in cache.path_for("../../etc/passwd").name


def test_concurrent_writers_leave_a_whole_file(sandbox: RunningSandbox, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cache = SnapshotCache(tmp_path)
    fresh = refresh(sandbox)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: cache.save(fresh), range(32)))
    loaded = cache.load("work")
    assert loaded is not None
    assert loaded.tokens == fresh.tokens
    assert sorted(os.listdir(tmp_path)) == sorted(
        [cache.path_for("work").name, cache.head_path_for("work").name]
    )


def test_a_crashing_walker_fails_only_its_instance(sandbox: RunningSandbox) -> None:
    def walker(spec: InstanceSpec, now: datetime, on_progress: object) -> InstanceInventory:
        if spec.name == "broken":
            raise KeyError("glpat-should-never-show")
        return walk_instance(spec, now)

    specs = [
        InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer)),
        InstanceSpec("broken", sandbox.url, Secret(sandbox.credentials.maintainer)),
    ]
    work, broken = InventoryEngine(specs, walker=walker).refresh(NOW).instances
    assert work.ok
    assert broken.failure is not None
    assert broken.failure.message == "gltui failed: KeyError"


def default_place(token: Token) -> tuple[int, int]:
    """Where the dashboard's default order puts ``token`` at NOW, written out from the
    rule (not from the code): (group, days) with soonest upcoming expiry first, then
    tokens that never expire, then expired ones most recently expired first, then
    revoked ones the same way and those without an expiry last."""
    state = classify(token, NOW)
    left = days_until_expiry(token, NOW.date())
    if state.is_active:
        return (0, left) if left is not None else (1, 0)
    if state is TokenState.EXPIRED:
        assert left is not None
        return (2, -left)
    return (3, -left) if left is not None else (4, 0)


@pytest.mark.parametrize("scale", [1, 20], ids=["every-token", "cut-at-head-rows"])
def test_the_head_holds_the_first_screen_and_exact_counts(
    make_sandbox: SandboxFactory, tmp_path: Path, scale: int
) -> None:
    """The head file lets the dashboard paint before decoding the whole snapshot: the
    tokens the default order shows first, and a summary giving GitLab's four cards and
    the expiry chart exactly as the full snapshot does, at any later moment."""
    cache = SnapshotCache(tmp_path)
    fresh = refresh(make_sandbox(scale=scale), "admin")
    cache.save(fresh)
    loaded = cache.load_head("work")
    assert loaded is not None
    head, summary = loaded
    assert head.from_cache
    assert len(summary) == len(fresh.tokens)
    assert len(head.tokens) == min(HEAD_ROWS, len(fresh.tokens))
    assert (len(head.tokens) < len(fresh.tokens)) == (scale > 1)
    assert {t.identity for t in head.tokens} <= {t.identity for t in fresh.tokens}
    places = [default_place(t) for t in head.tokens]
    assert places == sorted(places)  # in the default order
    if scale == 1:  # every group is there, in the order the dashboard shows them
        assert {group for group, _ in places} >= {0, 1, 2, 3}
    kept = {t.identity for t in head.tokens}
    left_out = [default_place(t) for t in fresh.tokens if t.identity not in kept]
    assert all(place >= places[-1] for place in left_out)  # the head is the first screen
    for later in (NOW, NOW + timedelta(days=3, hours=5), NOW + timedelta(days=40)):
        assert tally(summary.states(later, 14)) == count_states(fresh.tokens, later, 14)
        expected = [
            left
            for t in fresh.tokens
            if classify(t, later).is_active
            and (left := days_until_expiry(t, later.date())) is not None
        ]
        assert sorted(summary.upcoming_days(later)) == sorted(expected)
    cache.head_path_for("work").write_text('{"head": {}, "summary": 3}')
    assert cache.load_head("work") is None
