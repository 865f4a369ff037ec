"""The review screen, driven with Pilot against the sandbox: diff, jump, sign-off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from rich.text import Text
from textual.widgets import OptionList, Static

from gltui.domain.states import TokenState, classify
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.cache import History
from gltui.inventory.reviews import ReviewLog
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.screens.review import ReviewScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_tui import engine_for

EARLIER = NOW - timedelta(hours=1)
"""The seeded sign-off: an hour ago, so only the planted differences show."""


def lines(screen: ReviewScreen) -> list[str]:
    options = screen.query_one(OptionList)
    found = []
    for index in range(options.option_count):
        prompt = options.get_option_at_index(index).prompt
        found.append(prompt.plain if isinstance(prompt, Text) else str(prompt))
    return found


def seed_last_review(sandbox: RunningSandbox, reviews: ReviewLog) -> tuple[Token, Token]:
    """A sign-off an hour ago that had not seen one token, saw one vanished since, and saw
    an expiring token when it was still far from expiry. Returns (new, now-expiring)."""
    tokens = list(walk_instance(engine_for(sandbox).specs[0], NOW).tokens)
    new = next(t for t in tokens if classify(t, NOW) is TokenState.ACTIVE)
    expiring = next(t for t in tokens if classify(t, NOW) is TokenState.EXPIRING)
    gone = Token(
        instance="work",
        kind=TokenKind.PROJECT,
        id=999_999,
        name="inactive-bot",
        scopes=("read_api",),
        revoked=False,
        expires_at=date(2026, 12, 31),
        resource=Resource(ResourceType.PROJECT, 5, "acme/old"),
    )
    then = [t for t in tokens if t is not new and t is not expiring]
    then += [replace(expiring, expires_at=date(2027, 6, 1)), gone]
    reviews.sign_off(then, EARLIER, 14, {"tokens": len(then)})
    return new, expiring


async def test_review_shows_changes_jumps_and_signs_off(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    reviews = ReviewLog(tmp_path)
    new, expiring = seed_last_review(sandbox, reviews)
    engine = engine_for(sandbox, history=History(tmp_path), reviews=reviews)
    app = ObservedApp(engine, clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await pilot.press("2")  # a card filter the jump must clear
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        text = lines(screen)
        assert text[0].startswith("What changed (3)")
        changes = text[1:4]
        assert any("new" in line and new.name in line for line in changes)
        assert any("now expiring" in line and expiring.name in line for line in changes)
        assert any("vanished" in line and "inactive-bot" in line for line in changes)
        assert "signed off 2026-11-21 11:00 UTC (today)" in str(
            screen.query_one("#review-heading").render()
        )

        # a vanished token cannot be shown; the screen says so and stays
        options = screen.query_one(OptionList)
        options.highlighted = next(i for i, line in enumerate(text) if "vanished" in line)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen

        options.highlighted = next(
            i for i, line in enumerate(text) if line.strip().startswith("new")
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        status = str(app.screen.query_one("#view-status", Static).render())
        assert "card:" not in status  # the expiring card no longer hides it
        current = app.screen.query_one(TokenTable).current
        assert current is not None
        assert current.token.identity == new.identity

        await pilot.press("v")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        last = reviews.last()
        assert last is not None
        assert last.at == NOW
        assert reviews.sign_offs()[-1].counts["new"] == 1
        await pilot.press("escape")
        await pilot.press("v")
        await settle(pilot)
        assert lines(app.screen)[0].startswith("What changed (0)")


async def test_first_review_says_there_is_nothing_to_compare(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    engine = engine_for(sandbox, reviews=ReviewLog(tmp_path))
    app = ObservedApp(engine, clock=fixed_clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "First review" in str(screen.query_one("#review-heading").render())
        text = lines(screen)
        expiring_header = next(line for line in text if line.startswith("Expiring within 14"))
        expected = sum(
            1
            for row in app.dashboard.query_one(TokenTable).rows
            if row.state is TokenState.EXPIRING
        )
        assert expiring_header.endswith(f"({expected})")
        assert any(line.startswith("Flagged working tokens") for line in text)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
