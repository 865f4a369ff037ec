"""The first run: the welcome screen and adding an instance, driven with Pilot."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from gltui.config.load import load_config
from gltui.domain.tokens import TokenKind
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.add_instance import AddInstanceScreen
from gltui.tui.screens.welcome import FirstRunApp, WelcomeScreen
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, ready, refreshed


async def fill(app: FirstRunApp, field: str, text: str) -> None:
    app.screen.query_one(f"#{field}", Input).value = text
    await app.workers.wait_for_complete()


async def done(app: App[Any], pilot: Pilot[Any]) -> None:
    """Wait for the workers (the config file is read and written in them), then for
    the screen to show what they answered."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def click(app: App[Any], pilot: Pilot[Any], button: str) -> None:
    """Click a button and wait for what it started. A Button ignores clicks during its
    0.2 s pressed effect (people are slower than Pilot); without the effect every click
    counts, so no test waits for it to wear off."""
    app.screen.query_one(button, Button).active_effect_duration = 0
    await pilot.click(button)
    await done(app, pilot)


def status(app: App[Any], selector: str = "#add-status") -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_add_test_and_save_an_instance(sandbox: RunningSandbox, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = FirstRunApp(path, fixed_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddInstanceScreen)
        await fill(app, "name", "work")
        await fill(app, "url", "not a url")
        await pilot.pause()
        await click(app, pilot, "#test")
        assert "is not an http(s) URL" in status(app)
        await fill(app, "url", sandbox.url)
        await pilot.click("#source-inline")
        await pilot.pause()
        assert app.screen.query_one("#source-value", Input).password  # pasted tokens are masked
        await fill(app, "source-value", sandbox.credentials.expired)
        await click(app, pilot, "#test")
        assert "The token gltui uses has expired" in status(app)
        await fill(app, "source-value", sandbox.credentials.maintainer)
        await click(app, pilot, "#test")
        said = status(app)
        assert "signed in as mara" in said
        assert sandbox.credentials.maintainer not in said
        await click(app, pilot, "#save")
    assert app.return_value == "added"
    config = load_config(path, {})
    assert [i.name for i in config.instances] == ["work"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_welcome_offers_the_demo_and_quit(tmp_path: Path) -> None:
    for key, expected in (("d", "demo"), ("q", "quit")):
        app = FirstRunApp(tmp_path / "config.toml", fixed_clock)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert app.return_value == expected
    assert not (tmp_path / "config.toml").exists()  # nothing written unless asked


async def test_cancel_writes_nothing(tmp_path: Path) -> None:
    app = FirstRunApp(tmp_path / "config.toml", fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
    assert not (tmp_path / "config.toml").exists()


async def test_instances_screen_add_edit_remove(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gltui.config.load import load_config as load
    from gltui.inventory.engine import InventoryEngine
    from gltui.tui.screens.dashboard import DashboardScreen
    from gltui.tui.screens.instances import InstancesScreen
    from gltui.tui.widgets.instances_bar import InstancesBar
    from gltui.wiring.specs import instance_specs

    path = tmp_path / "config.toml"
    path.write_text(
        f"[[instances]]\nname = 'work'\nurl = '{sandbox.url}'\ntoken_env = 'WORK'\n"
        "kinds = ['personal']\ntimeout = 5\n"
    )
    monkeypatch.setenv("WORK", sandbox.credentials.maintainer)

    def engine() -> InventoryEngine:
        return InventoryEngine(instance_specs(load(path, {})))

    app = ObservedApp(engine(), clock=fixed_clock, config_path=path, reconfigure=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("e")
        await done(app, pilot)
        assert isinstance(app.screen, InstancesScreen)
        await pilot.press("t")
        await done(app, pilot)  # the sign-in test runs in a worker
        assert "✓ work: mara" in status(app, "#instances-status")
        await pilot.press("a")
        await pilot.pause()
        await fill(app, "name", "admin view")  # type: ignore[arg-type]
        await fill(app, "url", sandbox.url + "/")  # type: ignore[arg-type]
        await fill(app, "source-value", "ADMIN")  # type: ignore[arg-type]
        await click(app, pilot, "#save")
        assert isinstance(app.screen, AddInstanceScreen)  # same URL: refused, nothing lost
        assert "already configured" in status(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # edit "work"
        await done(app, pilot)
        assert isinstance(app.screen, AddInstanceScreen)
        assert app.screen.query_one("#source-value", Input).value == "WORK"
        await fill(app, "name", "work renamed")  # type: ignore[arg-type]
        await click(app, pilot, "#save")
        assert isinstance(app.screen, InstancesScreen)
        await pilot.press("escape")
        await refreshed(pilot, 2)  # the configuration read again, and refreshed
        assert isinstance(app.screen, DashboardScreen)
        bar = str(app.screen.query_one(InstancesBar).render()).splitlines()
        assert len(bar) == 1
        assert bar[0].startswith("● work renamed  GitLab")
        assert "fresh" in bar[0]
    (kept,) = load(path, {}).instances
    assert kept.name == "work renamed"
    assert kept.kinds == frozenset({TokenKind.PERSONAL})  # the user's other keys survived
    assert kept.timeout == 5.0
    app2 = ObservedApp(engine(), clock=fixed_clock, config_path=path, reconfigure=engine)
    async with app2.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("e")
        await done(app2, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert "Press d again" in status(app2, "#instances-status")
        await pilot.press("d")
        await done(app2, pilot)
    assert load(path, {}).instances == ()
