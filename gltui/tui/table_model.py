"""The token table's rows, filters and sort order, as plain Python (no Textual).

Every display string, search haystack and sort key is computed once per refresh
(:func:`build_rows`); a keystroke then costs one pass over precomputed strings
and one sort (:func:`apply_view`), which keeps 10,000 rows interactive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from gltui.domain.display import owner_label, printable
from gltui.domain.scopes import ScopeRisk, highest_risk
from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    TokenState,
    classify,
    days_until_expiry,
)
from gltui.domain.tokens import Token, TokenKind


class Column(StrEnum):
    """The table's columns, in display order."""

    INSTANCE = "instance"
    KIND = "kind"
    OWNER = "owner"
    NAME = "name"
    SCOPES = "scopes"
    STATE = "state"
    EXPIRES = "expires"
    LAST_USED = "last used"
    CREATED = "created"


COLUMNS = tuple(Column)
_STATE_ORDER = {
    TokenState.EXPIRED: 0,
    TokenState.EXPIRING: 1,
    TokenState.ACTIVE: 2,
    TokenState.REVOKED: 3,
}
_FAR = date.max.toordinal()


def relative_days(days: int) -> str:
    """``in 3 d`` / ``today`` / ``3 d ago``."""
    if days == 0:
        return "today"
    return f"in {days} d" if days > 0 else f"{-days} d ago"


def _expires_cell(token: Token, today: date) -> str:
    left = days_until_expiry(token, today)
    if left is None or token.expires_at is None:
        return "never"
    return f"{str(token.expires_at)[:10]} ({relative_days(left)})"


def _used_cell(token: Token, today: date) -> str:
    if token.last_used_at is None:
        return "never"
    return relative_days((token.last_used_at.date() - today).days)


def _expiry_key(state: TokenState, left: int | None, token_id: int) -> tuple[int, int, int]:
    """Soonest *upcoming* expiry first, then tokens that never expire, then dead tokens,
    most recently dead first: the order a weekly review reads in."""
    if state in (TokenState.ACTIVE, TokenState.EXPIRING):
        if left is None:
            return (1, 0, token_id)
        return (0, left, token_id)
    return (
        2 if state is TokenState.EXPIRED else 3,
        -(left if left is not None else -_FAR),
        token_id,
    )


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One table row: the token, its state now, and everything precomputed for display."""

    token: Token
    state: TokenState
    risk: ScopeRisk
    cells: tuple[str, ...]
    haystack: str
    keys: tuple[tuple[Any, ...], ...]


def build_row(token: Token, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS) -> TokenRow:
    """Compute a row's cells, search text and sort keys once."""
    today = now.date()
    state = classify(token, now, window)
    risk = highest_risk(token.scopes)
    owner = printable(owner_label(token))
    name = printable(token.name)
    scopes = ", ".join(token.scopes) or "-"
    mark = "! " if risk >= ScopeRisk.WRITE else ""
    left = days_until_expiry(token, today)
    cells = (
        printable(token.instance),
        token.kind.value,
        owner,
        name,
        mark + scopes,
        state.value,
        _expires_cell(token, today),
        _used_cell(token, today),
        token.created_at.date().isoformat() if token.created_at else "-",
    )
    used = token.last_used_at.timestamp() if token.last_used_at else float("-inf")
    created = token.created_at.timestamp() if token.created_at else float("-inf")
    keys = (
        (token.instance.lower(), token.id),
        (token.kind.value, token.id),
        (owner.lower(), token.id),
        (name.lower(), token.id),
        (-int(risk), scopes, token.id),
        (_STATE_ORDER[state], token.id),
        _expiry_key(state, left, token.id),
        (used, token.id),
        (created, token.id),
    )
    haystack = " ".join(
        (name, scopes, owner, token.instance, token.kind.value, state.value)
    ).lower()
    return TokenRow(token, state, risk, cells, haystack, keys)


def build_rows(
    tokens: Iterable[Token], now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> list[TokenRow]:
    """Rows for every token."""
    return [build_row(token, now, window) for token in tokens]


class StateFilter(StrEnum):
    """GitLab's four cards; ``active`` includes ``expiring``, as GitLab's does."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    REVOKED = "revoked"
    EXPIRED = "expired"

    def admits(self, state: TokenState) -> bool:
        """Whether a token in ``state`` belongs on this card."""
        if self is StateFilter.ACTIVE:
            return state.is_active
        return state.value == self.value


@dataclass(frozen=True)
class View:
    """What the user asked to see: filters and sort order."""

    state: StateFilter | None = None
    query: str = ""
    instance: str | None = None
    kind: TokenKind | None = None
    sort: Column = Column.EXPIRES
    descending: bool = False

    def with_sort(self, column: Column) -> View:
        """Sort by ``column``; choosing the current column again flips the direction."""
        if column is self.sort:
            return replace(self, descending=not self.descending)
        return replace(self, sort=column, descending=False)

    @property
    def label(self) -> str:
        """How the footer describes the sort."""
        return f"{self.sort.value} {'↓' if self.descending else '↑'}"


def apply_view(rows: Sequence[TokenRow], view: View) -> list[TokenRow]:
    """Filter then sort; every query word must appear in name, scopes, owner or instance."""
    terms = view.query.lower().split()
    state, instance, kind = view.state, view.instance, view.kind
    kept = [
        row
        for row in rows
        if (state is None or state.admits(row.state))
        and (instance is None or row.token.instance == instance)
        and (kind is None or row.token.kind is kind)
        and all(term in row.haystack for term in terms)
    ]
    index = COLUMNS.index(view.sort)
    kept.sort(key=lambda row: row.keys[index], reverse=view.descending)
    return kept
