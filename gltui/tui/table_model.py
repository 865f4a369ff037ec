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

from gltui.domain.audit import DEFAULT_RULES, AuditRules, Flag
from gltui.domain.display import (
    access_summary,
    granular_summary,
    kind_label,
    owner_label,
    printable,
)
from gltui.domain.replaced import Replacement, Succession, find_replacements
from gltui.domain.risk import token_risk
from gltui.domain.scopes import ScopeRisk
from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    TokenState,
    classify,
    days_until_expiry,
    soonest_upcoming_key,
)
from gltui.domain.tokens import Token, TokenKind


class Column(StrEnum):
    """The table's columns, in display order."""

    INSTANCE = "instance"
    KIND = "kind"
    OWNER = "owner"
    NAME = "name"
    SCOPES = "scopes"
    FLAGS = "flags"
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


FINE_GRAINED_MARK = "✦ "
"""Before a fine-grained token's name: visible at every width (the name column never
drops) and without colour. U+2726 is one cell wide in every locale (East Asian Width
"neutral", unlike ◆, which CJK terminals draw two cells wide)."""


def _scopes_text(token: Token) -> str:
    """The scopes cell: a legacy token's scopes, a fine-grained one's boundaries
    (``all_memberships(read_job,+2)``; its name carries the mark), never ``granular``."""
    if token.granular_scopes is None:
        return ", ".join(token.scopes)
    return granular_summary(token.granular_scopes)


def _type_words(token: Token) -> str:
    """What ``/`` finds a token's type by: ``fine-grained``/``granular`` and every
    permission and boundary (the cell shows only the first of each), else ``legacy``."""
    if token.granular_scopes is None:
        return "legacy"
    return "fine-grained granular " + granular_summary(token.granular_scopes, shown=None)


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


class TokenRow:
    """One table row: the token, its state now, and its display computed on demand.

    Only what the first paint needs is computed up front (state and the default
    sort key). Cells are built when the row is first drawn (only visible rows are),
    the search text on the first query and other sort keys on the first sort by
    them; each is then kept. That keeps loading 10,000 tokens cheap.
    """

    __slots__ = (
        "_cells",
        "_flags",
        "_haystack",
        "_keys",
        "expiry_key",
        "now",
        "replaced",
        "risk",
        "rules",
        "state",
        "token",
    )

    def __init__(
        self, token: Token, now: datetime, window: int, rules: AuditRules = DEFAULT_RULES
    ) -> None:
        self.token = token
        self.now = now
        self.rules = rules
        self._flags: tuple[Flag, ...] | None = None
        self.state = classify(token, now, window)
        self.risk = token_risk(token)
        left = days_until_expiry(token, now.date())
        self.expiry_key = soonest_upcoming_key(self.state, left, token.id)
        self._cells: tuple[str, ...] | None = None
        self._haystack: str | None = None
        self._keys: tuple[tuple[Any, ...], ...] | None = None
        self.replaced: Replacement | None = None
        """Its working successor, when it is revoked or expired and replaced
        (:mod:`gltui.domain.replaced`): the state cell says ``replaced``."""

    def mark_replaced(self, replacement: Replacement | None) -> None:
        """Set (or clear) its successor; the texts built from the state are built again."""
        if replacement != self.replaced:
            self.replaced = replacement
            self._cells = self._haystack = self._keys = None

    @property
    def upcoming_days(self) -> int | None:
        """Days until a working token expires; ``None`` if it never will or already did."""
        group, left, _ = self.expiry_key
        return left if group == 0 else None

    @property
    def flags(self) -> tuple[Flag, ...]:
        """The token's audit flags under the user's settings (computed once)."""
        if self._flags is None:
            self._flags = self.rules.flags(self.token, self.now)
        return self._flags

    @property
    def cells(self) -> tuple[str, ...]:
        """Display text per column (plain, control characters made visible)."""
        if self._cells is None:
            token, today = self.token, self.now.date()
            mark = "! " if self.risk >= ScopeRisk.WRITE else ""
            fine = FINE_GRAINED_MARK if token.granular_scopes is not None else ""
            self._cells = (
                printable(token.instance),
                kind_label(token.kind),
                printable(owner_label(token)),
                fine + printable(token.name),
                mark + (printable(_scopes_text(token)) or "-"),
                "".join(flag.mark for flag in self.flags),
                "replaced" if self.replaced is not None else self.state.value,
                _expires_cell(token, today),
                _used_cell(token, today),
                token.created_at.date().isoformat() if token.created_at else "-",
            )
        return self._cells

    @property
    def haystack(self) -> str:
        """What a typed filter searches: name, scopes, owner, instance, kind (its label and
        its name: ``/agent``, ``/cluster_agent``), state, the audit flags (so ``/stale`` or
        ``/never-used`` find those tokens) and the type (``/fine-grained``, ``/granular``,
        ``/legacy``, a fine-grained permission)."""
        if self._haystack is None:
            cells, kind = self.cells, self.token.kind.value
            flags = " ".join(self.flags)
            if self.replaced is not None:  # "/replaced" finds it, and so do "/revoked", ...
                flags += f" {self.state.value}"
            words = printable(_type_words(self.token))
            self._haystack = " ".join(
                (cells[3], cells[4], cells[2], cells[0], cells[1], kind, cells[6], flags, words)
            ).lower()
        return self._haystack

    @property
    def keys(self) -> tuple[tuple[Any, ...], ...]:
        """A sort key per column, in :data:`COLUMNS` order."""
        if self._keys is None:
            token, cells = self.token, self.cells
            used = token.last_used_at.timestamp() if token.last_used_at else float("-inf")
            created = token.created_at.timestamp() if token.created_at else float("-inf")
            self._keys = (
                (cells[0].lower(), token.id),
                (token.kind.value, token.id),
                (cells[2].lower(), token.id),
                (printable(token.name).lower(), token.id),  # the mark is no part of it
                (-int(self.risk), access_summary(token), token.id),
                (-len(self.flags), cells[5], token.id),
                (_STATE_ORDER[self.state], token.id),
                self.expiry_key,
                (used, token.id),
                (created, token.id),
            )
        return self._keys


def build_rows(
    tokens: Iterable[Token],
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    rules: AuditRules = DEFAULT_RULES,
) -> list[TokenRow]:
    """Rows for every token."""
    return [TokenRow(token, now, window, rules) for token in tokens]


MarkChange = tuple[TokenRow, Replacement | None]
"""A row whose replaced mark must change, and its new successor (``None``: no longer)."""


def replacement_changes(
    rows: Sequence[TokenRow], links: Iterable[Succession] = ()
) -> list[MarkChange]:
    """The rows of one instance whose mark differs from what the links and the rule say
    (:mod:`gltui.domain.replaced`), with their new marks; rows already classified, so
    nothing is classified again. It only reads the rows (their ``token`` and ``state``,
    fixed at construction, and ``replaced``), so a worker thread runs it on rows the
    event loop keeps drawing; :func:`apply_marks` then sets them, on the loop."""
    found = find_replacements(((row.token, row.state.is_active) for row in rows), links)
    if not found:
        return [(row, None) for row in rows if row.replaced is not None]
    changes: list[MarkChange] = []
    for row in rows:
        mark = found.get(row.token.identity)
        if mark != row.replaced:
            changes.append((row, mark))
    return changes


def apply_marks(changes: Iterable[MarkChange]) -> None:
    """Set what :func:`replacement_changes` found."""
    for row, mark in changes:
        row.mark_replaced(mark)


def mark_replacements(rows: Sequence[TokenRow], links: Iterable[Succession] = ()) -> None:
    """Tell each of one instance's rows whether it is replaced, at once: for rows not
    shown yet, built in a worker (at 100,000 rows this is 0.3-0.4 s; the shown rows are
    re-marked in a worker too, :mod:`gltui.tui.replacement_marks`)."""
    apply_marks(replacement_changes(rows, links))


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
        and (not terms or all(term in row.haystack for term in terms))
    ]
    if view.sort is Column.EXPIRES:  # the default: no need to build every row's keys
        kept.sort(key=lambda row: row.expiry_key, reverse=view.descending)
    else:
        index = COLUMNS.index(view.sort)
        kept.sort(key=lambda row: row.keys[index], reverse=view.descending)
    return kept
