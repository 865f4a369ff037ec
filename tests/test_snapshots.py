"""A few screens, pixel for pixel (SVG), over fixed data and a fixed clock.

Regenerate after a deliberate change with ``pytest tests/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from textual.pilot import Pilot

from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.app import GltuiApp
from gltui.tui.screens.dashboard import DashboardScreen
from tests.conftest import NOW, fixed_clock

SnapCompare = Callable[..., bool]
TODAY = NOW.date()


def token(
    token_id: int,
    name: str,
    expires_in: int | None,
    *,
    instance: str = "gitlab.com",
    kind: TokenKind = TokenKind.PERSONAL,
    scopes: tuple[str, ...] = ("read_api",),
    revoked: bool = False,
    path: str | None = None,
) -> Token:
    resource = None
    if path is not None:
        resource = Resource(ResourceType.PROJECT, token_id, path)
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=scopes,
        revoked=revoked,
        expires_at=None if expires_in is None else TODAY + timedelta(days=expires_in),
        owner=Owner(7, "mara"),
        resource=resource,
        access_level=30 if resource else None,
        created_at=NOW - timedelta(days=90 + token_id),
        last_used_at=None if token_id % 3 == 0 else NOW - timedelta(days=token_id),
        last_used_ips=("10.0.4.17",),
        description="Fixed data for snapshots",
    )


TOKENS = {
    "gitlab.com": [
        token(1, "jira commits", 3, kind=TokenKind.PROJECT, path="acme/api"),
        token(2, "ci deploy", 12, scopes=("api",)),
        token(3, "[bold red]not bold[/]", 9, scopes=("write_repository",)),
        token(4, "grafana", 40),
        token(5, "old laptop", -2, scopes=("api",)),
        token(6, "leaked in CI log", 80, scopes=("api",), revoked=True),
        token(7, "no expiry", None),
    ],
    "self-managed": [
        token(11, "backup script", 5, instance="self-managed", scopes=("read_api", "sudo")),
        token(
            12, "helm charts", 14, instance="self-managed", kind=TokenKind.DEPLOY, path="acme/web"
        ),
        token(13, "renovate", 15, instance="self-managed", scopes=("api",)),
        token(
            14, "expired bot", 0, instance="self-managed", kind=TokenKind.PROJECT, path="acme/web"
        ),
    ],
}


def walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    admin = spec.name == "self-managed"
    return InstanceInventory(
        name=spec.name,
        url=spec.url,
        fetched_at=now,
        identity=Identity(
            1, "root" if admin else "mara", admin, "18.6.2-ee" if not admin else "16.11.10-ee"
        ),
        tokens=tuple(TOKENS[spec.name]),
        requests=12,
    )


def app() -> GltuiApp:
    specs = [InstanceSpec(name, f"https://{name}.example", Secret("unused")) for name in TOKENS]
    return GltuiApp(InventoryEngine(specs, walker=walker), clock=fixed_clock)


async def loaded(pilot: Pilot[None]) -> None:
    screen = pilot.app.screen
    for _ in range(200):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if (
            isinstance(screen, DashboardScreen)
            and len(screen.instances) == 2
            and not screen.refreshing
        ):
            break
    await pilot.pause()


def test_dashboard(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(120, 36), run_before=loaded)


def test_dashboard_at_80_by_24(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(80, 24), run_before=loaded)


def test_expiring_card_and_details(snap_compare: SnapCompare) -> None:
    async def details(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("2", "down", "enter")
        await pilot.pause(0.1)

    assert snap_compare(app(), terminal_size=(120, 36), run_before=details)


def test_help(snap_compare: SnapCompare) -> None:
    async def help_screen(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(app(), terminal_size=(120, 40), run_before=help_screen)
