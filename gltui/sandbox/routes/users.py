"""The current user, users, impersonation tokens, ``/metadata`` and ``/version``."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from gltui.sandbox import entities, errors
from gltui.sandbox.api import USER_READ, WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes import granular_create
from gltui.sandbox.routes.common import (
    cached_listing,
    default_expiry,
    expiry_error,
    find_user,
    integer_id,
    listing_key,
    page_of,
)
from gltui.sandbox.store import PersonalToken, User


@route("GET", "user", scopes=USER_READ, permission="read_user", boundary="user")
def current_user(context: Context) -> dict[str, Any]:
    """Who the token belongs to; ``is_admin`` appears for administrators only.

    A fine-grained token reads users with User: Read and the version with Metadata:
    Read (seen by a GitLab 19.4 client; UNCONFIRMED in the reference)."""
    caller = context.caller
    return entities.user(
        context.store, context.base_url, caller, full=True, admin_view=caller.is_admin
    )


def _render_user(context: Context, person: User) -> dict[str, Any]:
    admin = context.caller.is_admin
    return entities.user(context.store, context.base_url, person, full=admin, admin_view=admin)


@route("GET", "users", scopes=USER_READ, permission="read_user", boundary="user")
def list_users(context: Context) -> Page:
    """Users, newest first (GitLab's default ``order_by=id&sort=desc``)."""
    params = Params(context.request)
    username = params.string("username")
    search = params.string("search")
    humans = params.boolean("humans")
    without_bots = params.boolean("without_project_bots")
    order = params.choice("sort", ("asc", "desc")) or "desc"
    params.check()

    def build() -> list[User]:
        rows = list(context.store.users.values())
        if username is not None:
            rows = [u for u in rows if u.username.lower() == username.lower()]
        if search:
            needle = search.lower()
            rows = [u for u in rows if needle in u.username.lower() or needle in u.name.lower()]
        if humans or without_bots:
            rows = [u for u in rows if not u.is_bot]
        rows.sort(key=lambda u: u.id, reverse=order == "desc")
        return rows

    rows = cached_listing(context, ("users", *listing_key(context)), build)
    return page_of(context, params, rows, lambda u: _render_user(context, u))


@route("GET", "users/:id", scopes=USER_READ, permission="read_user", boundary="user")
def get_user(context: Context, ident: str) -> dict[str, Any]:
    """One user by id."""
    return _render_user(context, find_user(context.store, str(integer_id(ident))))


@route(
    "GET",
    "metadata",
    scopes=USER_READ,
    since=lambda p: p.has_metadata,
    permission="read_metadata",
    boundary="instance",
)
def metadata(context: Context) -> dict[str, Any]:
    """Version, revision, KAS and edition."""
    return entities.metadata(context.profile)


@route("GET", "version", scopes=USER_READ, permission="read_metadata", boundary="instance")
def version(context: Context) -> dict[str, Any]:
    """Deprecated twin of ``/metadata`` (only version and revision before 15.5)."""
    if context.profile.at_least(15, 5):
        return entities.metadata(context.profile)
    return {"version": context.profile.version, "revision": context.profile.revision}


# --- impersonation tokens (administrators only) -------------------------------


def _target(context: Context, user_id: str) -> User:
    if not context.caller.is_admin:
        raise errors.forbidden()
    return find_user(context.store, str(integer_id(user_id, "user_id")))


def _impersonation(context: Context, user: User, token_id: str) -> PersonalToken:
    wanted = integer_id(token_id, "impersonation_token_id")
    token = context.store.pats.get(wanted)
    if token is None or not token.impersonation or token.user_id != user.id:
        raise errors.not_found("Impersonation Token")
    return token


@route("GET", "users/:user_id/impersonation_tokens")
def list_impersonation(context: Context, user_id: str) -> Page:
    """A user's impersonation tokens, filtered by ``state`` (all, active, inactive)."""
    user = _target(context, user_id)
    params = Params(context.request)
    state = params.choice("state", ("all", "active", "inactive")) or "all"
    params.check()
    today = context.store.today()
    rows = [t for t in context.store.tokens_of_user(user.id) if t.impersonation]
    if state != "all":
        rows = [t for t in rows if t.active(today) == (state == "active")]
    return page_of(
        context,
        params,
        rows,
        lambda t: entities.impersonation_token(context.store, context.profile, t),
    )


@route("GET", "users/:user_id/impersonation_tokens/:impersonation_token_id")
def get_impersonation(context: Context, user_id: str, impersonation_token_id: str) -> Any:
    """One impersonation token."""
    user = _target(context, user_id)
    token = _impersonation(context, user, impersonation_token_id)
    return entities.impersonation_token(context.store, context.profile, token)


@route("POST", "users/:user_id/impersonation_tokens", scopes=WRITE, status=201)
def create_impersonation(context: Context, user_id: str) -> Response:
    """Create an impersonation token; model errors come back as 400 by attribute.

    Since 19.2 (MR 243990) ``granular_scopes`` makes it fine-grained; the two are
    mutually exclusive, and the service's refusals are 400s here."""
    user = _target(context, user_id)
    params = Params(context.request)
    name = params.string("name", required=True)
    scopes = params.string_list("scopes")
    if scopes is not None and not set(scopes) <= context.profile.all_scopes():
        params.errors.append("scopes does not have a valid value")
    expires_at = params.day("expires_at")
    description = params.string("description")
    requested = None
    if context.profile.has_granular_tokens:
        requested = granular_create.read_scopes(params)
        granular_create.mutually_exclusive(params)
    params.check()
    assert name is not None  # params.check() raised otherwise
    fine_grained = None
    if requested is not None:
        fine_grained = granular_create.build(context, user, requested, errors.bad_request)
        scopes = [granular_create.LEGACY_MARKER]
    problems: dict[str, list[str]] = {}
    if not scopes:
        problems["scopes"] = ["can't be blank"]
    elif not user.is_admin and set(scopes) & {"sudo", "admin_mode", "read_service_ping"}:
        problems["scopes"] = ["can only contain available scopes"]
    problem = expiry_error(context.store, expires_at)
    if problem:
        problems["expires_at"] = [problem.removeprefix("Expires at ")]
    if problems:
        raise errors.validation_error(problems)
    token, secret = context.store.add_personal_token(
        user.id,
        name,
        scopes or [],
        expires_at or default_expiry(context),
        description=description,
        impersonation=True,
        granular_scopes=fine_grained,
    )
    body = entities.impersonation_token(context.store, context.profile, token, secret=secret)
    return Response(201, body)


@route(
    "DELETE",
    "users/:user_id/impersonation_tokens/:impersonation_token_id",
    scopes=WRITE,
    status=204,
)
def revoke_impersonation(context: Context, user_id: str, impersonation_token_id: str) -> None:
    """Revoke (not delete) an impersonation token; honours ``If-Unmodified-Since``."""
    user = _target(context, user_id)
    token = _impersonation(context, user, impersonation_token_id)
    condition = context.request.header("If-Unmodified-Since")
    if condition:
        try:
            limit: datetime | None = parsedate_to_datetime(condition)
        except (TypeError, ValueError):
            limit = None
        if limit is not None and token.created_at.replace(microsecond=0) > limit:
            raise errors.ApiError(412, {"message": "412 Precondition Failed"})
    token.revoked = True
    context.store.changed()
