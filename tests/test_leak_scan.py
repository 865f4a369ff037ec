"""After a session that made GitLab issue tokens, no value is anywhere gltui wrote.

The one place a value may appear is the secret modal while the user reveals it.
Everything else is scanned: cache, history, review and pending-replacement files,
the config file (a template was saved), every log record at DEBUG (gltui's,
python-gitlab's, urllib3's), captured stdout/stderr, screenshots taken while the
modal was open (masked) and after it closed, and the reprs of the objects that
carried the values.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from gltui.domain.tokens import TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.reviews import ReviewLog
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.secret import SecretScreen
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, read_secret, ready, refresh, settle
from tests.test_tui_actions import make_engine, open_create, select


async def test_no_issued_value_is_left_anywhere(
    sandbox: RunningSandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    config = tmp_path / "config.toml"
    config.write_text("[settings]\nexpiring_window_days = 14\n")
    base = make_engine(sandbox, tmp_path)
    engine = InventoryEngine(
        base.specs,
        cache=SnapshotCache(tmp_path / "cache"),
        history=History(tmp_path / "data"),
        reviews=ReviewLog(tmp_path / "data"),
    )
    shots: list[str] = []
    issued: list[str] = []  # each value, read from its modal as the user would read it
    app = ObservedApp(engine, clock=fixed_clock, config_path=config)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)

        # rotate: reveal and copy the value, as a user would
        await select(app, pilot, "k8s agent")
        await pilot.press("R")
        await pilot.pause()
        app.screen.query_one("#expiry", Input).value = "2027-01-15"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        shots.append(app.export_screenshot())  # masked: no value yet
        issued.append(await read_secret(pilot))
        await pilot.press("v", "c", "escape")
        await settle(pilot)

        # create a project token from a template, and save the settings as a template
        await open_create(app, pilot, TokenKind.PROJECT, "acme/website")
        app.screen.query_one("#template-id", Input).value = "saved"
        app.screen.query_one("#create-save", Button).press()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        shots.append(app.export_screenshot())
        issued.append(await read_secret(pilot))
        await pilot.press("c", "escape")
        await settle(pilot)

        # replace: a successor now, the old token later
        await select(app, pilot, "metrics")
        await pilot.press("p")
        await pilot.pause()
        await pilot.click("#confirm-go")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        issued.append(await read_secret(pilot))
        await pilot.press("v", "escape")
        await settle(pilot)

        # a review sign-off, and a refresh that rewrites snapshots and history
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("escape")
        await refresh(pilot)
        shots.append(app.export_screenshot())
        shots.append(str(app.dashboard.state.instances))
        shots.append(str(app.clipboard))

    assert len(set(issued)) == 3
    assert all(value.startswith("glpat-") for value in issued)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert "reviews.json" in names
    assert "pending-replacements.json" in names
    assert any(name.startswith("snapshot-") for name in names)
    assert any(name.startswith("history-") for name in names)
    assert "templates" in config.read_text()
    out, err = capsys.readouterr()
    haystacks = {str(p): p.read_text(errors="replace") for p in written}
    haystacks["log records"] = caplog.text
    haystacks["stdout"] = out
    haystacks["stderr"] = err
    for index, shot in enumerate(shots):
        haystacks[f"screen {index}"] = shot
    for secret in issued:
        for where, text in haystacks.items():
            assert secret not in text, f"a token value leaked into {where}"
