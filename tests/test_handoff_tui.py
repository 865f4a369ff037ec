"""The hand-off in the dashboard, driven with Pilot against the sandbox: remembered
targets, a target added in the modal (and remembered), a failure that keeps the old
token and shows the value once, and a target that stops the rotation before it starts."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Input, SelectionList, Static

from gltui.domain.states import TokenState
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.handoff import (
    HandoffResultScreen,
    ReplaceHandoffScreen,
    RotateHandoffScreen,
)
from gltui.tui.screens.secret import SecretScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, read_secret, ready, seen, settle
from tests.handoff_helpers import store_into, variable
from tests.test_tui_actions import all_tokens, make_engine, select, text_of

REMEMBERED = """\
[[handoffs]]
instance = "work"
token = "personal:mara:renovate"

[[handoffs.targets]]
ci_variable = { project = "acme/backend/worker", key = "RENOVATE_TOKEN" }
"""


def config_file(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def listed(app: ObservedApp) -> list[str]:
    targets = app.screen.query_one("#handoff-targets", SelectionList)
    return [str(targets.get_option_at_index(i).prompt) for i in range(targets.option_count)]


async def test_rotate_hands_the_value_to_the_remembered_target_and_shows_no_value(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = config_file(tmp_path, REMEMBERED)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, config_path=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        old = await select(app, pilot, "renovate")
        await pilot.press("R")
        await settle(pilot)  # the remembered targets load in a worker
        assert isinstance(app.screen, RotateHandoffScreen)
        assert "stops working now" in text_of(app, "#rotate-warning")
        assert listed(app) == [
            "CI variable RENOVATE_TOKEN of project acme/backend/worker (scope *)"
        ]
        assert "never GitLab's one week" in text_of(app, "#rotate-note")
        await pilot.click("#rotate-go")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoffResultScreen)  # every target holds it: no value shown
        assert text_of(app, "#handoff-summary").startswith("rotated: the successor #")
        lines = text_of(app, "#handoff-lines")
        assert "✓ CI variable RENOVATE_TOKEN of project acme/backend/worker (scope *)" in lines
        assert "✓ the new token: signs in" in lines
        value = variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
        assert value not in app.export_screenshot()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await all_tokens(pilot)
        table = app.dashboard.query_one(TokenTable)
        states = {r.token.id: r.state for r in table.rows if r.token.name == "renovate"}
        assert states[old.id] is TokenState.REVOKED
        assert TokenState.ACTIVE in states.values()


async def test_a_target_added_in_the_modal_is_written_and_remembered(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = config_file(tmp_path)
    stored = tmp_path / "stored"
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, config_path=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        await pilot.press("R")
        await settle(pilot)
        add = app.screen.query_one("#handoff-add", Input)
        add.focus()
        add.value = "ci:acme"  # a mistake first: said, nothing added
        await pilot.press("enter")
        assert "write ci:PATH:KEY" in text_of(app, "#rotate-error")
        add.value = "command:" + " ".join(f"'{word}'" for word in store_into(stored))
        await pilot.press("enter")
        assert listed(app) == [f"command sh -c 'cat > {stored}' (new)"]
        await pilot.click("#rotate-go")
        await settle(pilot)
        assert isinstance(app.screen, HandoffResultScreen)
        assert "• command sh -c" in text_of(app, "#handoff-lines")  # written, not verifiable
    assert stored.read_text().startswith("glpat-")
    saved = tomllib.loads(config.read_text())
    (handoff,) = saved["handoffs"]
    assert handoff["token"] == "personal:mara:k8s agent"
    assert handoff["targets"] == [{"command": store_into(stored)}]
    assert stored.read_text().strip() not in config.read_text()


async def test_replace_with_a_failing_target_keeps_the_old_token_and_shows_the_value_once(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = config_file(tmp_path)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, config_path=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "queue admin")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReplaceHandoffScreen)
        app.screen.query_one("#handoff-remember").value = False  # type: ignore[attr-defined]
        add = app.screen.query_one("#handoff-add", Input)
        add.focus()
        add.value = "ci:acme/backend/worker:QUEUE_ADMIN_TOKEN"
        await pilot.press("enter")
        add.value = "command:sh -c 'cat > /dev/null; exit 7'"
        await pilot.press("enter")
        await pilot.click("#confirm-go")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)  # not every target holds it
        note = text_of(app, "#secret-warning")
        assert "still works and is kept" in note
        assert "✓ CI variable QUEUE_ADMIN_TOKEN" in note
        assert "✗ command sh -c 'cat > /dev/null; exit 7': command 'sh' exited with code 7" in note
        secret = await read_secret(pilot)
        assert secret == variable(sandbox, "acme/backend/worker", "QUEUE_ADMIN_TOKEN")["value"]
        await pilot.press("v", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        queue = await all_tokens(pilot, "queue admin")
        assert len(queue) == 2
        assert not any(t.revoked for t in queue)
        assert "1 replacement pending" in str(
            app.dashboard.query_one("#view-status", Static).render()
        )
    assert "handoffs" not in config.read_text()  # the box was unticked


async def test_a_target_that_cannot_take_the_value_keeps_the_modal_open(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    missing = REMEMBERED.replace("RENOVATE_TOKEN", "NOT_THERE")
    config = config_file(tmp_path, missing)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, config_path=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        old = await select(app, pilot, "renovate")
        await pilot.press("R")
        await settle(pilot)
        await pilot.click("#rotate-go")
        await settle(pilot)
        assert isinstance(app.screen, RotateHandoffScreen)  # still here, nothing changed
        error = text_of(app, "#rotate-error")
        assert error.startswith("nothing changed: 1 of 1 targets cannot take the new value")
        assert "✗ CI variable NOT_THERE" in error
        app.screen.query_one("#handoff-targets", SelectionList).deselect_all()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        renovate = {t.id: t for t in await all_tokens(pilot, "renovate")}
        assert not renovate[old.id].revoked


async def test_gltuis_own_token_is_not_handed_off(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        with sandbox.store.lock:
            own = sandbox.store.find_by_secret(sandbox.credentials.maintainer)
        assert own is not None
        await pilot.press("slash", *own.name, "enter")
        table = app.dashboard.query_one(TokenTable)
        table.cursor = next(i for i, r in enumerate(table.rows) if r.token.id == own.id)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert seen(pilot).said("does not hand off the token it signs in with", "warning")
