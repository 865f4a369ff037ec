"""The ``!`` screen against the sandbox: masked value, the answer, jump, revoke by value."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Button, Input, Static

from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.identify import IdentifyScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import call, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_tui_actions import make_engine


def answer(screen: IdentifyScreen) -> str:
    return str(screen.query_one("#identify-answer", Static).render())


async def test_identify_jump_and_revoke(sandbox: RunningSandbox, tmp_path: Path) -> None:
    value = sandbox.credentials.developer
    app = ObservedApp(make_engine(sandbox, tmp_path, "admin"), clock=fixed_clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IdentifyScreen)
        field = screen.query_one("#identify-value", Input)
        assert field.password is True
        field.value = value
        await pilot.press("enter")
        await settle(pilot)
        text = answer(screen)
        assert "Found on work (asked: self): active" in text
        assert "of dev" in text
        assert "in the inventory: yes" in text
        assert value not in text
        assert value not in str(app.export_screenshot())  # masked everywhere on screen
        # revoking needs the typed word
        await pilot.click("#identify-revoke")
        await pilot.pause()
        assert "Type 'revoke' first" in str(screen.query_one("#identify-error", Static).render())
        assert call(sandbox.url, "GET", "/api/v4/user", token=value).status == 200
        screen.query_one("#identify-word", Input).value = "revoke"
        screen.query_one("#identify-revoke", Button).press()
        await settle(pilot)
        assert "verified: it no longer works" in answer(screen)
        assert call(sandbox.url, "GET", "/api/v4/user", token=value).status == 401
        line = (tmp_path / "data" / "revoked-by-value.jsonl").read_text()
        assert json.loads(line)["route"] == "self"
        assert value not in line
        # the row is still known: enter on "Go to its row" jumps to it
        assert screen.query_one("#identify-jump", Button).disabled is False
        screen.query_one("#identify-jump", Button).focus()
        await pilot.pause()
        assert app.focused is screen.query_one("#identify-jump", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        current = app.dashboard.query_one(TokenTable).current
        assert current is not None
        assert current.token.owner is not None
        assert current.token.owner.username == "dev"
        assert not any(value in note for note in app.seen.said(""))
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path


async def test_not_found_says_so(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await ready(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IdentifyScreen)
        screen.query_one("#identify-value", Input).value = "glpat-nobodyknowsthis12"
        await pilot.click("#identify-go")
        await settle(pilot)
        assert "Not found on any configured instance" in answer(screen)
        assert screen.query_one("#identify-revoke", Button).disabled
        assert screen.query_one("#identify-jump", Button).disabled
