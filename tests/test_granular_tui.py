"""Fine-grained tokens on the real dashboard, driven with Pilot over fixed data (a fake
walker: the pictures and texts do not depend on the sandbox's seed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gltui.actions.service import Issued
from gltui.domain.secret import Secret
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.screens.help import HelpScreen
from gltui.tui.screens.secret import SecretScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.granular_data import FINE_GRAINED, RELEASE, TOKENS


def walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    return InstanceInventory(
        name=spec.name,
        url=spec.url,
        fetched_at=now,
        identity=Identity(7, "mara", False, "19.6.0-ee"),
        tokens=TOKENS,
    )


def app() -> ObservedApp:
    spec = InstanceSpec("gitlab.com", "https://gitlab.com", Secret("unused"))
    return ObservedApp(InventoryEngine([spec], walker=walker), clock=fixed_clock)


def table(running: ObservedApp) -> TokenTable:
    return running.screen.query_one(TokenTable)


def drawn(running: ObservedApp) -> dict[str, str]:
    """Each row's line as the table draws it, by token name."""
    shown = table(running)
    return {row.token.name: shown.render_line(y).text for y, row in enumerate(shown.rows)}


async def test_the_mark_shows_at_80_by_24() -> None:
    running = app()
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        lines = drawn(running)
        assert set(lines) == {token.name for token in TOKENS}
        for name, line in lines.items():
            assert ("✦ " + name in line) is (name in FINE_GRAINED), line
            assert len(line) <= 80


async def test_wide_tables_show_boundaries_in_the_scopes_column() -> None:
    running = app()
    async with running.run_test(size=(160, 36)) as pilot:
        await ready(pilot)
        lines = drawn(running)
        assert "all_memberships(rea…" in lines["ci reader"]  # 20 cells, as every scope
        assert "! project #6(read_j…" in lines["release bot"]  # create_release writes
        assert "granular" not in "".join(lines.values())


async def test_slash_filters_fine_grained_and_legacy_tokens() -> None:
    running = app()
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"fine-grained", "enter")
        assert {row.token.name for row in table(running).rows} == FINE_GRAINED
        await pilot.press("escape")
        assert len(table(running).rows) == len(TOKENS)
        await pilot.press("slash", *"legacy", "enter")
        assert {row.token.name for row in table(running).rows} == {
            t.name for t in TOKENS if t.name not in FINE_GRAINED
        }
        await pilot.press("escape", "slash", *"read_pipeline", "enter")
        assert [row.token.name for row in table(running).rows] == ["ci reader"]


async def test_details_list_boundaries_with_the_paths_the_inventory_knows() -> None:
    running = app()
    async with running.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"ci reader", "enter", "enter")
        await settle(pilot)
        assert isinstance(running.screen, DetailsScreen)
        text = str(running.screen.query_one("#details-text").render())
        assert "personal, fine-grained" in text
        assert "Boundary 1  all_memberships (every group and project" in text
        assert "Boundary 2  project acme/api (#6): read_deploy_token" in text  # a token's path
        assert "Boundary 3  group #12: read_resource_access_token" in text  # none known
        assert "granular" not in text


async def test_help_explains_the_mark() -> None:
    running = app()
    async with running.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(running.screen, HelpScreen)
        text = str(running.screen.query_one("#help-text").render())
        assert "✦ before a name: a fine-grained token" in text


async def test_a_new_fine_grained_token_is_announced_with_its_boundaries() -> None:
    running = app()
    async with running.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await running.push_screen(SecretScreen(Issued(RELEASE, Secret("glpat-NotShownHere0001"))))
        await settle(pilot)
        title = str(running.screen.query_one("#secret-title").render())
        assert "fine-grained: project #6(read_job,+1))" in title
        assert "granular" not in title
