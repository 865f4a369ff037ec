"""Revoke, rotate, replace and create, driven with Pilot against the sandbox."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, Select, SelectionList, Static

from gltui.domain.secret import Secret
from gltui.domain.states import TokenState
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from gltui.tui.app import GltuiApp
from gltui.tui.messages import RefreshFinished
from gltui.tui.screens.create import CreateScreen
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.screens.handoff import ReplaceHandoffScreen, RotateHandoffScreen
from gltui.tui.screens.revoke import RevokeScreen
from gltui.tui.screens.secret import SecretScreen
from gltui.tui.widgets.instances_bar import InstancesBar
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import SandboxFactory, fixed_clock
from tests.driving import ObservedApp, read_secret, ready, seen, settle


def make_engine(
    sandbox: RunningSandbox, tmp_path: Path, persona: str = "maintainer", **spec: object
) -> InventoryEngine:
    secret = Secret(getattr(sandbox.credentials, persona))
    instance = InstanceSpec("work", sandbox.url, secret, **spec)  # type: ignore[arg-type]
    return InventoryEngine(
        [instance], cache=SnapshotCache(tmp_path / "cache"), history=History(tmp_path / "data")
    )


def rows(app: GltuiApp) -> list[Token]:
    return [row.token for row in app.dashboard.query_one(TokenTable).rows]


async def all_tokens(pilot: Pilot[None], name: str | None = None) -> list[Token]:
    """What the table lists with no filter and no card chosen (of ``name`` only)."""
    app = pilot.app
    assert isinstance(app, GltuiApp)
    assert isinstance(app.screen, DashboardScreen)
    await pilot.press("escape", "0")
    status = str(app.dashboard.query_one("#view-status", Static).render())
    assert not any(f"{part}:" in status for part in ("card", "instance", "kind", "filter"))
    return [token for token in rows(app) if name is None or token.name == name]


async def everything(pilot: Pilot[None]) -> dict[str, Token]:
    return {token.name: token for token in await all_tokens(pilot)}


async def select(app: GltuiApp, pilot: Pilot[None], name: str) -> Token:
    """Filter the table to ``name`` and put the cursor on it."""
    await pilot.press("escape", "slash", *name, "enter")
    await pilot.pause()
    table = app.dashboard.query_one(TokenTable)
    assert table.current is not None
    assert table.current.token.name == name
    return table.current.token


def text_of(app: GltuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_revoke_one_token_updates_the_table_without_a_refresh(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        refreshes = seen(pilot).count(RefreshFinished)
        token = await select(app, pilot, "k8s agent")
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RevokeScreen)
        assert '"k8s agent": personal token on work, of mara' in text_of(app, "#target-0")
        assert "cannot be undone" in text_of(app, "#revoke-warning")
        assert not screen.query("#revoke-word")  # one token that is not gltui's own: no word
        assert not screen.query_one("#revoke-go", Button).disabled
        assert app.focused is screen.query_one("#revoke-cancel")  # enter would not revoke
        await pilot.click("#revoke-go")
        await settle(pilot)
        assert "✓" in text_of(app, "#target-0")
        assert "revoked" in text_of(app, "#target-0")
        await pilot.click("#revoke-cancel")  # now labelled Close
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert (await everything(pilot))["k8s agent"].revoked
        # without a refresh: none finished, none running
        assert seen(pilot).count(RefreshFinished) == refreshes
        assert "loading" not in str(app.dashboard.query_one(InstancesBar).render())
        # the snapshot agrees, so the next start does not show it as active
        await app.workers.wait_for_complete()
        cached = SnapshotCache(tmp_path / "cache").load("work")
        assert cached is not None
        assert next(t for t in cached.tokens if t.identity == token.identity).revoked


async def test_bulk_revoke_needs_the_word(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        await pilot.press("space")
        await select(app, pilot, "expires in 15 days")
        await pilot.press("space")
        assert "2 marked" in str(app.dashboard.query_one("#view-status", Static).render())
        await pilot.press("escape", "d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RevokeScreen)
        assert "Revoke 2 tokens?" in text_of(app, "#revoke-title")
        assert app.focused is screen.query_one("#revoke-word", Input)
        go = screen.query_one("#revoke-go", Button)
        assert go.disabled
        await pilot.press(*"revok")
        assert go.disabled
        await pilot.press("e")
        assert not screen.query_one("#revoke-go", Button).disabled  # mypy narrowed go.disabled
        await pilot.press("enter")
        await settle(pilot)
        assert "2 revoked" in text_of(app, "#revoke-warning")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.dashboard.query_one(TokenTable).marked  # marks cleared
        tokens = await everything(pilot)
        assert tokens["k8s agent"].revoked
        assert tokens["expires in 15 days"].revoked


async def test_gltuis_own_token_needs_the_word_and_says_why(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        with sandbox.store.lock:  # the token gltui signs in with, as the server knows it
            own = sandbox.store.find_by_secret(sandbox.credentials.maintainer)
        assert own is not None
        await pilot.press("slash", *own.name, "enter")
        table = app.dashboard.query_one(TokenTable)
        table.cursor = next(
            i
            for i, r in enumerate(table.rows)
            if r.token.id == own.id and r.token.kind is TokenKind.PERSONAL
        )
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RevokeScreen)
        assert "Revoke 1 token?" in text_of(app, "#revoke-title")
        assert screen.query_one("#revoke-go", Button).disabled  # one token, but the word
        assert app.focused is screen.query_one("#revoke-word", Input)
        assert "gltui signs in with" in str(screen.query_one(".revoke-own", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not (await everything(pilot))[own.name].revoked


async def test_a_permission_error_is_explained(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path, "readonly"), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#revoke-go")
        await settle(pilot)
        line = text_of(app, "#target-0")
        assert line.startswith("✗")
        assert "lacks the api scope" in line
        assert "0 revoked, 1 failed" in text_of(app, "#revoke-warning")
        await pilot.press("escape")
        await pilot.pause()
        assert not (await everything(pilot))["k8s agent"].revoked


async def test_read_only_offers_no_mutating_action(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, readonly=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        for key in ("d", "R", "p", "c", "C", "space"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen), key
        footer_actions = {
            binding.action for (_, binding, enabled, _) in app.active_bindings.values() if enabled
        }
        assert not footer_actions & {"revoke", "rotate", "replace", "create", "create_like"}
        assert "read-only" in str(app.dashboard.query_one("#view-status", Static).render())
    # one instance marked read-only in the config: the action says so
    app = ObservedApp(make_engine(sandbox, tmp_path, readonly=True), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert seen(pilot).said("read-only")


async def test_rotate_shows_the_new_value_once(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        old = await select(app, pilot, "k8s agent")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, RotateHandoffScreen)
        assert "stops working now" in text_of(app, "#rotate-warning")
        await pilot.press(*"2026-13-01", "enter")
        await pilot.pause()
        assert "YYYY-MM-DD" in text_of(app, "#rotate-error")  # the form keeps what was typed
        assert app.screen.query_one("#expiry", Input).value == "2026-13-01"
        app.screen.query_one("#expiry", Input).value = "2027-01-15"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SecretScreen)
        masked = text_of(app, "#secret-value")
        assert "glpat-••••" in masked
        secret = await read_secret(pilot)
        assert secret.startswith("glpat-")
        assert secret not in masked  # masked until revealed
        await pilot.press("v")
        assert text_of(app, "#secret-value") == secret
        await pilot.press("c")
        assert seen(pilot).copied == [secret]
        assert app.clipboard != secret  # Textual's in-app copy is cleared
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await all_tokens(pilot)
        table = app.dashboard.query_one(TokenTable)
        states = {row.token.id: row.state for row in table.rows if row.token.name == "k8s agent"}
        assert states[old.id] is TokenState.REVOKED
        (new_id,) = [token_id for token_id in states if token_id != old.id]
        assert states[new_id] is TokenState.ACTIVE
        assert secret not in app.export_screenshot()


async def test_rotate_refused_for_kinds_gitlab_cannot_rotate(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s pull")  # a deploy token
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert seen(pilot).said("use replace")


async def test_replace_keeps_the_old_token_until_confirmed_across_restarts(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "metrics")  # a project token
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ReplaceHandoffScreen)
        await pilot.click("#confirm-go")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        await pilot.press("escape")  # neither copied nor revealed: warned first
        await pilot.pause()
        assert isinstance(app.screen, SecretScreen)
        assert seen(pilot).said("press esc again to close anyway", "warning")
        secret = await read_secret(pilot)  # v, v: shown and hidden again
        await pilot.press("escape")  # the second esc closes, the value unsaved
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        metrics = await all_tokens(pilot, "metrics")
        assert len(metrics) == 2
        assert not any(t.revoked for t in metrics)  # the old one still works
        assert "1 replacement pending" in str(
            app.dashboard.query_one("#view-status", Static).render()
        )
    pending_file = tmp_path / "data" / "pending-replacements.json"
    assert pending_file.stat().st_mode & 0o777 == 0o600
    assert secret not in pending_file.read_text()

    # a new session (started as the command line starts it) remembers it; p on the old
    # token finishes the job
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, preload=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        assert "1 replacement pending" in str(
            app.dashboard.query_one("#view-status", Static).render()
        )
        await pilot.press("slash", *"metrics", "enter")
        table = app.dashboard.query_one(TokenTable)
        old_id = min(r.token.id for r in table.rows)
        table.cursor = next(i for i, r in enumerate(table.rows) if r.token.id == old_id)
        await pilot.press("enter")  # the details say what is waiting
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert "p on this token revokes it" in str(app.screen.query_one("#details-text").render())
        await pilot.press("escape")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, RevokeScreen)
        await pilot.click("#revoke-go")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        by_id = {token.id: token for token in await all_tokens(pilot, "metrics")}
        assert by_id[old_id].revoked
        assert "pending" not in str(app.dashboard.query_one("#view-status", Static).render())
    assert "metrics" not in pending_file.read_text()


async def choose_target(app: GltuiApp, pilot: Pilot[None], path: str) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    targets = app.screen.query_one("#targets", OptionList)
    labels = [str(targets.get_option_at_index(i).prompt) for i in range(targets.option_count)]
    targets.highlighted = next(i for i, label in enumerate(labels) if label.endswith(path))
    targets.action_select()
    await pilot.pause()


async def open_create(
    app: GltuiApp, pilot: Pilot[None], kind: TokenKind, target: str | None = None
) -> CreateScreen:
    """Press c, choose the jira-commits template, the kind and (by path) the target."""
    await pilot.press("c")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CreateScreen)
    screen.query_one("#template", Select).value = "jira-commits"
    await pilot.pause()
    screen.query_one("#kind", Select).value = kind
    await pilot.pause()
    if target is not None:
        await choose_target(app, pilot, target)
    return screen


async def test_create_a_project_token_from_a_template(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, TokenKind.PROJECT, "acme/website")
        preview = text_of(app, "#create-preview")
        assert "POST /api/v4/projects/" in preview
        assert '"scopes": [\n    "read_api"\n  ]' in preview
        assert '"access_level": 20' in preview
        # scopes a project token cannot hold are listed but disabled, with the reason
        scopes = screen.query_one("#scopes", SelectionList)
        read_user = next(
            scopes.get_option_at_index(i)
            for i in range(scopes.option_count)
            if scopes.get_option_at_index(i).value == "read_user"
        )
        assert read_user.disabled
        assert "cannot hold 'read_user'" in str(read_user.prompt)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        secret = await read_secret(pilot)
        await pilot.press("c", "escape")
        await settle(pilot)
        assert seen(pilot).copied == [secret]  # one value, copied once
        created = await all_tokens(pilot, "jira-commits")
        assert len(created) == 1
        assert created[0].kind is TokenKind.PROJECT
        assert created[0].resource is not None
        assert created[0].resource.path == "acme/website"
        assert secret not in app.export_screenshot()


async def test_create_errors_keep_the_form(sandbox: RunningSandbox, tmp_path: Path) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        # mara is a Maintainer of platform/infra (not its Owner)
        screen = await open_create(app, pilot, TokenKind.PROJECT, "platform/infra")
        # caught before any request: an expiry past the limit
        screen.query_one("#expires", Input).value = "2030-01-01"
        await pilot.pause()
        assert "expires" in text_of(app, "#create-error")
        assert screen.query_one("#create-go", Button).disabled
        screen.query_one("#expires", Input).value = ""
        screen.query_one("#name", Input).value = "my reader"
        screen.query_one("#role", Select).value = "owner"  # above mara's Maintainer
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        assert "role is higher than your own" in text_of(app, "#create-error")
        assert screen.query_one("#name", Input).value == "my reader"


async def test_personal_tokens_fall_back_to_gitlabs_prefilled_form(
    make_sandbox: SandboxFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(version="18")  # before fine-grained tokens (19.2), the web form
    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, TokenKind.PERSONAL)
        assert str(screen.query_one("#create-go", Button).label) == "Open GitLab's form"
        preview = text_of(app, "#create-preview")
        assert "only administrators" in preview
        path = "/-/user_settings/personal_access_tokens?name=jira-commits&scopes=read_api"
        url = sandbox.url + path
        assert url in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert opened == [url]
        assert app.clipboard == url
        assert isinstance(app.screen, CreateScreen)


async def test_create_like_this_and_save_as_template(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[settings]\nexpiring_window_days = 14\n\n[[instances]]\nname = "x"\n'
        'url = "https://x.example"\ntoken_env = "X"\n'
    )
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock, config_path=config)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        token = await select(app, pilot, "old laptop")  # expired: still a fine model
        await pilot.press("C")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        assert screen.query_one("#name", Input).value == "old laptop"
        assert screen.kind is TokenKind.PERSONAL
        assert set(screen.query_one("#scopes", SelectionList).selected) == set(token.scopes)
        screen.query_one("#template-id", Input).value = "laptop"
        await pilot.click("#create-save")
        await settle(pilot)
    saved = tomllib.loads(config.read_text())
    assert saved["templates"]["laptop"]["scopes"] == list(token.scopes)
    assert saved["templates"]["laptop"]["kinds"] == ["personal"]
    assert saved["instances"][0]["name"] == "x"  # the rest of the file is kept
    assert saved["settings"]["expiring_window_days"] == 14
    assert config.stat().st_mode & 0o777 == 0o600


async def test_the_access_token_limit_is_said_plainly(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    limited = make_sandbox(token_limit=2)  # acme/website holds two active tokens already
    app = ObservedApp(make_engine(limited, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, TokenKind.PROJECT, "acme/website")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        assert "limit of access tokens is reached" in text_of(app, "#create-error")
        assert not screen.query_one("#create-go", Button).disabled  # fix it and try again


async def test_create_like_refuses_kinds_gltui_cannot_create(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    app = ObservedApp(make_engine(sandbox, tmp_path, "admin"), clock=fixed_clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await ready(pilot)
        token = await select(app, pilot, "support session")
        assert token.kind is TokenKind.IMPERSONATION
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert seen(pilot).said("admin area")
