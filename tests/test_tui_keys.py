"""Keys, help and palette from one table, under the user's keymap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from gltui.domain.secret import Secret
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.app import GltuiApp
from gltui.tui.keys import ACTIONS, MUTATING, DashboardKeys, spell
from gltui.tui.screens.help import HelpScreen
from tests.conftest import NOW, fixed_clock


def walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    return InstanceInventory(spec.name, spec.url, NOW)


def app_with(**options: object) -> GltuiApp:
    spec = InstanceSpec("work", "https://gitlab.example", Secret("unused"))
    engine = InventoryEngine([spec], walker=walker)
    return GltuiApp(engine, clock=fixed_clock, **options)  # type: ignore[arg-type]


def palette(app: GltuiApp) -> dict[str, str]:
    """The palette's entries for the screen on top: title -> help."""
    return {command.title: command.help for command in app.get_system_commands(app.screen)}


def test_keys_are_spelt_as_the_footer_spells_them() -> None:
    display = App().get_key_display
    keys = {action.id: action for action in ACTIONS}
    assert spell(keys["help"].binding(), display) == "?"
    assert spell(keys["revoke"].binding(), display) == "d / del"
    assert spell(keys["filter"].binding(), display) == "/"
    assert spell(keys["log"].binding(), display) == "@"
    entries = {e.action: e.help for e in DashboardKeys({"refresh": "f5"}).palette(display)}
    assert entries["refresh"] == "key: f5"
    assert entries["help"] == "key: ?"
    assert entries["revoke"] == "key: d / del"


def test_every_id_is_unique_and_the_help_groups_use_the_keymap() -> None:
    assert len({action.id for action in ACTIONS}) == len(ACTIONS)
    (dashboard, *_) = DashboardKeys({"like": "ctrl+l"}).help_groups([], [])
    assert dashboard[0] == "Dashboard"
    assert next(b.key for b in dashboard[1] if b.id == "like") == "ctrl+l"


async def test_the_palette_shows_the_users_keys_and_only_on_the_dashboard() -> None:
    app = app_with(keymap={"refresh": "f5"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        entries = palette(app)
        assert entries["Refresh: Refresh every instance now"] == "key: f5"
        assert entries["Help: Every key, with what it does"] == "key: ?"
        assert entries["Revoke: Revoke the marked or selected tokens"] == "key: d / del"
        for action in ACTIONS:
            assert any(title.startswith(f"{action.label}:") for title in entries)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert not any(title.startswith("Refresh:") for title in palette(app))  # a modal's


async def test_the_real_palette_says_f5() -> None:
    app = app_with(keymap={"refresh": "f5"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        app.screen.query_one(Input).value = "Refresh every"
        await app.workers.wait_for_complete()  # the palette gathers its hits in a worker
        await pilot.pause()
        options = app.screen.query_one(CommandList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        (refresh,) = [prompt for prompt in prompts if "Refresh every instance" in prompt]
        assert "key: f5" in refresh


async def test_read_only_offers_no_mutating_action_in_the_palette() -> None:
    app = app_with(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        offered = {title.split(":", 1)[0] for title in palette(app)}
        labels = {action.label for action in ACTIONS if action.action in MUTATING}
        assert labels == {"Revoke", "Rotate", "Replace", "Create", "Create like", "Mark"}
        assert not offered & labels
        assert "Refresh" in offered
