"""Triggers, agent tokens, runners and service-account tokens in what gltui writes:
``gltui report`` as a subprocess against the sandbox (``--kind``, ``--fail-on``, every
format), the expiry calendar, the snapshot cache and the history the review reads."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from icalendar import Calendar

from gltui.domain.changes import Change
from gltui.domain.review import build_review
from gltui.domain.tokens import TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.model import Inventory
from gltui.inventory.reviews import ReviewLog, review_baseline
from gltui.report.calendar import event_uid, render_ics
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW
from tests.kinds_data import INSTANCE, KIND_TOKENS, KINDS_INSTANCE
from tests.test_report_cli import environment, report

NEW = ("trigger", "cluster_agent", "runner")


def test_kind_filters_every_new_kind(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer)
    done = report("--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    (instance,) = json.loads(done.stdout)["instances"]
    assert {t["kind"] for t in instance["tokens"]} >= {*NEW, "service_account"}
    assert instance["problems"] == []
    for kind in (*NEW, "service_account"):
        only = report("--format", "json", "--offline", "--kind", kind, env=env)
        assert only.returncode == 0, only.stderr
        tokens = json.loads(only.stdout)["instances"][0]["tokens"]
        assert tokens
        assert {t["kind"] for t in tokens} == {kind}
    agents = json.loads(
        report("--format", "json", "--offline", "--kind", "cluster_agent", env=env).stdout
    )
    primary = next(t for t in agents["instances"][0]["tokens"] if t["name"] == "primary")
    assert (primary["agent_name"], primary["status"], primary["expires_at"]) == (
        "production",
        "active",
        None,
    )
    runners = report("--format", "csv", "--offline", "--kind", "runner", env=env)
    rows = list(csv.DictReader(io.StringIO(runners.stdout)))
    assert {row["kind"] for row in rows} == {"runner"}
    assert {row["name"]: row["state"] for row in rows}["website docker"] == "expiring"


def test_fail_on_sees_the_new_kinds(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer)
    assert report("--format", "json", env=env).returncode == 0
    # an expiring runner token (14 days) and an expired trigger trip their conditions
    expiring = report("--offline", "--kind", "runner", "--fail-on", "expiring", env=env)
    assert expiring.returncode == 3, expiring.stderr
    expired = report("--offline", "--kind", "trigger", "--fail-on", "expired", env=env)
    assert expired.returncode == 3, expired.stderr
    # agent tokens never expire
    agents = report("--offline", "--kind", "cluster_agent", "--fail-on", "expired", env=env)
    assert agents.returncode == 0, agents.stderr
    assert "cluster_agent" in agents.stdout


def test_the_calendar_has_the_instants_of_triggers_and_runners() -> None:
    text = render_ics(Inventory((KINDS_INSTANCE,)), NOW)
    found = {str(e["UID"]): e for e in Calendar.from_ical(text).walk("VEVENT")}
    working = [t for t in KIND_TOKENS if t.expires_at is not None and t.name != "old hook"]
    assert set(found) == {event_uid(INSTANCE, t.kind.value, t.id) for t in working}
    docker = found[event_uid(INSTANCE, "runner", 52)]
    assert "Stops working at 2026-12-05 23:00 UTC" in str(docker["DESCRIPTION"])
    assert "runner token" in str(docker["SUMMARY"])


def test_the_snapshot_keeps_what_each_kind_carries(tmp_path: Path) -> None:
    cache = SnapshotCache(tmp_path)
    cache.save(KINDS_INSTANCE)
    loaded = cache.load(INSTANCE)
    assert loaded is not None
    assert loaded.tokens == KIND_TOKENS


def test_the_review_sees_an_agent_token_vanish_and_a_trigger_expire(tmp_path: Path) -> None:
    history = History(tmp_path)
    week_ago = NOW - timedelta(days=7)
    history.record(replace(KINDS_INSTANCE, fetched_at=week_ago), week_ago)
    now = [t for t in KIND_TOKENS if t.kind is not TokenKind.CLUSTER_AGENT]  # revoked: gone
    history.record(replace(KINDS_INSTANCE, tokens=tuple(now)), NOW)
    baseline = review_baseline(ReviewLog(tmp_path), history, [INSTANCE], NOW)
    assert baseline is not None
    review = build_review(now, baseline, NOW, 14, instances=[INSTANCE])
    changes = {(c.kind, c.name): c.change for c in review.changes}
    assert changes[(TokenKind.CLUSTER_AGENT, "primary")] is Change.VANISHED
    assert (TokenKind.TRIGGER, "nightly docs") in {(t.kind, t.name) for t in review.expiring}
    entries = history.entries(INSTANCE)
    assert any("trigger:32" in json.dumps(entry) for entry in entries)
