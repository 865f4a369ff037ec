"""The create pane with fine-grained tokens, driven with Pilot: against the sandbox (19.6
over the API, 18 with GitLab's form) and over a fake create for GitLab's 404 answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Select, Static

from gltui.actions.service import FineGrainedUnavailable, Issued
from gltui.domain.audit import AuditRules
from gltui.domain.secret import Secret
from gltui.domain.templates import BUILTIN_TEMPLATES, CreateRequest, template_from_config
from gltui.domain.tokens import Resource, ResourceType, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from gltui.tui.app import GltuiApp
from gltui.tui.screens.create import CreateScreen, Place
from gltui.tui.screens.secret import SecretScreen
from tests.conftest import SandboxFactory, client, fixed_clock
from tests.driving import ObservedApp, read_secret, ready, settle
from tests.test_tui_actions import all_tokens, choose_target

CI_READER = template_from_config(
    "ci-reader",
    {
        "title": "CI job reader",
        "scopes": ["read_api"],
        "read_only": True,
        "granular_note": "jobs of the chosen project",
        "granular_scopes": [
            {"access": "selected_memberships", "permissions": ["read_job"]},
            {"access": "user", "permissions": ["read_user"]},
        ],
    },
)
TYPO = template_from_config(
    "typo", {"granular_scopes": [{"access": "user", "permissions": ["read_jobz"]}]}
)
RULES = AuditRules(templates=(*BUILTIN_TEMPLATES, CI_READER, TYPO))


def app_for(sandbox: RunningSandbox, tmp_path: Path, persona: str = "maintainer") -> ObservedApp:
    instance = InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))
    engine = InventoryEngine(
        [instance], cache=SnapshotCache(tmp_path / "cache"), history=History(tmp_path / "data")
    )
    return ObservedApp(engine, clock=fixed_clock, rules=RULES)


def text_of(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_create(app: GltuiApp, pilot: Pilot[None], template: str) -> CreateScreen:
    """Press c and choose ``template`` for a personal token."""
    await pilot.press("c")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CreateScreen)
    screen.query_one("#template", Select).value = template
    await pilot.pause()
    screen.query_one("#kind", Select).value = TokenKind.PERSONAL
    await settle(pilot)
    return screen


async def test_a_fine_grained_token_from_the_pane(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(version="19.6")
    app = app_for(sandbox, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, "ci-reader")
        assert screen.query_one("#variant", Select).value == "fine-grained"
        assert screen.query_one("#variant-row").display
        assert not screen.query_one("#scopes").display  # permissions, not scopes
        listed = text_of(app, "#permissions")
        assert "selected_memberships: the project or group chosen" in listed
        assert "read_job" in listed
        assert "jobs of the chosen project" in listed
        assert "choose the project or group" in text_of(app, "#create-error")
        await choose_target(app, pilot, "acme/website")  # any membership, Guest up
        preview = text_of(app, "#create-preview")
        assert preview.startswith("POST /api/v4/user/personal_access_tokens")
        assert '"granular_scopes"' in preview
        assert '"project_ids": [\n        1\n      ]' in preview
        assert '"scopes"' not in preview
        assert "selected_memberships: acme/website" in text_of(app, "#permissions")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        secret = await read_secret(pilot)
        await pilot.press("c", "escape")  # copied once, then closed
        await settle(pilot)
        (made,) = await all_tokens(pilot, "ci-reader")
        assert made.is_fine_grained
        assert secret not in app.export_screenshot()
    record = client(sandbox, "admin").personal_access_tokens.get(made.id).attributes
    assert record["granular"] is True


async def test_the_legacy_type_keeps_the_form_and_gitlabs_refusal_is_shown(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(version="19.6")
    app = app_for(sandbox, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, "ci-reader")
        screen.query_one("#variant", Select).value = "legacy"
        await settle(pilot)
        assert screen.query_one("#scopes").display
        assert str(screen.query_one("#create-go", Button).label) == "Open GitLab's form"
        assert "personal_access_tokens?name=ci-reader&scopes=read_api" in text_of(
            app, "#create-preview"
        )
        screen.query_one("#template", Select).value = "typo"
        await settle(pilot)
        assert not screen.query_one("#variant-row").display  # fine-grained is all it has
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        said = text_of(app, "#create-error")
        assert said.startswith("GitLab refused a permission or boundary of the fine-grained")


async def test_before_19_2_the_pane_offers_gitlabs_form(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(version="18")
    app = app_for(sandbox, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        screen = await open_create(app, pilot, "ci-reader")
        assert screen.query_one("#variant", Select).value == "legacy"
        assert str(screen.query_one("#create-go", Button).label) == "Open GitLab's form"
        screen.query_one("#variant", Select).value = "fine-grained"
        await settle(pilot)
        await choose_target(app, pilot, "acme/website")
        shown = text_of(app, "#create-preview")
        assert "need GitLab 19.2 or later" in shown
        assert "choose Type: legacy" in shown
        assert screen.query_one("#create-go", Button).disabled


class FallbackHarness(App[None]):
    """The pane alone, on an instance whose version gltui could not read, where GitLab
    answers 404 for fine-grained tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[CreateRequest] = []

    def on_mount(self) -> None:
        def load(_instance: str, _kind: TokenKind, _search: str) -> list[Resource]:
            return [Resource(ResourceType.PROJECT, 6, "acme/website")]

        def create(_instance: str, request: CreateRequest) -> Issued:
            self.asked.append(request)
            raise FineGrainedUnavailable("GitLab answered 404 where it creates fine-grained tokens")

        place = Place("work", "https://gitlab.example", 2, False, None)
        self.push_screen(
            CreateScreen(
                [place], [CI_READER], date(2026, 11, 21), load_resources=load, create=create,
                start_kind=TokenKind.PERSONAL,
            )
        )  # fmt: skip


async def test_a_404_from_gitlab_falls_back_to_the_form() -> None:
    app = FallbackHarness()
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        assert screen.query_one("#variant", Select).value == "fine-grained"  # unknown: try
        await choose_target(app, pilot, "acme/website")  # type: ignore[arg-type]
        await pilot.press("ctrl+s")
        await settle(pilot)
        (asked,) = app.asked
        assert asked.is_fine_grained
        assert isinstance(app.screen, CreateScreen)
        assert screen.query_one("#variant", Select).value == "legacy"
        said = text_of(app, "#create-error")
        assert said.startswith("GitLab answered 404 where it creates fine-grained tokens.")
        assert "The legacy token is shown instead" in said
        assert str(screen.query_one("#create-go", Button).label) == "Open GitLab's form"
        assert "/-/user_settings/personal_access_tokens?name=ci-reader" in text_of(
            app, "#create-preview"
        )
