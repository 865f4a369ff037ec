"""Every screen and modal, pixel for pixel (SVG), over fixed data and a fixed clock.

Each is taken at 80x24 (the smallest terminal gltui supports) and 120x36. The data
are the fixed tokens below, walked by a fake walker (no server, no random port in
any URL), so the pictures are the same on every run and machine. Before each
picture the test waits for what it shows (the refresh's ``RefreshFinished``, the
workers), never for time to pass.

Regenerate after a deliberate change with ``pytest tests/test_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from gltui.actions.service import Issued
from gltui.adapters.log import RequestLog, RequestRecord
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.screens.secret import SecretScreen
from gltui.tui.screens.welcome import FirstRunApp
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready, settle

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


Walker = Callable[[InstanceSpec, datetime, Callable[[Progress], None] | None], InstanceInventory]
CARDS = {"active": "1", "expiring": "2", "revoked": "3", "expired": "4"}
SIZES = {"80x24": (80, 24), "120x36": (120, 36)}
sizes = pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / Path(__file__).stem
FAKE_VALUE = "glpat-SnapshotFakeValue0042"
"""A made-up token value for the secret modal: it must never reach a picture."""
TOKEN_VALUE = re.compile(r"glpat-[A-Za-z0-9_-]{8,}")


def specs() -> list[InstanceSpec]:
    return [InstanceSpec(name, f"https://{name}.example", Secret("unused")) for name in TOKENS]


def app(walk: Walker = walker, **options: Any) -> ObservedApp:
    return ObservedApp(InventoryEngine(specs(), walker=walk), clock=fixed_clock, **options)


async def loaded(pilot: Pilot[None]) -> None:
    """Both instances walked and shown (and the dashboard's workers done)."""
    await ready(pilot)


def then(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Once loaded, press ``keys`` and wait for what they start."""

    async def run(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run


def test_dashboard(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(120, 36), run_before=loaded)


def test_dashboard_at_80_by_24(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(80, 24), run_before=loaded)


def test_expiring_card_and_details(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(120, 36), run_before=then("2", "down", "enter"))


def test_help(snap_compare: SnapCompare) -> None:
    assert snap_compare(app(), terminal_size=(120, 40), run_before=then("question_mark"))


@sizes
@pytest.mark.parametrize("card", list(CARDS.values()), ids=list(CARDS))
def test_card(snap_compare: SnapCompare, size: tuple[int, int], card: str) -> None:
    """The table filtered to each of GitLab's four cards (the chosen card highlighted)."""
    assert snap_compare(app(), terminal_size=size, run_before=then(card))


@sizes
def test_details(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=then("enter"))


@sizes
def test_help_at(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=then("question_mark"))


@sizes
def test_review(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The weekly review (a first one: no earlier sign-off to compare with)."""
    assert snap_compare(app(), terminal_size=size, run_before=then("v"))


@sizes
def test_revoke_one(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(
        app(), terminal_size=size, run_before=then("slash", *"grafana", "enter", "d")
    )


@sizes
def test_revoke_marked_with_the_word_typed(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """Two marked tokens: the word typed, so Revoke is enabled."""
    keys = ("space", "down", "space", "d", *"revoke")
    assert snap_compare(app(), terminal_size=size, run_before=then(*keys))


@sizes
def test_rotate(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    keys = ("slash", *"ci deploy", "enter", "R")
    assert snap_compare(app(), terminal_size=size, run_before=then(*keys))


@sizes
def test_replace_asks_first(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """p on a project token: the confirmation before a successor is created."""
    keys = ("slash", *"jira commits", "enter", "p")
    assert snap_compare(app(), terminal_size=size, run_before=then(*keys))


@sizes
def test_create(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=then("c"))


@sizes
def test_secret_is_masked(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The modal that shows a new token's value, as it opens: masked. (Pushed directly:
    no server issues values here.) The screen holds no value; the stored pictures are
    scanned by ``test_no_snapshot_holds_a_token_value``."""

    async def secret(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        issued = Issued(TOKENS["gitlab.com"][3], Secret(FAKE_VALUE))
        await pilot.app.push_screen(SecretScreen(issued))
        await settle(pilot)
        shown = pilot.app.export_screenshot()
        assert "glpat-••••" in shown
        assert FAKE_VALUE not in shown

    assert snap_compare(app(), terminal_size=size, run_before=secret)


@pytest.fixture
def config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration file named relatively (the screens show its path: the same on
    every machine this way)."""
    monkeypatch.chdir(tmp_path)
    path = Path("config.toml")
    path.write_text(
        "[[instances]]\nname = 'gitlab.com'\nurl = 'https://gitlab.com.example'\n"
        "token_env = 'GITLAB_COM_TOKEN'\n\n"
        "[[instances]]\nname = 'self-managed'\nurl = 'https://self-managed.example'\n"
        "token_command = 'pass show gitlab/self-managed'\nkinds = ['personal', 'deploy']\n"
    )
    return path


@sizes
def test_instances(snap_compare: SnapCompare, size: tuple[int, int], config_here: Path) -> None:
    assert snap_compare(app(config_path=config_here), terminal_size=size, run_before=then("e"))


@sizes
def test_add_instance(snap_compare: SnapCompare, size: tuple[int, int], config_here: Path) -> None:
    assert snap_compare(app(config_path=config_here), terminal_size=size, run_before=then("e", "a"))


WELCOME_PATH = Path("/home/mara/.config/gltui/config.toml")
"""Shown on the welcome screen, never written (nothing is saved unless asked)."""


async def first_run(pilot: Pilot[Any]) -> None:
    await settle(pilot)


@sizes
def test_welcome(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(
        FirstRunApp(WELCOME_PATH, fixed_clock), terminal_size=size, run_before=first_run
    )


@sizes
def test_welcome_add_instance(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def add(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(FirstRunApp(WELCOME_PATH, fixed_clock), terminal_size=size, run_before=add)


AT = NOW + timedelta(seconds=5)
LOGGED = [
    RequestRecord("gitlab.com", "GET", "/api/v4/user", 200, 0.042, at=AT),
    RequestRecord("gitlab.com", "GET", "/api/v4/personal_access_tokens", 200, 0.131, at=AT),
    RequestRecord("self-managed", "GET", "/api/v4/groups", 503, 1.5, 2, "gave up", at=AT),
    RequestRecord("self-managed", "GET", "/api/v4/metadata", None, 10.0, note="timeout", at=AT),
    RequestRecord("gitlab.com", "DELETE", "/api/v4/personal_access_tokens/7", 204, 0.02, at=AT),
]


@sizes
def test_api_log(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    log = RequestLog()
    for record in LOGGED:
        log.add(record)
    assert snap_compare(app(request_log=log), terminal_size=size, run_before=then("at"))


@sizes
def test_yank_menu(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=then("y"))


@sizes
def test_identify_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=then("exclamation_mark"))


def failing_walker(
    spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
) -> InstanceInventory:
    if spec.name == "self-managed":
        failure = Failure(FailureKind.UNREACHABLE, "cannot connect to self-managed.example")
        return InstanceInventory(name=spec.name, url=spec.url, fetched_at=now, failure=failure)
    return walker(spec, now, on_progress)


@sizes
def test_a_failed_instance(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app(failing_walker), terminal_size=size, run_before=loaded)


@sizes
def test_read_only(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """--readonly: no mutating action in the footer, and the status line says so."""
    assert snap_compare(app(readonly=True), terminal_size=size, run_before=loaded)


def test_no_snapshot_holds_a_token_value() -> None:
    """Whatever was regenerated, no picture holds a token value (masked ones are dots)."""
    pictures = sorted(SNAPSHOTS.glob("*.svg"))
    assert len(pictures) >= 20
    for picture in pictures:
        text = picture.read_text()
        found = TOKEN_VALUE.findall(text)
        assert found == [], f"{picture.name} shows {found}"
        assert FAKE_VALUE.removeprefix("glpat-") not in text, picture.name
