"""Local trouble, end to end: ``gltui report`` as a subprocess and the dashboard with
Pilot still show every fetched token when gltui's own files cannot be written or
read, and say so in a warning; a history keeps every good day around a damaged one.

Only public behaviour is used here (files, stdout/stderr, notifications), none of
the notice machinery, so these tests state what the user sees.
"""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

from textual.notifications import Notification

from gltui.domain.secret import Secret
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready
from tests.test_report_cli import environment, report


def token(number: int) -> Token:
    return Token("work", TokenKind.PERSONAL, number, "ci token", ("read_api",), False, None)


def asides(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".corrupt-*"))


def test_one_bad_byte_costs_one_day_of_history_not_thirty(tmp_path: Path) -> None:
    """30 days of history, one non-UTF-8 byte in one line: a refresh keeps the 29 good
    days and adds today's, and the original is kept aside, whole and private."""
    history = History(tmp_path)
    path = history.path_for("work")
    lines = []
    for back in range(30, 0, -1):
        day = NOW - timedelta(days=back)
        row = {"day": day.date().isoformat(), "at": day.isoformat(), "tokens": {}}
        lines.append(json.dumps(row).encode())
    lines[11] = lines[11].replace(b'"tokens"', b'"tok\xffens"')
    original = b"\n".join(lines) + b"\n"
    path.write_bytes(original)

    assert len(history.entries("work")) == 29
    history.record(InstanceInventory("work", "https://w", NOW, tokens=(token(1),)), NOW)

    kept = path.read_bytes().splitlines()
    assert len(kept) == 30
    days = [json.loads(line)["day"] for line in kept]
    expected = [(NOW - timedelta(days=back)).date().isoformat() for back in range(30, 0, -1)]
    del expected[11]
    assert days == [*expected, NOW.date().isoformat()]
    (aside,) = asides(path)
    assert aside.read_bytes() == original
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    history.record(InstanceInventory("work", "https://w", NOW, tokens=(token(2),)), NOW)
    assert len(asides(path)) == 1  # copied aside once: the rewrite left no damage


def test_report_prints_every_token_when_the_cache_and_data_dirs_are_unusable(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    good = environment(
        tmp_path / "good", GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer
    )
    expected = json.loads(report("--format", "json", env=good).stdout)["instances"][0]["tokens"]
    assert expected

    cache, data = tmp_path / "cache-file", tmp_path / "data-file"
    cache.write_text("a file, not a directory")
    data.write_text("a file, not a directory")
    env = dict(good, GLTUI_CACHE_DIR=str(cache), GLTUI_DATA_DIR=str(data))
    done = report("--format", "json", env=env)

    assert done.returncode == 0, done.stderr  # the report itself is whole
    (instance,) = json.loads(done.stdout)["instances"]
    assert instance["status"] == "fresh"
    assert instance["tokens"] == expected
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"gltui report: warning: could not save the snapshot of 127.0.0.1 in {cache}: "
        "a file stands where a directory should be; "
        "the next start shows older tokens from the cache, or none",
        f"gltui report: warning: could not save the history of 127.0.0.1 in {data}: "
        "a file stands where a directory should be; "
        "today's refresh is missing from it (the weekly review compares with less)",
    ]
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in done.stderr


def test_offline_report_sets_a_damaged_snapshot_aside(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
    snapshot = SnapshotCache(tmp_path / "cache").path_for("127.0.0.1")
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text("[]")
    done = report("--offline", env=env)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1  # no snapshot to report: as when there never was one
    assert "gltui report: no snapshot yet for 127.0.0.1" in done.stderr
    (aside,) = asides(snapshot)
    assert f"moved it aside as {aside.name}" in done.stderr
    online = report(env=env)  # and the next refresh writes a new one
    assert online.returncode == 0, online.stderr
    assert online.stderr == ""
    assert json.loads(snapshot.read_text())["name"] == "127.0.0.1"


def notes(app: ObservedApp, severity: str) -> list[Notification]:
    return [note for note in app.seen.notifications if note.severity == severity]


async def test_dashboard_shows_the_tokens_and_warns_when_nothing_can_be_saved(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    expected = walk_instance(spec, NOW).tokens
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    engine = InventoryEngine([spec], cache=SnapshotCache(blocker), history=History(blocker))
    app = ObservedApp(engine, clock=fixed_clock)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(TokenTable)
        await ready(pilot)  # the refresh, and the workers that tried to save it
        await app.seen.until("two warnings", lambda: len(notes(app, "warning")) == 2)
        assert len(table.rows) == len(expected)
        said = sorted(note.message for note in notes(app, "warning"))
        assert said[0].startswith(f"could not save the history of work in {blocker}: a file")
        assert said[1].startswith(f"could not save the snapshot of work in {blocker}: a file")
        assert notes(app, "error") == []  # not an internal error: a file for later
        assert {row.token.identity for row in table.rows} == {t.identity for t in expected}


async def test_dashboard_starts_over_damaged_files_and_says_what_it_set_aside(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Preloaded as the command line does (before Textual runs): the notices raised
    then wait for the dashboard, which shows them once mounted."""
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    cache, history = SnapshotCache(tmp_path / "cache"), History(tmp_path / "data")
    for path, damage in (
        (cache.path_for("work"), "[]"),
        (cache.head_path_for("work"), "null"),
        (tmp_path / "data" / "pending-replacements.json", '"x"'),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(damage)
    engine = InventoryEngine([spec], cache=cache, history=history)
    app = ObservedApp(engine, clock=fixed_clock, preload=True)
    expected = walk_instance(spec, NOW).tokens
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(TokenTable)
        await ready(pilot)
        assert len(table.rows) == len(expected)
        said = " | ".join(note.message for note in notes(app, "warning"))
        for name in ("snapshot-work-", "head-work-", "pending-replacements.json"):
            assert f"moved it aside as {name}" in said
        assert notes(app, "error") == []
    assert cache.load("work") is not None  # the refresh wrote a good one
