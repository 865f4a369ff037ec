"""Lookups, filters and lifecycle rules shared by several token endpoints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from gltui.sandbox import errors
from gltui.sandbox.api import Context
from gltui.sandbox.pagination import Page, paginate
from gltui.sandbox.request import Params
from gltui.sandbox.store import MAINTAINER, OWNER, PersonalToken, Store, User

T = TypeVar("T")

MAX_LIFETIME_DAYS = 365
ROTATED_LIFETIME_DAYS = 7
SORTS = (
    "created_asc",
    "created_desc",
    "expires_asc",
    "expires_desc",
    "last_used_asc",
    "last_used_desc",
    "name_asc",
    "name_desc",
)
MIN_CHARS_FOR_PARTIAL_MATCHING = 3


def integer_id(value: str, name: str = "id") -> int:
    """A path parameter declared ``Integer``: anything else is ``<name> is invalid``."""
    if value.isdigit():
        return int(value)
    raise errors.param_errors([f"{name} is invalid"])


def find_source(context: Context, kind: str, ident: str) -> int:
    """A project or group by id or full path, if the caller may see it; else GitLab's 404."""
    store = context.store
    label = "Project" if kind == "project" else "Group"
    resource_id: int | None = None
    if ident.isdigit():
        resource_id = int(ident)
    elif kind == "project":
        resource_id = next(
            (p.id for p in store.projects.values() if store.project_full_path(p) == ident), None
        )
    else:
        resource_id = next(
            (g.id for g in store.groups.values() if store.group_full_path(g) == ident), None
        )
    if (
        resource_id is None
        or not store.resource_exists(kind, resource_id)
        or not store.can_see(context.caller, kind, resource_id)
    ):
        raise errors.not_found(label)
    return resource_id


def manager_level(kind: str) -> int:
    """The role that manages a project's or group's tokens, service accounts and CI/CD
    variables: Maintainer of a project, Owner of a group."""
    return MAINTAINER if kind == "project" else OWNER


def has_role(context: Context, kind: str, resource_id: int, level: int) -> bool:
    """Whether the caller is an administrator or holds ``level`` on the project or group."""
    caller = context.caller
    return caller.is_admin or context.store.access(caller.id, kind, resource_id) >= level


def require_role(context: Context, kind: str, resource_id: int, level: int) -> None:
    """GitLab's ``authorize!``: 403 below ``level`` (administrators pass)."""
    if not has_role(context, kind, resource_id, level):
        raise errors.forbidden()


def find_managed(context: Context, kind: str, ident: str) -> int:
    """The project or group, in GitLab's ``before`` order: 404 when the caller cannot see
    it, then 403 below :func:`manager_level`."""
    resource_id = find_source(context, kind, ident)
    require_role(context, kind, resource_id, manager_level(kind))
    return resource_id


def find_user(store: Store, ident: str) -> User:
    """A user by id or username; ``404 User Not Found`` otherwise."""
    if ident.isdigit() and int(ident) in store.users:
        return store.users[int(ident)]
    for user in store.users.values():
        if user.username == ident:
            return user
    raise errors.not_found("User")


def max_expiry(store: Store) -> date:
    """The latest expiry the instance accepts (today + 365 days, or the administrator's
    lower ``max_personal_access_token_lifetime``)."""
    return store.today() + timedelta(days=store.max_lifetime_days or MAX_LIFETIME_DAYS)


def expiry_error(store: Store, expires_at: date | None) -> str | None:
    """The model's message for an expiry beyond the limit, or ``None``."""
    if expires_at is not None and expires_at > max_expiry(store):
        return f"Expires at must be before {max_expiry(store).isoformat()}"
    return None


def default_expiry(context: Context) -> date | None:
    """Omitted ``expires_at``: the maximum lifetime since 16.0, never before."""
    return max_expiry(context.store) if context.profile.requires_expiry else None


@dataclass
class TokenFilter:
    """The list filters GitLab's token finders understand."""

    state: str | None = None
    revoked: bool | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None
    last_used_before: datetime | None = None
    last_used_after: datetime | None = None
    expires_before: date | None = None
    expires_after: date | None = None
    search: str | None = None
    sort: str | None = None

    def key(self) -> tuple[Any, ...]:
        """A hashable form, for the listing cache."""
        return tuple(vars(self).values())


def read_filter(params: Params, *, basic: bool, dates: bool, expiry_and_sort: bool) -> TokenFilter:
    """Read the filters a version supports; others are ignored, as Grape ignores them."""
    found = TokenFilter()
    if basic:
        found.state = params.choice("state", ("active", "inactive"))
    if dates:
        found.revoked = params.boolean("revoked")
        found.created_before = params.instant("created_before")
        found.created_after = params.instant("created_after")
        found.last_used_before = params.instant("last_used_before")
        found.last_used_after = params.instant("last_used_after")
        found.search = params.string("search")
    if expiry_and_sort:
        found.expires_before = params.day("expires_before")
        found.expires_after = params.day("expires_after")
        sort = params.string("sort")
        found.sort = sort if sort in SORTS else None  # unknown values are ignored
    return found


def _matches_name(name: str, query: str) -> bool:
    if len(query) >= MIN_CHARS_FOR_PARTIAL_MATCHING:
        return query.lower() in name.lower()
    return name.lower() == query.lower()


def apply_filter(
    rows: Sequence[PersonalToken], found: TokenFilter, today: date
) -> list[PersonalToken]:
    """Filter and order rows as the finder does (default order: id ascending)."""

    def keep(token: PersonalToken) -> bool:
        if found.state == "active" and not token.active(today):
            return False
        if found.state == "inactive" and token.active(today):
            return False
        if found.revoked is not None and token.revoked != found.revoked:
            return False
        if found.created_before and token.created_at > found.created_before:
            return False
        if found.created_after and token.created_at < found.created_after:
            return False
        if found.last_used_before and (
            token.last_used_at is None or token.last_used_at > found.last_used_before
        ):
            return False
        if found.last_used_after and (
            token.last_used_at is None or token.last_used_at < found.last_used_after
        ):
            return False
        if found.expires_before and (
            token.expires_at is None or token.expires_at >= found.expires_before
        ):
            return False
        if found.expires_after and (
            token.expires_at is None or token.expires_at < found.expires_after
        ):
            return False
        return not (found.search and not _matches_name(token.name, found.search))

    kept = sorted((token for token in rows if keep(token)), key=lambda t: t.id)
    if found.sort:
        kept = _sorted(kept, found.sort)
    return kept


def _sorted(rows: list[PersonalToken], sort: str) -> list[PersonalToken]:
    """PostgreSQL order: NULLs last ascending, first descending; ``id`` breaks ties."""
    field, direction = sort.rsplit("_", 1)
    descending = direction == "desc"
    getters: dict[str, Callable[[PersonalToken], Any]] = {
        "created": lambda t: t.created_at,
        "expires": lambda t: t.expires_at,
        "last_used": lambda t: t.last_used_at,
        "name": lambda t: t.name,
    }
    value_of = getters[field]
    present = [t for t in rows if value_of(t) is not None]
    missing = [t for t in rows if value_of(t) is None]
    present.sort(key=lambda t: (value_of(t), t.id), reverse=descending)
    missing.sort(key=lambda t: t.id, reverse=descending)
    return missing + present if descending else present + missing


def cached_listing(context: Context, key: tuple[Any, ...], build: Callable[[], list[T]]) -> list[T]:
    """Filtered listings are computed once per store revision and reused for every page
    (an administrator's walk pages through 16,000 projects and 100,000 users: filtering
    and sorting them again for each page cost the sandbox most of its time)."""
    store = context.store
    full_key = (*key, store.revision, store.today())
    cache = store.listing_cache
    if full_key not in cache:
        if len(cache) > 256:
            cache.clear()
        cache[full_key] = build()
    found: list[T] = cache[full_key]
    return found


def listing_key(context: Context) -> tuple[Any, ...]:
    """What a listing's rows depend on besides the store: its path, the caller and every
    parameter but the page (a request that fails its parameters is never cached)."""
    request = context.request
    query = tuple(sorted((k, v) for k, v in request.query if k not in PAGE_PARAMETERS))
    body = repr(sorted((k, v) for k, v in request.body.items() if k not in PAGE_PARAMETERS))
    return (tuple(request.segments), context.caller.id, query, body)


PAGE_PARAMETERS = frozenset({"page", "per_page"})


def page_of(
    context: Context, params: Params, rows: Sequence[Any], render: Callable[[Any], Any]
) -> Page:
    """Paginate after checking every parameter error at once."""
    params.check()
    return paginate(context.request, rows, render, params)


def rotate(
    context: Context,
    token: PersonalToken,
    params: Params,
    *,
    takes_expires_at: bool | None = None,
) -> tuple[PersonalToken, str]:
    """Rotate as ``RotateService`` does: new row (default expiry a week), old revoked.

    A revoked target is refused with ``Token already revoked`` and nothing else happens:
    reuse detection belongs to authentication (:mod:`gltui.sandbox.families`), so it
    fires only when the revoked secret itself calls a rotate path. ``takes_expires_at``
    overrides the version's gate for the ``expires_at`` parameter (service-account
    rotation gained it later than PAT rotation)."""
    store = context.store
    if takes_expires_at is None:
        takes_expires_at = context.profile.rotate_takes_expires_at
    expires_at = params.day("expires_at") if takes_expires_at else None
    params.check()
    if token.revoked:
        raise errors.bad_request("Token already revoked")
    problem = expiry_error(store, expires_at)
    if problem:
        raise errors.bad_request(problem)
    if expires_at is None:
        expires_at = store.today() + timedelta(days=ROTATED_LIFETIME_DAYS)
    token.revoked = True
    new, secret = store.add_personal_token(
        token.user_id,
        token.name,
        token.scopes,
        expires_at,
        description=token.description,
        impersonation=token.impersonation,
        previous_id=token.id,
        granular_scopes=token.granular_scopes,  # RotateService copies ``granular`` too
    )
    return new, secret
