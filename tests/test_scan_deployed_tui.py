"""The dashboard's ``D`` against the sandbox: it asks first (saying it touches last-used
times), scans, lists what it found, and the details pane then says where a token is
stored; the rotated-away ``renovate`` shows as replaced. No value on screen or on disk."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from gltui.domain.secret import Secret
from gltui.inventory.deployed import scan_instance
from gltui.inventory.deployed_store import DeployedStore
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.confirm import ConfirmScreen
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_scan_deployed import assert_no_value_in, assert_no_value_in_files, values_of
from tests.test_tui_actions import make_engine


def lines_of(app: ObservedApp) -> dict[str, list[str]]:
    screen = app.screen
    assert isinstance(screen, DetailsScreen)
    found: dict[str, list[str]] = {}
    for label, value in screen._lines:
        found.setdefault(label, []).append(value)
    return found


async def test_scan_then_the_details_say_where(sandbox: RunningSandbox, tmp_path: Path) -> None:
    values = values_of(sandbox)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 45)) as pilot:
        await ready(pilot)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "updates that token's last-used time" in body
        assert (tmp_path / "data" / "deployed.json").exists() is False  # nothing before "go"
        await pilot.press("enter")
        await settle(pilot)
        found = lines_of(app)["work"]
        assert any("RENOVATE_TOKEN of acme/backend/worker (scope *): token #" in f for f in found)
        assert any("DEPLOY_BOT_TOKEN of acme/website (scope *): hidden" in f for f in found)
        assert_no_value_in(values, app.export_screenshot())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("slash", *"renovate", "enter")
        await pilot.pause()
        table = app.dashboard.query_one(TokenTable)
        states = {row.token.id: row.cells[6] for row in table.rows if row.token.name == "renovate"}
        assert sorted(states.values()) == ["active", "replaced"]  # the rotated-away one
        working = next(i for i, cell in states.items() if cell == "active")
        table.cursor = next(i for i, row in enumerate(table.rows) if row.token.id == working)
        await pilot.press("enter")
        await pilot.pause()
        assert lines_of(app)["Deployed"] == [
            "stored in CI variable RENOVATE_TOKEN of acme/backend/worker (scope *), seen 2026-11-21"
        ]
        await pilot.press("escape")
        await pilot.pause()
        old = next(i for i, cell in states.items() if cell == "replaced")
        table.cursor = next(i for i, row in enumerate(table.rows) if row.token.id == old)
        await pilot.press("enter")
        await pilot.pause()
        said = lines_of(app)["Replaced by"][0]
        assert said.startswith(f'#{working} "renovate", working (')
        assert "Deployed" not in lines_of(app)
        assert_no_value_in(values, app.export_screenshot())
        assert not [n for n in app.seen.notifications if any(v in str(n.message) for v in values)]
    assert_no_value_in_files(values, tmp_path)


async def test_a_restart_remembers_the_places(sandbox: RunningSandbox, tmp_path: Path) -> None:
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    scan = scan_instance(spec, NOW)
    DeployedStore(tmp_path / "data").replace_instance("work", NOW, scan.deployments())
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 45)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"queue admin", "enter", "enter")
        await pilot.pause()
        assert lines_of(app)["Deployed"] == [
            "stored in CI variable QUEUE_ADMIN_TOKEN of acme/backend/worker (scope *), "
            "seen 2026-11-21"
        ]
