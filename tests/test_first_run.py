"""The first run: the welcome screen and adding an instance, driven with Pilot."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Input

from gltui.config.load import load_config
from gltui.domain.tokens import TokenKind
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.add_instance import AddInstanceScreen
from gltui.tui.screens.welcome import FirstRunApp, WelcomeScreen
from tests.conftest import fixed_clock


async def fill(app: FirstRunApp, field: str, text: str) -> None:
    app.screen.query_one(f"#{field}", Input).value = text
    await app.workers.wait_for_complete()


AFTER_A_CLICK = 0.3
"""A Button ignores clicks while its 0.2 s pressed effect lasts; people are slower."""


async def wait_for_status(app: FirstRunApp, pilot: object, fragment: str) -> str:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    text = ""
    for _ in range(100):
        await pilot.pause(0.05)
        text = str(app.screen.query_one("#add-status").render())
        if fragment in text:
            return text
    raise AssertionError(f"status never said {fragment!r}: {text!r}")


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
        await pilot.click("#test")
        await wait_for_status(app, pilot, "is not an http(s) URL")
        await fill(app, "url", sandbox.url)
        await pilot.click("#source-inline")
        await pilot.pause()
        assert app.screen.query_one("#source-value", Input).password  # pasted tokens are masked
        await fill(app, "source-value", sandbox.credentials.expired)
        await pilot.pause(AFTER_A_CLICK)
        await pilot.click("#test")
        await wait_for_status(app, pilot, "The token gltui uses has expired")
        await fill(app, "source-value", sandbox.credentials.maintainer)
        await pilot.pause(AFTER_A_CLICK)
        await pilot.click("#test")

        status = await wait_for_status(app, pilot, "signed in as mara")
        assert sandbox.credentials.maintainer not in status
        await pilot.click("#save")
        await pilot.pause()
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
    from gltui.tui.app import GltuiApp
    from gltui.tui.screens.dashboard import DashboardScreen
    from gltui.tui.screens.instances import InstancesScreen
    from gltui.wiring.specs import instance_specs

    path = tmp_path / "config.toml"
    path.write_text(
        f"[[instances]]\nname = 'work'\nurl = '{sandbox.url}'\ntoken_env = 'WORK'\n"
        "kinds = ['personal']\ntimeout = 5\n"
    )
    monkeypatch.setenv("WORK", sandbox.credentials.maintainer)

    def engine() -> InventoryEngine:
        return InventoryEngine(instance_specs(load(path, {})))

    app = GltuiApp(engine(), clock=fixed_clock, config_path=path, reconfigure=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, InstancesScreen)
        await pilot.press("t")
        for _ in range(100):
            await pilot.pause(0.05)
            if "✓ work: mara" in str(app.screen.query_one("#instances-status").render()):
                break
        assert "✓ work: mara" in str(app.screen.query_one("#instances-status").render())
        await pilot.press("a")
        await pilot.pause()
        await fill(app, "name", "admin view")  # type: ignore[arg-type]
        await fill(app, "url", sandbox.url + "/")  # type: ignore[arg-type]
        await fill(app, "source-value", "ADMIN")  # type: ignore[arg-type]
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, AddInstanceScreen)  # same URL: refused, nothing lost
        assert "already configured" in str(app.screen.query_one("#add-status").render())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # edit "work"
        await pilot.pause(0.2)
        assert isinstance(app.screen, AddInstanceScreen)
        assert app.screen.query_one("#source-value", Input).value == "WORK"
        await fill(app, "name", "work renamed")  # type: ignore[arg-type]
        await pilot.pause(AFTER_A_CLICK)
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, InstancesScreen)
        await pilot.press("escape")
        for _ in range(100):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, DashboardScreen) and screen.names == ["work renamed"]:
                break
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.names == ["work renamed"]
    (kept,) = load(path, {}).instances
    assert kept.name == "work renamed"
    assert kept.kinds == frozenset({TokenKind.PERSONAL})  # the user's other keys survived
    assert kept.timeout == 5.0
    app2 = GltuiApp(engine(), clock=fixed_clock, config_path=path, reconfigure=engine)
    async with app2.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("e", "d")
        await pilot.pause()
        assert "Press d again" in str(app2.screen.query_one("#instances-status").render())
        await pilot.press("d")
        await pilot.pause()
    assert load(path, {}).instances == ()
