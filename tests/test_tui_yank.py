"""``y`` (the yank menu) and ``o`` (open the token's page): what is copied, that no secret
ever is, and the browser fallback; plus the pure texts for hostile names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import OptionList

from gltui.actions.yank import revoke_commands, yanks
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens import yank as yank_screen
from gltui.tui.screens.yank import YankScreen
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, ready, seen, settle
from tests.test_tui_actions import make_engine, select


def token(**fields: object) -> Token:
    base: dict[str, object] = {
        "instance": "work",
        "kind": TokenKind.PERSONAL,
        "id": 42,
        "name": "ci",
        "scopes": ("api",),
        "revoked": False,
        "expires_at": date(2027, 1, 31),
        "owner": Owner(7, "mara"),
    }
    base.update(fields)
    return Token(**base)  # type: ignore[arg-type]


def test_texts_of_a_personal_token() -> None:
    texts = {y.label: y.text for y in yanks(token(), "https://gitlab.example.com/")}
    assert texts["Token id"] == "42"
    assert texts["Name"] == "ci"
    assert (
        texts["GitLab page"] == "https://gitlab.example.com/-/user_settings/personal_access_tokens"
    )
    assert texts["Revoke with curl"] == (
        'curl --request DELETE --header "PRIVATE-TOKEN: $GITLAB_TOKEN" '
        "https://gitlab.example.com/api/v4/personal_access_tokens/42"
    )
    assert texts["Revoke with glab api"] == (
        "glab api --hostname gitlab.example.com --method DELETE personal_access_tokens/42"
    )
    assert texts["Markdown line"] == (
        "- [ci](https://gitlab.example.com/-/user_settings/personal_access_tokens) (id 42): "
        "personal token on work, of mara, expires 2027-01-31"
    )


def test_hostile_names_stay_inert() -> None:
    hostile = token(
        kind=TokenKind.PROJECT,
        name="[x](https://evil)\x1b[31m `rm -rf`",
        resource=Resource(ResourceType.PROJECT, 3, "acme/app"),
        expires_at=None,
    )
    texts = {y.label: y.text for y in yanks(hostile, "https://g.example")}
    assert "\x1b" not in "".join(texts.values())
    assert texts["Markdown line"].startswith(r"- [\[x\]\(https://evil\)\\x1b\[31m \`rm -rf\`](")
    assert texts["Markdown line"].endswith("never expires")
    assert "/projects/3/access_tokens/42" in texts["Revoke with curl"]
    assert "GitLab page" in texts
    # an impersonation token without its owner's id: no command line to offer
    assert revoke_commands(token(kind=TokenKind.IMPERSONATION, owner=None), "https://g") is None
    labels = [y.label for y in yanks(token(kind=TokenKind.IMPERSONATION, owner=None), "")]
    assert labels == ["Token id", "Name", "Markdown line"]


async def test_yank_menu_copies_each_text_and_never_a_secret(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    secret = sandbox.credentials.maintainer
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        chosen = await select(app, pilot, "k8s agent")
        expected = yanks(chosen, sandbox.url)
        depth = len(app.screen_stack)
        for index, entry in enumerate(expected):
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, YankScreen)
            menu = app.screen.query_one(OptionList)
            assert menu.option_count == len(expected) == 6
            await pilot.press(*["down"] * index, "enter")
            await pilot.pause()
            assert len(app.screen_stack) == depth  # closed
            assert seen(pilot).copied[-1] == entry.text
            assert seen(pilot).said(f"Copied the {entry.label.lower()}")
        copied = seen(pilot).copied
        assert copied[0] == str(chosen.id)
        assert copied[1] == "k8s agent"
        assert copied[2].endswith("/-/user_settings/personal_access_tokens")
        assert f"/api/v4/personal_access_tokens/{chosen.id}" in copied[3]
        assert "$GITLAB_TOKEN" in copied[3]
        assert copied[4].startswith("glab api --hostname 127.0.0.1:")
        assert copied[5].startswith("- [k8s agent](")
        assert not [text for text in copied if secret in text or "glpat-" in text]
        # escape closes the menu without copying
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert len(seen(pilot).copied) == len(expected)


async def test_o_opens_the_page_or_shows_it(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    answers = iter([True, False])

    def fake_open(url: str) -> bool:
        opened.append(url)
        return next(answers)

    monkeypatch.setattr(yank_screen, "open_browser", fake_open)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await select(app, pilot, "k8s agent")
        page = f"{sandbox.url}/-/user_settings/personal_access_tokens"
        await pilot.press("o")
        await settle(pilot)
        assert opened == [page]
        assert seen(pilot).said(f"Opened {page}")
        await pilot.press("o")  # no browser: the address, as text
        await settle(pilot)
        assert seen(pilot).said(f"No browser to open; the page is {page}")
        assert len(opened) == 2
        pageless = token(kind=TokenKind.PROJECT, resource=None)  # GitLab did not say where
        yank_screen.open_page(app.dashboard, pageless, sandbox.url)
        await settle(pilot)
        assert seen(pilot).said("GitLab has no page for this token")
        assert len(opened) == 2
