"""Replaced tokens on every surface: the rows, the cards, the details, the review and
``gltui report --fail-on expired`` (a subprocess over a snapshot it reads offline).

GitLab's four numbers stay GitLab's: a replaced token still counts as revoked or expired
there; the cards add a quieter "N replaced" beside them, and nothing asks the user to act.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from gltui.domain.changes import Baseline, Change, seen
from gltui.domain.replaced import Because, Succession
from gltui.domain.review import build_review
from gltui.domain.secret import Secret
from gltui.domain.states import TokenState
from gltui.domain.tokens import Owner, Token, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.successions import SuccessionStore, record_succession
from gltui.report.filters import replaced_among, tripped
from gltui.tui.dashboard_state import DashboardState
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.table_model import build_rows, mark_replacements
from gltui.tui.widgets.cards import StateCard
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_report_cli import environment

TODAY = NOW.date()


def token(
    token_id: int,
    name: str,
    expires_in: int | None,
    *,
    revoked: bool = False,
    created_days_ago: int = 30,
    instance: str = "work",
    today: date = TODAY,
) -> Token:
    return Token(
        instance=instance,
        kind=TokenKind.PERSONAL,
        id=token_id,
        name=name,
        scopes=("api",),
        revoked=revoked,
        expires_at=None if expires_in is None else today + timedelta(days=expires_in),
        created_at=datetime.combine(today, datetime.min.time(), UTC)
        - timedelta(days=created_days_ago),
        owner=Owner(7, "mara"),
    )


OLD = token(1, "renovate", -3, created_days_ago=400)  # expired three days ago
NEW = token(2, "renovate", 300, created_days_ago=5)  # its successor, working
LONE = token(3, "sonar", -10, created_days_ago=300)  # expired, nothing took its place
GONE = token(4, "old release", 90, revoked=True, created_days_ago=200)
RENAMED = token(5, "release 2027", 200, created_days_ago=2)
LINK = Succession("work", "personal_access_token:4", "personal_access_token:5", Because.REPLACED)


def test_rows_say_replaced_and_keep_gitlabs_state() -> None:
    rows = build_rows([OLD, NEW, LONE, GONE, RENAMED], NOW)
    mark_replacements(rows, [LINK])
    by_id = {row.token.id: row for row in rows}
    assert by_id[1].state is TokenState.EXPIRED  # GitLab's state is untouched
    assert by_id[1].cells[6] == "replaced"
    assert by_id[4].cells[6] == "replaced"
    assert by_id[3].cells[6] == "expired"
    for replaced_id in (1, 4):
        haystack = by_id[replaced_id].haystack
        assert "replaced" in haystack
        assert by_id[replaced_id].state.value in haystack  # /revoked, /expired still find it
    assert "replaced" not in by_id[3].haystack
    # the link forgotten: the renamed successor no longer replaces the revoked token
    mark_replacements(rows, [])
    assert by_id[4].replaced is None
    assert by_id[4].cells[6] == "revoked"
    assert by_id[1].replaced is not None  # the same-name rule needs no record


def test_cards_keep_gitlabs_numbers_and_count_replaced_apart() -> None:
    state = DashboardState([InstanceSpec("work", "https://work.example", Secret("unused"))], 14)
    instance = InstanceInventory("work", "https://work.example", NOW, tokens=(OLD, NEW, LONE, GONE))
    state.store(instance, state.build(instance, NOW))
    counts = state.counts(NOW)
    assert (counts.expired, counts.revoked, counts.active) == (2, 1, 1)
    assert state.replaced_counts() == {"revoked": 0, "expired": 1}
    state.successions = [replace_link(LINK, new="personal_access_token:2")]
    state.mark_replacements()
    assert state.replaced_counts() == {"revoked": 1, "expired": 1}
    assert state.counts(NOW) == counts  # still GitLab's numbers
    lines = dict(state.replacement_lines(OLD))
    assert lines["Replaced by"].startswith('#2 "renovate", working (same name and place')
    assert "Replaced by" not in dict(state.replacement_lines(LONE))


def replace_link(link: Succession, *, new: str) -> Succession:
    return Succession(link.instance, link.old_key, new, link.because)


def test_the_review_does_not_ask_to_act_on_a_replaced_token() -> None:
    before = [token(1, "renovate", 2, created_days_ago=400), NEW, token(3, "sonar", 3)]
    before += [token(4, "old release", 90, created_days_ago=200), RENAMED]
    week_ago = NOW - timedelta(days=7)
    baseline = Baseline(
        week_ago, "review", {"work": {s.key: s for s in (seen(t, week_ago) for t in before)}}
    )
    now_tokens = [OLD, NEW, LONE, GONE, RENAMED]
    review = build_review(now_tokens, baseline, NOW, 14, links=[LINK])
    changes = {change.token.id: change.change for change in review.changes if change.token}
    assert changes == {1: Change.REPLACED, 3: Change.EXPIRED, 4: Change.REPLACED}
    assert review.counts()["replaced"] == 2
    assert review.counts()["expired"] == 1
    without = build_review(now_tokens, baseline, NOW, 14)
    assert {c.token.id: c.change for c in without.changes if c.token}[4] is Change.REVOKED


def test_fail_on_expired_skips_replaced_tokens() -> None:
    assert tripped(["expired"], [OLD, NEW], NOW, 14) is False
    assert tripped(["expired"], [OLD, NEW, LONE], NOW, 14) is True
    dying = token(2, "renovate", 0, created_days_ago=5)  # the successor expires today
    assert tripped(["expired"], [OLD, dying], NOW, 14) is True
    assert tripped(["expiring"], [OLD, token(2, "renovate", 1, created_days_ago=5)], NOW, 14)


def test_a_filter_that_hides_the_successor_does_not_hide_the_replacement() -> None:
    """``--state expired --fail-on expired``: the report shows the expired token only, but
    whether it was replaced is told from the whole inventory."""
    assert tripped(["expired"], [OLD], NOW, 14) is True  # alone, nothing says it was
    replaced = replaced_among([OLD, NEW], NOW, ())
    assert tripped(["expired"], [OLD], NOW, 14, replaced=replaced) is False
    assert tripped(["expired"], [OLD, LONE], NOW, 14, replaced=replaced) is True


# --- the CLI, as cron runs it ---------------------------------------------------------


def report(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", "report", "--offline", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def snapshot(tmp_path: Path, tokens: list[Token]) -> dict[str, str]:
    """A cached snapshot of ``tokens`` for the instance the environment names."""
    instance = InstanceInventory(
        "gitlab.example.com",
        "https://gitlab.example.com",
        datetime.now(UTC),
        identity=Identity(7, "mara", False, "19.6.0"),
        tokens=tuple(tokens),
    )
    assert SnapshotCache(tmp_path / "cache").save(instance)
    return environment(
        tmp_path, GITLAB_URL="https://gitlab.example.com", GITLAB_TOKEN="glpat-notused0000000000"
    )


def real_today(*tokens: Callable[[date], Token]) -> list[Token]:
    """The CLI reads the real clock: dates relative to the real today, days apart from
    any boundary (the boundaries are the pure tests' job)."""
    today = datetime.now(UTC).date()
    return [make(today) for make in tokens]


def test_the_cli_fails_on_expired_only_when_nothing_replaced_it(tmp_path: Path) -> None:
    def old(today: date) -> Token:
        return token(1, "renovate", -5, created_days_ago=400, instance=host, today=today)

    def new(today: date) -> Token:
        return token(2, "renovate", 60, created_days_ago=3, instance=host, today=today)

    def dead_new(today: date) -> Token:
        return token(2, "renovate", -1, created_days_ago=3, instance=host, today=today)

    def renamed(today: date) -> Token:
        return token(9, "renovate 2027", 60, created_days_ago=3, instance=host, today=today)

    host = "gitlab.example.com"
    env = snapshot(tmp_path, real_today(old))
    assert report("--fail-on", "expired", env=env).returncode == 3
    env = snapshot(tmp_path, real_today(old, new))
    done = report("--format", "json", "--fail-on", "expired", env=env)
    assert done.returncode == 0, done.stderr
    totals = json.loads(done.stdout)["totals"]
    assert (totals["expired"], totals["active"]) == (1, 1)  # GitLab's numbers, unchanged
    env = snapshot(tmp_path, real_today(old, dead_new))
    assert report("--fail-on", "expired", env=env).returncode == 3
    # a renamed successor counts once gltui has recorded the replacement
    env = snapshot(tmp_path, real_today(old, renamed))
    assert report("--fail-on", "expired", env=env).returncode == 3
    record_succession(
        tmp_path / "data",
        host,
        "personal_access_token:1",
        "personal_access_token:9",
        Because.REPLACED,
        datetime.now(UTC),
    )
    assert (tmp_path / "data" / "successions.json").stat().st_mode & 0o777 == 0o600
    assert report("--fail-on", "expired", env=env).returncode == 0
    assert SuccessionStore(tmp_path / "data").all()[0].new_key == "personal_access_token:9"


# --- the dashboard ---------------------------------------------------------------------


def walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    return InstanceInventory(
        spec.name,
        spec.url,
        now,
        identity=Identity(7, "mara", False, "19.6.0"),
        tokens=(OLD, NEW, LONE, GONE, RENAMED),
    )


async def test_the_cards_and_the_details_pane(tmp_path: Path) -> None:
    record_succession(tmp_path / "data", "work", LINK.old_key, LINK.new_key, Because.REPLACED, NOW)
    spec = InstanceSpec("work", "https://work.example", Secret("unused"))
    engine = InventoryEngine([spec], walker=walker, history=History(tmp_path / "data"))
    app = ObservedApp(engine, clock=fixed_clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await settle(pilot)
        cards = {card.state.value: card for card in app.dashboard.query(StateCard)}
        assert cards["expired"].count == 2  # GitLab's card: both expired tokens
        assert cards["revoked"].count == 1
        assert str(cards["expired"].border_subtitle) == "1 replaced"
        assert str(cards["revoked"].border_subtitle) == "1 replaced"  # the recorded link
        assert str(cards["active"].border_subtitle) == ""
        await pilot.press("slash", *"replaced", "enter")
        await pilot.pause()
        shown = {row.token.id for row in app.dashboard.query_one(TokenTable).rows}
        assert shown == {1, 4}
        await pilot.press("escape", "slash", *"sonar", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert "Replaced by" not in dict(app.screen._lines)
        await pilot.press("escape", "escape", "slash", *"old release", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        said = dict(app.screen._lines)["Replaced by"]
        assert said == '#5 "release 2027", working (replaced through gltui): nothing to do'
