"""The dashboard, driven with Pilot against the sandbox (and fakes where timing matters)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Static

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.states import StateCounts, TokenState, count_states
from gltui.domain.tokens import TokenKind
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.tui.app import GltuiApp
from gltui.tui.keys import ACTIONS
from gltui.tui.messages import SnapshotsLoaded
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.screens.help import HelpScreen
from gltui.tui.table_model import Column, StateFilter
from gltui.tui.widgets.cards import StateCard
from gltui.tui.widgets.instances_bar import InstancesBar
from gltui.tui.widgets.token_table import TableHeader, TokenTable
from tests.conftest import NOW, SandboxFactory, fixed_clock
from tests.driving import ObservedApp, ready, refresh, refreshed, seen


def engine_for(
    sandbox: RunningSandbox, persona: str = "maintainer", **options: object
) -> InventoryEngine:
    spec = InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))
    return InventoryEngine([spec], **options)  # type: ignore[arg-type]


def make_app(engine: InventoryEngine) -> ObservedApp:
    return ObservedApp(engine, clock=fixed_clock)


def table(app: GltuiApp) -> TokenTable:
    return app.screen.query_one(TokenTable)


def sort_of(app: GltuiApp) -> str:
    """The sort as the status line names it (``sort: expires``, ``sort: name ↓``)."""
    status = str(app.screen.query_one("#view-status", Static).render())
    return status.rsplit("sort: ", 1)[1]


def card_counts(app: GltuiApp) -> StateCounts:
    counts = {card.state: card.count for card in app.screen.query(StateCard)}
    return StateCounts(
        active=counts[StateFilter.ACTIVE],
        expiring=counts[StateFilter.EXPIRING],
        revoked=counts[StateFilter.REVOKED],
        expired=counts[StateFilter.EXPIRED],
    )


async def test_cards_sum_the_instance_like_gitlab(sandbox: RunningSandbox) -> None:
    expected = walk_instance(engine_for(sandbox).specs[0], NOW)
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert card_counts(app) == count_states(expected.tokens, NOW)
        assert len(table(app).rows) == len(expected.tokens)


async def test_number_keys_and_clicks_filter_to_a_card(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        everything = len(table(app).rows)
        await pilot.press("2")
        assert {row.state for row in table(app).rows} == {TokenState.EXPIRING}
        assert len(table(app).rows) == card_counts(app).expiring
        await pilot.press("1")
        assert {row.state for row in table(app).rows} == {TokenState.ACTIVE, TokenState.EXPIRING}
        await pilot.click("#card-revoked")
        assert {row.state for row in table(app).rows} == {TokenState.REVOKED}
        assert app.screen.query_one("#card-revoked").has_class("selected")
        await pilot.press("4")
        assert {row.state for row in table(app).rows} == {TokenState.EXPIRED}
        await pilot.press("0")
        assert len(table(app).rows) == everything


async def test_sort_keys(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert sort_of(app) == "expires ↑"
        keys = [row.keys[list(Column).index(Column.EXPIRES)] for row in table(app).rows]
        assert keys == sorted(keys)
        assert table(app).rows[0].state is TokenState.EXPIRING  # soonest upcoming first
        for _ in range(
            list(Column).index(Column.NAME) - list(Column).index(Column.EXPIRES) + len(Column)
        ):
            await pilot.press("s")
        assert sort_of(app) == "name ↑"
        names = [row.token.name.lower() for row in table(app).rows]
        assert names == sorted(names)
        await pilot.press("S")
        assert [row.token.name.lower() for row in table(app).rows] == sorted(names, reverse=True)
        assert "NAME ↓" in str(app.screen.query_one(TableHeader).render())
        assert sort_of(app) == "name ↓"


async def test_type_to_filter_and_escape(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        everything = len(table(app).rows)
        await pilot.press("slash", *"days", "enter")
        names = {row.token.name for row in table(app).rows}
        assert names == {"expires in 14 days", "expires in 15 days"}
        assert table(app).has_focus
        await pilot.press("escape")
        assert len(table(app).rows) == everything
        assert not app.screen.query_one("#filter").display


async def test_instance_and_kind_filters(sandbox: RunningSandbox) -> None:
    specs = [
        InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer)),
        InstanceSpec("home", sandbox.url, Secret(sandbox.credentials.developer)),
    ]
    walked = {spec.name: len(walk_instance(spec, NOW).tokens) for spec in specs}
    app = make_app(InventoryEngine(specs))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        everything = len(table(app).rows)
        assert everything == walked["work"] + walked["home"]
        status = app.screen.query_one("#view-status", Static)
        for shown in ("work", "home"):  # i: one instance, then the next, then all
            await pilot.press("i")
            assert {row.token.instance for row in table(app).rows} == {shown}
            assert len(table(app).rows) == walked[shown]
            assert f"instance: {shown}" in str(status.render())
        await pilot.press("i")
        assert len(table(app).rows) == everything
        assert "instance:" not in str(status.render())
        present = [kind for kind in TokenKind if any(r.token.kind is kind for r in table(app).rows)]
        assert len(present) > 1
        for kind in present:  # t: one kind, then the next, then all
            await pilot.press("t")
            assert {row.token.kind for row in table(app).rows} == {kind}
            assert f"kind: {kind.value}" in str(status.render())
        await pilot.press("t")
        assert len(table(app).rows) == everything


async def test_enter_opens_details_with_every_field(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"renovate", "enter")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = str(app.screen.query_one("#details-text").render())
        for label in (
            "Scopes",
            "Last used from",
            "Role",
            "Risk",
            "GitLab page",
            "Same name and owner",
        ):
            assert label in text
        assert "/-/user_settings/personal_access_tokens" in text
        assert "revoked" in text  # the older "renovate" of the rotation pair
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_refresh_picks_up_new_tokens(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        before = len(table(app).rows)
        with sandbox.store.lock:
            mara = next(u for u in sandbox.store.users.values() if u.username == "mara")
            sandbox.store.add_personal_token(mara.id, "made elsewhere", ["read_api"], None)
        await refresh(pilot)
        assert len(table(app).rows) == before + 1
        assert "made elsewhere" in {row.token.name for row in table(app).rows}


async def test_a_failing_instance_beside_a_loading_one(
    sandbox: RunningSandbox, make_sandbox: SandboxFactory
) -> None:
    gone = make_sandbox()
    dead_url = gone.url
    gone.stop()
    release = threading.Event()
    healthy = InstanceSpec("healthy", sandbox.url, Secret(sandbox.credentials.maintainer))
    down = InstanceSpec("down", dead_url, Secret("glpat-nothing-nothing-000"), timeout=1)

    def walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        if spec.name == "healthy":
            release.wait(10)  # still loading while "down" has already failed
        return walk_instance(spec, now, on_progress)

    app = make_app(InventoryEngine([healthy, down], walker=walker))
    async with app.run_test(size=(120, 36)) as pilot:
        await seen(pilot).until("down has answered", lambda: "down" in seen(pilot).refreshed)
        await pilot.pause()
        bar = str(app.screen.query_one(InstancesBar).render())
        assert "down  failed: cannot connect" in bar
        assert Failure(FailureKind.UNREACHABLE, "").advice in bar
        assert "healthy" in bar
        assert "loading" in bar
        assert len(table(app).rows) == 0
        release.set()
        await ready(pilot)
        bar = str(app.screen.query_one(InstancesBar).render())
        assert "tokens · fresh" in bar
        assert "loading" not in bar
        assert "down  failed: cannot connect" in bar
        assert len(table(app).rows) > 0


async def test_cached_start_paints_before_the_network(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = SnapshotCache(tmp_path)
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    cache.save(walk_instance(spec, NOW))
    release = threading.Event()

    def slow_walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        release.wait(10)
        return walk_instance(spec, now, on_progress)

    app = make_app(InventoryEngine([spec], cache=cache, walker=slow_walker))
    async with app.run_test(size=(120, 36)) as pilot:
        await seen(pilot).handled_at_least(SnapshotsLoaded)
        await pilot.pause()
        assert len(table(app).rows) > 10  # painted from the snapshot, network still blocked
        bar = str(app.screen.query_one(InstancesBar).render())
        assert "loading" in bar
        assert "showing cache from" in bar
        release.set()
        await ready(pilot)
        assert "fresh" in str(app.screen.query_one(InstancesBar).render())


async def test_names_are_shown_literally(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(160, 36)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"not bold", "enter")
        line = table(app).render_line(0).text
        assert "[bold red]not bold[/] [li" in line  # the raw text, clipped, never styled


async def test_help_lists_every_action_and_the_palette_has_them(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for action in ACTIONS:
            assert action.help in text
        await pilot.press("escape")
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for action in ACTIONS:
            assert any(title.startswith(action.label + ":") for title in titles)


async def test_usable_at_80_by_24(sandbox: RunningSandbox) -> None:
    app = make_app(engine_for(sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        header = str(app.screen.query_one(TableHeader).render())
        for title in ("NAME", "STATE", "EXPIRES"):
            assert title in header
        assert table(app).size.height >= 8
        assert app.return_code is None
        await pilot.press("q")
        assert app.return_code == 0  # q quits at once, successfully


async def test_quit_never_waits_for_a_stuck_refresh(sandbox: RunningSandbox) -> None:
    stuck, walking = threading.Event(), threading.Event()

    def hanging(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        walking.set()
        stuck.wait(30)
        return walk_instance(spec, now, on_progress)

    app = make_app(InventoryEngine(engine_for(sandbox).specs, walker=hanging))
    started = time.monotonic()
    async with app.run_test(size=(120, 36)) as pilot:
        assert await asyncio.to_thread(walking.wait, 30)  # the refresh is stuck in the walk
        await pilot.press("q")
        assert app.return_code == 0
    assert time.monotonic() - started < 5
    stuck.set()


async def test_a_broken_cache_still_refreshes(sandbox: RunningSandbox) -> None:
    class BrokenCache(InventoryEngine):
        def cached(self) -> Inventory:
            raise RuntimeError("disk on fire")

    spec = engine_for(sandbox).specs[0]
    app = make_app(BrokenCache([spec]))
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert len(table(app).rows) == len(walk_instance(spec, NOW).tokens)
        assert seen(pilot).said("internal error (RuntimeError)", "error")  # said, carried on


async def test_settings_keymap_theme_and_window(sandbox: RunningSandbox) -> None:
    app = ObservedApp(
        engine_for(sandbox),
        clock=fixed_clock,
        window=30,
        theme="gruvbox",
        keymap={"refresh": "f5"},
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.theme == "gruvbox"
        tokens = [row.token for row in table(app).rows]
        assert card_counts(app) == count_states(tokens, NOW, 30)
        assert card_counts(app) != count_states(tokens, NOW, 14)  # the sandbox tells them apart
        expiring = str(app.screen.query_one("#card-expiring", StateCard).render())
        assert expiring == f"{card_counts(app).expiring} expiring ≤30d"  # the title says 30
        with sandbox.store.lock:
            mara = next(u for u in sandbox.store.users.values() if u.username == "mara")
            sandbox.store.add_personal_token(mara.id, "seen after f5", ["read_api"], None)
        await refresh(pilot, "f5")
        assert "seen after f5" in {row.token.name for row in table(app).rows}
        await pilot.press("question_mark")
        await pilot.pause()
        assert "f5" in str(app.screen.query_one("#help-text").render())


async def test_unknown_theme_is_a_notice_not_a_crash(sandbox: RunningSandbox) -> None:
    app = ObservedApp(engine_for(sandbox), clock=fixed_clock, theme="no-such-theme")
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        assert seen(pilot).said("Unknown theme 'no-such-theme'", "warning")
        assert app.theme == "textual-dark"  # Textual's default, kept


async def test_no_color_is_honoured(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(engine_for(sandbox))
    assert app.no_color  # Textual renders in monochrome
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert table(app).rows


class _SlowFullSnapshot(SnapshotCache):
    """A cache whose full snapshots wait for a signal (their heads do not)."""

    def __init__(self, directory: Path, release: threading.Event) -> None:
        super().__init__(directory)
        self.release = release

    def load(self, name: str) -> InstanceInventory | None:
        self.release.wait(10)
        return super().load(name)


async def test_first_screen_from_the_head_then_every_cached_token(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    """Preloaded as the command line does: the first frame comes from the head file with
    exact cards and chart; the full snapshot then fills the table, network or not."""
    large = make_sandbox(scale=20)
    spec = InstanceSpec("work", large.url, Secret(large.credentials.admin))
    full = walk_instance(spec, NOW)
    release, network = threading.Event(), threading.Event()
    cache = _SlowFullSnapshot(tmp_path, release)
    cache.save(full)

    def held_walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        network.wait(10)
        return walk_instance(spec, now, on_progress)

    engine = InventoryEngine([spec], cache=cache, walker=held_walker)
    app = ObservedApp(engine, clock=fixed_clock, preload=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert 0 < len(table(app).rows) < len(full.tokens)  # the head only, so far
        assert card_counts(app) == count_states(full.tokens, NOW)  # exact already
        status = str(app.screen.query_one("#view-status").render())
        assert f"of {len(full.tokens)} tokens (reading the rest of the cache)" in status
        await pilot.press("d", "v")  # no change and no review on a partial picture
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert len(seen(pilot).said("still reading")) == 2
        release.set()
        await seen(pilot).handled_at_least(SnapshotsLoaded)  # the rest of the cache
        await pilot.pause()
        assert len(table(app).rows) == len(full.tokens)
        assert card_counts(app) == count_states(full.tokens, NOW)
        assert "reading the rest" not in str(app.screen.query_one("#view-status").render())
        assert "loading" in str(app.screen.query_one(InstancesBar).render())  # network held
        network.set()
        await refreshed(pilot)
        assert "fresh" in str(app.screen.query_one(InstancesBar).render())
