"""Triggers, agent tokens, runners and service-account tokens on the real dashboard,
driven with Pilot: over fixed data (a fake walker, for exact texts), and over the
sandbox through the real walk (python-gitlab over HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gltui.domain.secret import Secret
from gltui.domain.states import StateCounts, count_states
from gltui.domain.tokens import Owner, Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.table_model import StateFilter
from gltui.tui.widgets.cards import StateCard
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.kinds_data import INSTANCE, KIND_TOKENS, KINDS_INSTANCE

LAPTOP = Token(
    INSTANCE, TokenKind.PERSONAL, 1, "laptop", ("read_api",), False, None, owner=Owner(7, "mara")
)
TOKENS = (LAPTOP, *KIND_TOKENS)


def walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    return InstanceInventory(
        spec.name, spec.url, now, identity=KINDS_INSTANCE.identity, tokens=TOKENS
    )


def app(**options: Any) -> ObservedApp:
    spec = InstanceSpec(INSTANCE, f"https://{INSTANCE}", Secret("unused"))
    return ObservedApp(InventoryEngine([spec], walker=walker), clock=fixed_clock, **options)


def table(running: ObservedApp) -> TokenTable:
    return running.screen.query_one(TokenTable)


def shown(running: ObservedApp) -> set[str]:
    return {row.token.name for row in table(running).rows}


def cards(running: ObservedApp) -> StateCounts:
    counts = {card.state: card.count for card in running.screen.query(StateCard)}
    return StateCounts(
        active=counts[StateFilter.ACTIVE],
        expiring=counts[StateFilter.EXPIRING],
        revoked=counts[StateFilter.REVOKED],
        expired=counts[StateFilter.EXPIRED],
    )


def status(running: ObservedApp) -> str:
    return str(running.screen.query_one("#view-status").render())


async def test_every_kind_is_in_the_table_and_the_cards() -> None:
    running = app()
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert shown(running) == {token.name for token in TOKENS}
        assert cards(running) == count_states(TOKENS, NOW, 14)
        assert cards(running) == StateCounts(active=8, expiring=2, revoked=0, expired=1)
        for y in range(len(table(running).rows)):
            assert len(table(running).render_line(y).text) <= 80


async def test_t_cycles_through_the_kinds_present() -> None:
    running = app()
    present = [TokenKind.PERSONAL, *dict.fromkeys(t.kind for t in KIND_TOKENS)]
    present.sort(key=list(TokenKind).index)  # the order of TokenKind, as the filter goes
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        for kind in present:
            await pilot.press("t")
            await settle(pilot)
            assert {row.token.kind for row in table(running).rows} == {kind}
            assert f"kind: {kind.value}" in status(running)
        await pilot.press("t")
        await settle(pilot)
        assert shown(running) == {token.name for token in TOKENS}  # back to every kind
        assert "kind:" not in status(running)


async def test_the_filter_finds_a_kind_by_label_and_by_name() -> None:
    running = app()
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"cluster_agent", "enter")
        assert shown(running) == {"primary"}
        await pilot.press("escape", "slash", *"svc acct", "enter")
        assert shown(running) == {"deploy", "smoke"}


async def test_wide_tables_show_the_short_kind_labels() -> None:
    running = app()
    async with running.run_test(size=(160, 36)) as pilot:
        await ready(pilot)
        drawn = {
            row.token.name: table(running).render_line(y).text
            for y, row in enumerate(table(running).rows)
        }
        assert " agent " in drawn["primary"]
        assert " svc acct " in drawn["smoke"]
        assert " runner " in drawn["shared-runner-1"]
        assert "instance runner" in drawn["shared-runner-1"]  # no place, no creator: its type
        assert " trigger " in drawn["old hook"]


async def details_of(name: str) -> dict[str, str]:
    running = app()
    async with running.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *name, "enter", "enter")
        await settle(pilot)
        screen = running.screen
        assert isinstance(screen, DetailsScreen)
        return dict(screen._lines)


async def test_details_of_an_agent_token() -> None:
    lines = await details_of("primary")
    assert lines["Kind"] == "cluster_agent"
    assert lines["Agent"] == "production (#4)"
    assert lines["Status"] == "active"
    assert lines["Created by"] == "mara"
    assert lines["Belongs to"] == "acme/web"
    assert lines["Expires"] == "never (agent tokens do not expire)"
    assert lines["GitLab page"] == "https://ci.example/acme/web/-/clusters"


async def test_details_of_a_runner() -> None:
    lines = await details_of("website docker")
    assert lines["Runner type"] == "project"
    assert lines["Status"] == "offline, paused"
    assert lines["Created by"] == "mara"
    assert lines["Expires"].startswith("2026-12-05 23:00 UTC (in 14 d)")
    assert lines["Last contact"].startswith("2026-11-21 09:00 UTC")
    assert lines["Runner id"] == "52"
    assert lines["Scopes"].startswith("none: it picks up CI jobs")


async def test_details_of_a_trigger_and_of_a_service_account_token() -> None:
    lines = await details_of("nightly docs")
    assert lines["Owner"] == "root"
    assert lines["Belongs to"] == "acme/web"
    assert "others see 4 characters" in lines["Value"]
    assert lines["GitLab page"].endswith("/acme/web/-/settings/ci_cd#js-pipeline-triggers")
    lines = await details_of("smoke")
    assert lines["Service account"] == "web-smoke-tests"
    assert lines["Belongs to"] == "acme/web"
    assert lines["Kind"] == "service_account"


async def test_the_sandbox_s_kinds_reach_the_dashboard(sandbox: RunningSandbox) -> None:
    spec = InstanceSpec("sandbox", sandbox.url, Secret(sandbox.credentials.maintainer))
    running = ObservedApp(InventoryEngine([spec]), clock=fixed_clock)
    async with running.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        kinds = {row.token.kind for row in table(running).rows}
        assert {TokenKind.TRIGGER, TokenKind.CLUSTER_AGENT, TokenKind.RUNNER} <= kinds
        assert TokenKind.SERVICE_ACCOUNT in kinds
        rows = [row.token for row in table(running).rows]
        assert cards(running) == count_states(rows, NOW, 14)
        await pilot.press("t")
        await settle(pilot)
        assert {row.token.kind for row in table(running).rows} == {TokenKind.PERSONAL}
