"""The dashboard's filter and sort rules, without Textual."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gltui.domain.states import TokenState
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.tui.table_model import Column, StateFilter, TokenRow, View, apply_view, build_rows

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def token(
    token_id: int,
    name: str,
    expires_in: int | None,
    *,
    instance: str = "work",
    kind: TokenKind = TokenKind.PERSONAL,
    revoked: bool = False,
    scopes: tuple[str, ...] = ("read_api",),
    path: str | None = None,
) -> Token:
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=scopes,
        revoked=revoked,
        expires_at=None if expires_in is None else date(2026, 11, 21) + timedelta(days=expires_in),
        owner=Owner(1, "mara"),
        resource=None if path is None else Resource(ResourceType.PROJECT, 9, path),
        created_at=NOW - timedelta(days=token_id),
    )


TOKENS = [
    token(1, "ci deploy", 30, scopes=("api",), kind=TokenKind.PROJECT, path="acme/web"),
    token(2, "jira", 3, instance="cloud"),
    token(3, "old laptop", -1),
    token(4, "expires today", 0),
    token(5, "leaked", 90, revoked=True),
    token(6, "forever", None),
    token(7, "two weeks", 14),
    token(8, "fifteen", 15),
    token(9, "revoked forever", None, revoked=True),  # dead, and never expired either
]


def rows() -> list[TokenRow]:
    """Built in each test, not at import (so a mutation tool sees the tests use them)."""
    return build_rows(TOKENS, NOW)


def names(view: View) -> list[str]:
    return [row.token.name for row in apply_view(rows(), view)]


def test_default_order_is_soonest_upcoming_expiry_then_never_then_dead() -> None:
    assert names(View()) == [
        "jira",
        "two weeks",
        "fifteen",
        "ci deploy",
        "forever",
        "expires today",
        "old laptop",
        "leaked",
        "revoked forever",  # a dead token without an expiry sorts after every dated one
    ]


def test_cards_filter_like_gitlab() -> None:
    assert set(names(View(state=StateFilter.EXPIRING))) == {"jira", "two weeks"}
    assert set(names(View(state=StateFilter.ACTIVE))) == {
        "jira",
        "two weeks",
        "fifteen",
        "ci deploy",
        "forever",
    }
    assert names(View(state=StateFilter.REVOKED)) == ["leaked", "revoked forever"]
    assert set(names(View(state=StateFilter.EXPIRED))) == {"old laptop", "expires today"}


def test_query_matches_every_word_anywhere() -> None:
    assert names(View(query="acme")) == ["ci deploy"]  # resource path
    assert names(View(query="API DEPLOY")) == ["ci deploy"]  # scope and name, any case
    assert names(View(query="cloud")) == ["jira"]  # instance
    assert names(View(query="nothing-matches")) == []


def test_instance_and_kind_filters() -> None:
    assert names(View(instance="cloud")) == ["jira"]
    assert names(View(kind=TokenKind.PROJECT)) == ["ci deploy"]


def test_sort_by_any_column_and_flip() -> None:
    by_name = View().with_sort(Column.NAME)
    assert names(by_name)[:2] == ["ci deploy", "expires today"]
    flipped = by_name.with_sort(Column.NAME)
    assert flipped.descending
    assert names(flipped)[0] == "two weeks"
    assert flipped.label == "name ↓"
    assert View().with_sort(Column.CREATED).descending is False


def test_cells_are_literal_and_marked() -> None:
    hostile = build_rows([token(9, "[bold]x[/]\x1b[31m", 5, scopes=("api", "sudo"))], NOW)[0]
    name_cell = hostile.cells[list(Column).index(Column.NAME)]
    assert name_cell == "[bold]x[/]\\x1b[31m"
    assert hostile.cells[list(Column).index(Column.SCOPES)] == "! api, sudo"
    built = rows()
    expiring = built[1]
    assert expiring.state is TokenState.EXPIRING
    assert expiring.cells[list(Column).index(Column.EXPIRES)] == "2026-11-24 (in 3 d)"
    assert built[2].cells[list(Column).index(Column.EXPIRES)] == "2026-11-20 (1 d ago)"
    assert built[5].cells[list(Column).index(Column.EXPIRES)] == "never"


def test_upcoming_days_only_for_tokens_that_still_work() -> None:
    upcoming = {row.token.name: row.upcoming_days for row in rows()}
    assert upcoming == {
        "ci deploy": 30,
        "jira": 3,
        "old laptop": None,  # expired
        "expires today": None,  # expired at 00:00 today
        "leaked": None,  # revoked
        "forever": None,  # never expires
        "two weeks": 14,
        "fifteen": 15,
        "revoked forever": None,  # revoked
    }
