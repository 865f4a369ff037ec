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
from gltui.adapters.wire import is_missing_route
from gltui.domain.failures import ROUTE_REFUSALS, Failure, FailureKind
from gltui.domain.tokens import Resource, Token, TokenKind
from gltui.inventory.crawl import PERMISSION_REFUSALS, Crawl, Rows
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
    personal_tokens: list[Token] = field(default_factory=list)
    """An administrator's PAT-table rows, parsed as personal tokens until ``/users`` says
    whose each is (:func:`~gltui.inventory.admin_walk.classify_admin_rows`)."""
    bad_personal_rows: list[tuple[object, object, Problem]] = field(default_factory=list)
    """Those that did not parse: (their id, their user id, the problem), told once
    ``/users`` says their kind is one the instance keeps."""
    impersonation_ids: set[int] = field(default_factory=set)
    holders: set[int] = field(default_factory=set)
    """Users who hold PAT-table rows (an admin walk lists their impersonation tokens)."""
    impersonation_asked: set[int] = field(default_factory=set)
    fine_grained: bool = False
    """gltui's own token is fine-grained: a listing it is refused is "not available with
    this token's permissions", a problem of that listing, not of the instance."""
    is_admin: bool = False
    """The signed-in user is an administrator (the instance-wide walk)."""
    unplaced: list[int] = field(default_factory=list)
    """Indexes in ``tokens`` of rows that name a place or a person by id only (a runner's
    group, an agent token's creator): filled in once every listing is in."""
    account_places: dict[int, Resource] = field(default_factory=dict)
    """Group and project service accounts by user id: where an administrator's PAT-table
    rows of their tokens belong."""
    version_settled: bool = False
    """The version call has answered (or failed): version gates can be read."""
    after_version: list[Callable[[], None]] = field(default_factory=list)
    """Listings waiting for the version to know whether this GitLab has them."""


def when_version_known(state: Collected, then: Callable[[], None]) -> None:
    """Run ``then`` once the version is known (at once if it is): a gated listing asked
    before ``/metadata`` answered would be a wasted request on an older GitLab."""
    if state.version_settled:
        then()
    else:
        state.after_version.append(then)


def settle_version(state: Collected) -> None:
    """The version call is done (``state.version`` may still be ``None``: every gate then
    asks GitLab); the listings that waited for it go."""
    state.version_settled = True
    waiting, state.after_version = state.after_version, []
    for then in waiting:
        then()


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


NOT_HERE = ROUTE_REFUSALS
"""How GitLab says a kind is not available to this role, version or token: a 403 (bare,
or a fine-grained token's ``insufficient_granular_scope``), a 404 (the route or the
feature is missing, or the caller may not see it). A legacy token's missing scope never
gets here: it ends the walk first."""


def discovery_sink(
    state: Collected, where: str, scope: Scope | None = None
) -> Callable[[Failure], None]:
    """For the listings that discover whether a kind exists here (triggers, agents,
    service accounts, runners): a refusal (:data:`NOT_HERE`) is "not available here", no
    problem at all, and nothing is carried over (there is nothing to refresh). Anything
    else (a 5xx, an unreadable answer) is a problem as usual."""
    sink = problem_sink(state, where, scope)

    def sink_unless_absent(failure: Failure) -> None:
        if failure.kind not in NOT_HERE:
            sink(failure)

    return sink_unless_absent


NOT_PERMITTED = "not available with this token's permissions"


def not_permitted(failure: Failure) -> Failure:
    """A fine-grained token's refusal, said as what it is: this listing is beyond its
    permissions (GitLab's own words kept: they name the permission). A 404 from the
    catch-all route is a version's missing endpoint, not a refusal, and stays as it is."""
    if failure.kind not in PERMISSION_REFUSALS or is_missing_route(failure):
        return failure
    return Failure(
        FailureKind.MISSING_PERMISSION, f"{NOT_PERMITTED} ({failure.message})", failure.status
    )


def says_fine_grained(row: dict[str, Any]) -> bool:
    """Whether a token row (``/personal_access_tokens/self``) is a fine-grained token's:
    ``granular: true``, ``scopes: ["granular"]`` or a ``granular_scopes`` list. Read from
    the row, never from the version."""
    return (
        row.get("granular") is True
        or row.get("scopes") == ["granular"]
        or isinstance(row.get("granular_scopes"), list)
    )


def row_scope(kinds: frozenset[TokenKind], row: dict[str, Any]) -> Scope | None:
    """The one token a bad row was (when its id is readable)."""
    row_id = row.get("id")
    return Scope(kinds, token_id=row_id) if is_id(row_id) else None


ROW_ERRORS = (parse.MalformedTokenError, ValueError, TypeError, OverflowError)
"""What one odd row can raise; it costs that row (a named problem), never the instance."""


def add_rows(
    state: Collected, make: Callable[[dict[str, Any]], Token], where: str, scope: Scope
) -> Callable[[Rows], None]:
    """Rows into tokens; a bad row is a problem naming ``where`` and that one token."""

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
