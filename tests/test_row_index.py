"""The kept view (:class:`RowIndex`) gives exactly ``apply_view``'s rows, in its order,
whatever came before: narrowing must never drop or reorder a row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gltui.domain.tokens import Owner, Token, TokenKind
from gltui.tui.row_index import RowIndex, narrows
from gltui.tui.table_model import (
    COLUMNS,
    Column,
    StateFilter,
    TokenRow,
    View,
    apply_view,
    build_rows,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
WORDS = ("bot", "bo", "api", "1", "12", "ci", "b", "ot 1", "read", "x")
"""Query material that overlaps itself, so queries extend, shorten and replace each other."""


def token(number: int, name: str, instance: str, kind: TokenKind, days: int | None) -> Token:
    return Token(
        instance=instance,
        kind=kind,
        id=number % 7,  # ids repeat across instances and kinds: ties the sort must keep
        name=name,
        scopes=("api",) if number % 3 == 0 else ("read_api",),
        revoked=number % 11 == 0,
        expires_at=None if days is None else date(2026, 11, 21) + timedelta(days=days),
        owner=Owner(number % 4, f"user{number % 4}"),
        created_at=NOW - timedelta(days=number % 5),
    )


tokens = st.lists(
    st.builds(
        token,
        st.integers(0, 60),
        st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join),
        st.sampled_from(("work", "cloud")),
        st.sampled_from(list(TokenKind)),
        st.none() | st.integers(-20, 60),
    ),
    max_size=40,
)
queries = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join) | st.sampled_from(
    ("bot 1 api", "bot 1 ap", "BOT", "  bot  ", "")
)
views = st.builds(
    View,
    state=st.none() | st.sampled_from(list(StateFilter)),
    query=queries,
    instance=st.none() | st.sampled_from(("work", "cloud")),
    kind=st.none() | st.sampled_from(list(TokenKind)),
    sort=st.sampled_from(COLUMNS),
    descending=st.booleans(),
)


def identities(rows: list[TokenRow]) -> list[int]:
    return [id(row) for row in rows]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(tokens, st.lists(views, min_size=1, max_size=12))
def test_any_sequence_of_views_gives_a_fresh_filter_s_rows(
    population: list[Token], sequence: list[View]
) -> None:
    rows = build_rows(population, NOW)
    index = RowIndex(rows)
    for view in sequence:
        assert identities(index.apply(view)) == identities(apply_view(rows, view)), view


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(tokens, st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(list(COLUMNS)))
def test_typing_on_deleting_and_replacing_a_query(
    population: list[Token], first: str, second: str, sort: Column
) -> None:
    rows = build_rows(population, NOW)
    index = RowIndex(rows)
    typed = f"{first} {second}"
    steps = [typed[:end] for end in range(len(typed) + 1)]  # typing on: each extends
    steps += steps[::-1]  # deleting: each shortens
    steps += [second, first, typed.upper(), ""]  # replacing
    for query in steps:
        view = View(query=query, sort=sort)
        assert identities(index.apply(view)) == identities(apply_view(rows, view)), query


def test_a_card_or_sort_change_between_keystrokes_is_not_taken_for_narrowing() -> None:
    rows = build_rows(
        [
            token(1, "bot one", "work", TokenKind.PERSONAL, 3),
            token(2, "bot two", "cloud", TokenKind.PROJECT, None),
            token(11, "bot old", "work", TokenKind.PERSONAL, -5),  # revoked (11 % 11)
        ],
        NOW,
    )
    index = RowIndex(rows)
    narrow = View(query="bot", state=StateFilter.ACTIVE)
    assert [row.token.name for row in index.apply(narrow)] == ["bot one", "bot two"]
    wide = View(query="bot o")  # extends the query, but the card filter is gone
    assert [row.token.name for row in index.apply(wide)] == ["bot one", "bot two", "bot old"]
    flipped = View(query="bot o", descending=True)
    assert [row.token.name for row in index.apply(flipped)] == ["bot old", "bot two", "bot one"]


def test_the_result_is_the_caller_s_own_list() -> None:
    rows = build_rows([token(1, "bot", "work", TokenKind.PERSONAL, 3)], NOW)
    index = RowIndex(rows)
    index.apply(View(query="bot")).clear()
    index.apply(View()).clear()
    assert len(index.apply(View(query="bot"))) == 1
    assert len(index.apply(View())) == 1


def test_narrows_only_when_every_earlier_word_is_part_of_a_new_one() -> None:
    assert narrows(("bo",), ("bot",))
    assert narrows(("bot",), ("bot", "1"))
    assert narrows(("ot", "b"), ("bot",))  # one new word may imply several old ones
    assert narrows((), ("bot",))
    assert not narrows(("bot",), ("bo",))  # shortened: more rows may match
    assert not narrows(("bot", "1"), ("bot",))
    assert not narrows(("api",), ())
