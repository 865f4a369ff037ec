"""The dashboard's state and rules, without Textual (the screen only renders them)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from gltui.actions.pending import PendingReplacement
from gltui.domain.changes import seen_key
from gltui.domain.secret import Secret
from gltui.domain.states import StateCounts, count_states
from gltui.domain.summary import ExpirySummary
from gltui.domain.timeline import weekly_counts
from gltui.domain.tokens import Owner, Token, TokenKind
from gltui.inventory.model import Identity, InstanceInventory, Inventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.dashboard_state import DashboardState
from gltui.tui.table_model import Column, StateFilter, TokenRow, View

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
WINDOW = 14


def token(
    token_id: int,
    name: str,
    expires_in: int | None,
    *,
    instance: str = "work",
    kind: TokenKind = TokenKind.PERSONAL,
    revoked: bool = False,
) -> Token:
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=("read_api",),
        revoked=revoked,
        expires_at=None if expires_in is None else date(2026, 11, 21) + timedelta(days=expires_in),
        owner=Owner(1, "mara"),
    )


def spec(name: str, *, readonly: bool = False) -> InstanceSpec:
    return InstanceSpec(name, f"https://{name}.example", Secret("unused"), readonly=readonly)


def inventory(name: str, *tokens: Token, signed_in: bool = True) -> InstanceInventory:
    who = Identity(1, "mara", False, "18.6.0") if signed_in else None
    return InstanceInventory(name, f"https://{name}.example", NOW, identity=who, tokens=tokens)


WORK = (token(1, "ci deploy", 30), token(2, "soon", 3), token(3, "gone", -2))
HOME = (token(11, "backup", 5, instance="home", kind=TokenKind.DEPLOY),)


def loaded(*, readonly: bool = False) -> DashboardState:
    """Two instances, both shown in full."""
    state = DashboardState([spec("work"), spec("home")], WINDOW, readonly=readonly)
    for instance in (inventory("work", *WORK), inventory("home", *HOME)):
        state.store(instance, state.build(instance, NOW))
    return state


def names(rows: list[TokenRow]) -> list[str]:
    return [row.token.name for row in rows]


def test_it_runs_without_textual() -> None:
    code = "import sys, gltui.tui.dashboard_state; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rows_follow_the_configuration_order() -> None:
    state = DashboardState([spec("work"), spec("home")], WINDOW)
    home = inventory("home", *HOME)
    state.store(home, state.build(home, NOW))  # home answers first
    work = inventory("work", *WORK)
    state.store(work, state.build(work, NOW))
    assert names(state.all_rows()) == ["ci deploy", "soon", "gone", "backup"]
    assert names(state.rows_of("home")) == ["backup"]
    assert state.urls == {"work": "https://work.example", "home": "https://home.example"}


def test_the_view_filters_and_cycles() -> None:
    state = loaded()
    state.show_card(StateFilter.EXPIRING)
    assert names(state.shown()) == ["soon", "backup"]
    state.show_card(None)
    state.filter("ci")
    assert names(state.shown()) == ["ci deploy"]
    state.filter("")
    seen_instances, seen_kinds = [], []
    for _ in range(3):  # one instance, then the next, then all
        state.next_instance()
        seen_instances.append(state.view.instance)
        state.next_kind()  # only the kinds present, in order, then all
        seen_kinds.append(state.view.kind)
    assert seen_instances == ["work", "home", None]
    assert seen_kinds == [TokenKind.PERSONAL, TokenKind.DEPLOY, None]
    state.next_sort()
    assert state.view.sort is Column.LAST_USED  # the column after "expires"
    state.reverse_sort()
    state.show_card(StateFilter.ACTIVE)
    state.show_everything()  # a token asked for must show; the sort stays
    assert state.view == View(sort=Column.LAST_USED, descending=True)


def test_cards_and_chart_count_heads_by_their_summaries() -> None:
    state = DashboardState([spec("work"), spec("home")], WINDOW)
    head = replace(inventory("work", WORK[1]), from_cache=True)  # its snapshot's first screen
    home = inventory("home", *HOME)
    state.preload(
        Inventory((head, home)),
        {"work": state.build(head, NOW), "home": state.build(home, NOW)},
        {"work": ExpirySummary.of(WORK)},
    )
    everything = [*WORK, *HOME]
    assert state.counts(NOW) == count_states(everything, NOW, WINDOW)
    assert state.weekly(NOW) == weekly_counts([30, 3, 5])
    assert state.status_line(2).startswith("2 of 4 tokens (reading the rest of the cache)")
    full = replace(inventory("work", *WORK), from_cache=True)
    state.accept_snapshots(Inventory((full,)), {"work": state.build(full, NOW)})
    assert "work" not in state.partial  # its rows are all its tokens now
    assert state.status_line(4).startswith("4 of 4 tokens · sort: expires ↑")


def test_cached_snapshots_never_replace_fresher_data() -> None:
    state = DashboardState([spec("work")], WINDOW)
    fresh = inventory("work", WORK[0])
    state.store(fresh, state.build(fresh, NOW))
    cached = replace(inventory("work", *WORK), from_cache=True)
    removed = replace(inventory("old", token(5, "x", 1, instance="old")), from_cache=True)
    rows = {"work": state.build(cached, NOW), "old": state.build(removed, NOW)}
    state.accept_snapshots(Inventory((cached, removed)), rows)
    assert state.instances["work"] is fresh
    assert "old" not in state.instances  # no longer configured


def test_a_refresh_is_numbered_and_a_new_configuration_makes_it_stale() -> None:
    state = DashboardState([spec("work")], WINDOW)
    number = state.begin_refresh()
    assert number is not None
    assert state.begin_refresh() is None  # one at a time
    assert state.awaiting == {"work"}
    assert state.refresh_progressed(number, Progress("work", 1, 2))
    state.use_specs([spec("work"), spec("home")])  # the instances screen changed them
    old = inventory("work", token(99, "old engine", 5))
    assert not state.instance_refreshed(number, old, state.build(old, NOW))
    assert not state.refresh_progressed(number, Progress("work", 2, 2))
    assert "work" not in state.instances  # the stale answer was dropped
    assert state.refresh_finished()  # it ended: refresh the new configuration now
    again = state.begin_refresh()
    assert again is not None
    assert again != number
    new = inventory("work", token(1, "new engine", 5))
    assert state.instance_refreshed(again, new, state.build(new, NOW))
    assert names(state.all_rows()) == ["new engine"]
    assert state.awaiting == {"home"}
    assert not state.refresh_finished()  # nothing changed meanwhile
    assert not state.refreshing


def test_a_new_configuration_forgets_removed_instances() -> None:
    state = loaded()
    state.next_instance()
    state.progress["home"] = Progress("home", 1, 1, finished=True)
    assert state.use_specs([spec("work")])  # nothing running: refresh at once
    assert list(state.instances) == ["work"]
    assert "home" not in state.progress
    assert names(state.all_rows()) == ["ci deploy", "soon", "gone"]
    assert state.view.instance is None


def test_changes_are_patched_in_and_unchanged_rows_kept() -> None:
    state = loaded()
    kept = state.rows_of("work")[0]
    revoked = replace(WORK[1], revoked=True)
    created = token(4, "new", 10)
    stray = token(7, "elsewhere", 10, instance="nowhere")
    changed = state.apply_tokens([revoked, created, stray], NOW)
    assert [instance.name for instance in changed] == ["work"]
    assert changed[0].tokens == (WORK[0], revoked, WORK[2], created)
    rows = state.rows_of("work")
    assert rows[0] is kept  # its computed text survives
    assert rows[1].token.revoked
    assert names(rows) == ["ci deploy", "soon", "gone", "new"]
    assert state.counts(NOW) == StateCounts(active=3, expiring=2, revoked=1, expired=1)


def test_marks_choose_what_an_action_acts_on() -> None:
    state = loaded()
    assert state.selected(WORK[0]) == [WORK[0]]  # nothing marked: the cursor's token
    assert state.selected(None) == []
    state.toggle_mark(WORK[2])
    state.toggle_mark(HOME[0])
    assert state.selected(WORK[0]) == [WORK[2], HOME[0]]
    state.toggle_mark(HOME[0])  # again: unmarked
    assert state.selected(WORK[0]) == [WORK[2]]
    assert "1 marked (d revokes them)" in state.status_line(4)
    assert state.clear_marks()
    assert not state.clear_marks()
    assert state.selected(WORK[0]) == [WORK[0]]


def test_why_an_instance_may_not_be_written_to() -> None:
    state = DashboardState([spec("work"), spec("ro", readonly=True), spec("new")], WINDOW)
    for instance in (inventory("work", *WORK), inventory("ro"), inventory("new", signed_in=False)):
        state.store(instance, state.build(instance, NOW))
    assert state.why_not_writable("work") is None
    assert "read-only (readonly = true" in (state.why_not_writable("ro") or "")
    assert "not signed in to new yet" in (state.why_not_writable("new") or "")
    assert "no longer configured" in (state.why_not_writable("gone") or "")
    state.partial["work"] = ExpirySummary.of(WORK)
    assert "still reading work's cached tokens" in (state.why_not_writable("work") or "")
    everything = loaded(readonly=True)
    assert everything.why_not_writable("work") == "gltui runs read-only (--readonly)"
    assert everything.status_line(4).endswith("read-only")


def test_gltuis_own_tokens() -> None:
    state = DashboardState([spec("work")], WINDOW)
    work = replace(inventory("work", *WORK), own_token=WORK[0])
    state.store(work, state.build(work, NOW))
    assert state.own_identities() == {WORK[0].identity}


def test_replacements_in_the_details_and_the_status_line() -> None:
    state = loaded()
    old, new = WORK[0], token(4, "ci deploy", 60)
    started = NOW - timedelta(hours=2)
    state.pending_replacements = [
        PendingReplacement("work", seen_key(old), old.name, seen_key(new), started)
    ]
    (line,) = state.replacement_lines(old)
    assert line[0] == "Replacement"
    assert "#4 replaces it (since 2026-11-21 10:00 UTC)" in line[1]
    assert state.replacement_lines(new) == [
        ("Replaces", "#1 (since 2026-11-21 10:00 UTC); p on #1 finishes the job")
    ]
    assert state.replacement_lines(HOME[0]) == []
    assert "1 replacement pending (p on the old token)" in state.status_line(4)


def test_the_status_line_names_every_filter_and_the_reload() -> None:
    state = loaded()
    state.show_card(StateFilter.EXPIRING)
    state.next_instance()
    state.filter("[bold]x")
    state.reloading = True
    line = state.status_line(0)
    assert line == (
        "0 of 4 tokens · card: expiring · instance: work · filter: [bold]x · sort: expires ↑"
        " · reloading the configuration…"
    )


def test_siblings_are_the_rotation_chain() -> None:
    state = DashboardState([spec("work")], WINDOW)
    first, second = token(1, "renovate", -5, revoked=True), token(2, "renovate", 50)
    other = token(3, "renovate", 50, kind=TokenKind.DEPLOY)
    work = inventory("work", first, second, other)
    state.store(work, state.build(work, NOW))
    assert state.siblings(second) == [first, second]
