"""The dashboard's write side for the kinds of issue 15, driven with Pilot against the
sandbox: a runner's token is reset (never revoked) and its new value shown once, a
service account's token rotates with gltui's expiry prefilled, and the create pane makes
a token for a group's service account chosen in its Account row.

The tokens are handed to the dashboard's write controller as the table hands over the
selected row (the listing of these kinds is the read side's, tested on its own).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Static

from gltui.actions.offers import RESET_NOTE
from gltui.adapters.parse import parse_day, parse_timestamp
from gltui.config.model import DEFAULT_ROTATION_DAYS
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.sandbox.server import RunningSandbox
from gltui.tui.app import GltuiApp
from gltui.tui.screens.create import CreateScreen
from gltui.tui.screens.create_account import AccountPicker
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.handoff import RotateHandoffScreen
from gltui.tui.screens.rotate import RotateScreen
from gltui.tui.screens.secret import SecretScreen
from tests.conftest import TODAY, SandboxFactory, client, fixed_clock
from tests.driving import ObservedApp, read_secret, ready, seen, settle
from tests.test_tui_actions import choose_target, make_engine, text_of


def website_runner(sandbox: RunningSandbox) -> Token:
    gl = client(sandbox, "maintainer")
    found = gl.http_list("/runners", get_all=True)
    assert isinstance(found, list)
    row = next(r for r in found if r["description"] == "website docker")
    return Token("work", TokenKind.RUNNER, row["id"], "website docker", (), False, None)


def acme_release(sandbox: RunningSandbox) -> Token:
    gl = client(sandbox, "admin")
    acme = gl.groups.get("acme")
    (bot,) = acme.service_accounts.list(get_all=True)
    listed = gl.http_list("/personal_access_tokens", user_id=bot.id, get_all=True)
    assert isinstance(listed, list)
    row = next(t for t in listed if t["name"] == "release")
    return Token(
        "work",
        TokenKind.SERVICE_ACCOUNT,
        row["id"],
        "release",
        ("api",),
        False,
        parse_day(row["expires_at"]),
        created_at=parse_timestamp(row["created_at"]),
        owner=Owner(bot.id, bot.username),
        resource=Resource(ResourceType.GROUP, acme.id, "acme"),
    )


def shown(widget: AccountPicker) -> bool:
    return bool(widget.display)


def dashboard(app: GltuiApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_a_runner_is_reset_and_its_value_shown_once(
    sandbox: RunningSandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = website_runner(sandbox)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        dashboard(app).writes.revoke([runner])  # d on a runner
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)  # no revoke modal at all
        assert seen(pilot).said("revoke is not available for runners", "warning")
        assert seen(pilot).said("Reset its token instead (R)")
        dashboard(app).writes.rotate([runner])  # R on a runner
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RotateScreen)
        assert text_of(app, "#rotate-title").startswith("Reset the authentication token of")
        assert "config.toml" in text_of(app, "#rotate-warning")
        assert not screen.query_one("#expiry", Input).display  # GitLab sets the expiry
        assert "nothing to choose" in text_of(app, "#rotate-note")
        assert str(screen.query_one("#rotate-go", Button).label) == "Reset"
        assert app.focused is screen.query_one("#rotate-go")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        assert RESET_NOTE in text_of(app, "#secret-warning")
        masked = text_of(app, "#secret-value")
        assert "glrt-••••" in masked
        secret = await read_secret(pilot)
        assert secret.startswith("glrt-")
        assert secret not in masked
        screenshot = app.export_screenshot()
        await pilot.press("c", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        after = app.export_screenshot()
    out, err = capsys.readouterr()
    written = {str(p): p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()}
    haystacks = {"log": caplog.text, "out": out, "err": err, "modal": screenshot, "after": after}
    for where, text in {**written, **haystacks}.items():
        assert secret not in text, f"the reset value leaked into {where}"


async def test_a_reset_refused_is_said_in_the_modal(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    runner = website_runner(sandbox)
    app = ObservedApp(make_engine(sandbox, tmp_path, "developer"), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        dashboard(app).writes.rotate([runner])
        await pilot.pause()
        assert isinstance(app.screen, RotateScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RotateScreen)  # stays open, saying why
        assert "needs the Maintainer role in one of its projects" in text_of(app, "#rotate-error")


async def test_a_service_accounts_token_rotates_with_gltuis_expiry(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    token = acme_release(sandbox)
    expected = TODAY + timedelta(days=DEFAULT_ROTATION_DAYS)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        dashboard(app).writes.rotate([token])
        await settle(pilot)  # the hand-off modal reads its remembered targets in a worker
        screen = app.screen
        assert isinstance(screen, RotateHandoffScreen)
        assert screen.query_one("#expiry", Input).value == ""
        assert "never GitLab's one week" in text_of(app, "#rotate-note")
        screen.query_one("#expiry", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)  # no target: the value is shown once
        assert f"expires {expected}" in text_of(app, "#secret-title")
        assert (await read_secret(pilot)).startswith("glpat-")
    assert token.owner is not None
    listed = client(sandbox, "admin").personal_access_tokens.list(
        user_id=token.owner.user_id, get_all=True
    )
    successor = next(t for t in listed if t.name == "release" and not t.revoked)
    assert successor.expires_at == expected.isoformat()


async def test_before_17_9_the_rotate_modal_warns_of_gitlabs_week(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    older = make_sandbox(version="17.5.0")
    token = acme_release(older)
    app = ObservedApp(make_engine(older, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        dashboard(app).writes.rotate([token])
        await settle(pilot)
        assert isinstance(app.screen, RotateHandoffScreen)
        note = text_of(app, "#rotate-note")
        assert "takes no expiry for a service account's rotation" in note
        assert "expires a week from today" in note


async def test_the_create_pane_makes_a_token_for_a_groups_service_account(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        screen.query_one("#template", Select).value = "jira-commits"
        await pilot.pause()
        picker = screen.query_one(AccountPicker)
        assert not shown(picker)  # only for a service account's token
        screen.query_one("#kind", Select).value = TokenKind.SERVICE_ACCOUNT
        await pilot.pause()
        assert shown(picker)
        assert screen.query_one("#create-go", Button).disabled  # no group, no account yet
        await choose_target(app, pilot, "acme")
        await settle(pilot)
        assert picker.account is not None  # acme has one service account: chosen already
        assert picker.account.username is not None
        assert picker.account.username.startswith("service_account_group_")
        preview = text_of(app, "#create-preview")
        assert f"/service_accounts/{picker.account.user_id}/personal_access_tokens" in preview
        assert '"read_api"' in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        assert "New service_account token" in text_of(app, "#secret-title")
        assert (await read_secret(pilot)).startswith("glpat-")


async def test_the_account_row_says_why_it_has_nothing(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        screen.query_one("#template", Select).value = "jira-commits"
        await pilot.pause()
        screen.query_one("#kind", Select).value = TokenKind.SERVICE_ACCOUNT
        await pilot.pause()
        await choose_target(app, pilot, "acme/backend/api")  # Mara maintains it; no accounts
        await settle(pilot)
        picker = screen.query_one(AccountPicker)
        assert picker.account is None
        said = str(screen.query_one("#account-said", Static).render())
        assert said.startswith("no service accounts there")
        assert screen.query_one("#create-go", Button).disabled
