"""What every walk strategy shares: the walk's state and the guarded row handling.

A failed listing or an unreadable row becomes a :class:`Problem` naming where it
happened and the :class:`Scope` of tokens it leaves unrefreshed (the engine carries
those over from the last snapshot); it never ends the instance's walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gltui.adapters import parse
from gltui.adapters.port import Listing
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.crawl import Crawl, Rows
from gltui.inventory.model import Problem, Scope


@dataclass
class Collected:
    """Walk state; touched only on the coordinator thread."""

    tokens: list[Token] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None
    own_token: Token | None = None
    project_paths: dict[int, str] = field(default_factory=dict)
    group_paths: dict[int, str] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    personal_rows: list[dict[str, Any]] = field(default_factory=list)
    impersonation_ids: set[int] = field(default_factory=set)
    holders: set[int] = field(default_factory=set)
    """Users who hold PAT-table rows (an admin walk lists their impersonation tokens)."""
    impersonation_asked: set[int] = field(default_factory=set)


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


PAT_TABLE_KINDS = frozenset(
    {
        TokenKind.PERSONAL,
        TokenKind.IMPERSONATION,
        TokenKind.PROJECT,
        TokenKind.GROUP,
        TokenKind.SERVICE_ACCOUNT,
    }
)
"""Every kind an admin's ``/personal_access_tokens`` listing (and what follows it) yields."""


def problem_sink(
    state: Collected, where: str, scope: Scope | None = None
) -> Callable[[Failure], None]:
    return lambda failure: state.problems.append(Problem(where, failure, scope))


def row_scope(kinds: frozenset[TokenKind], row: dict[str, Any]) -> Scope | None:
    """The one token a bad row was (when its id is readable)."""
    row_id = row.get("id")
    return Scope(kinds, token_id=row_id) if is_id(row_id) else None


ROW_ERRORS = (parse.MalformedTokenError, ValueError, TypeError, OverflowError)
"""What one odd row can raise; it costs that row (a named problem), never the instance."""


def add_rows(
    state: Collected, make: Callable[[dict[str, Any]], Token], where: str, scope: Scope
) -> Callable[[Rows], None]:
    def add(rows: Rows) -> None:
        for row in rows:
            try:
                state.tokens.append(make(row))
            except ROW_ERRORS as error:
                state.problems.append(Problem(where, bad_row(error), row_scope(scope.kinds, row)))

    return add


def bad_row(error: Exception) -> Failure:
    if isinstance(error, parse.MalformedTokenError):
        return Failure(FailureKind.BAD_RESPONSE, str(error))
    return Failure(FailureKind.BAD_RESPONSE, f"an unreadable token row ({type(error).__name__})")


def list_tokens(
    crawl: Crawl,
    state: Collected,
    listing: Listing,
    make: Callable[[dict[str, Any]], Token],
    where: str,
    scope: Scope,
) -> None:
    """Every page of a token listing into ``state``; a bad row or a failed listing is a
    problem named ``where`` (with the ``scope`` it leaves unrefreshed) and the walk goes on."""
    crawl.list_all(
        listing,
        on_rows=add_rows(state, make, where, scope),
        on_error=problem_sink(state, where, scope),
    )
