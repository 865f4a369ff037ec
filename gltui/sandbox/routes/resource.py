"""Project and group access tokens (one implementation serves both, as in GitLab)."""

from __future__ import annotations

from typing import Any

from gltui.sandbox import entities, errors
from gltui.sandbox.api import SELF_ROTATE, WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import (
    apply_filter,
    cached_listing,
    expiry_error,
    find_source,
    has_role,
    integer_id,
    manager_level,
    max_expiry,
    page_of,
    read_filter,
    rotate,
)
from gltui.sandbox.store import PersonalToken

_ACCESS_LEVELS = (10, 15, 20, 30, 40, 50)


def _may_manage(context: Context, kind: str, resource_id: int) -> bool:
    """``admin_project`` needs Maintainer; ``admin_group`` needs Owner."""
    return has_role(context, kind, resource_id, manager_level(kind))


def _render(context: Context, token: PersonalToken, secret: str | None = None) -> dict[str, Any]:
    return entities.resource_token(context.store, context.profile, token, secret=secret)


def _find_token(context: Context, kind: str, resource_id: int, token_id: str) -> PersonalToken:
    wanted = integer_id(token_id, "token_id")
    for token in context.store.resource_tokens(kind, resource_id):
        if token.id == wanted:
            return token
    raise errors.not_found(f"Could not find {kind} access token with token_id: {token_id}")


def _list(context: Context, kind: str, ident: str) -> Page:
    resource_id = find_source(context, kind, ident)
    if not _may_manage(context, kind, resource_id):
        raise errors.unauthorized()
    params = Params(context.request)
    profile = context.profile
    found = read_filter(
        params,
        basic=profile.resource_state_filter,
        dates=profile.resource_full_filters,
        expiry_and_sort=profile.resource_full_filters,
    )
    params.check()
    store = context.store

    def build() -> list[PersonalToken]:
        return apply_filter(store.resource_tokens(kind, resource_id), found, store.today())

    rows = cached_listing(context, ("rat", kind, resource_id, found.key()), build)
    return page_of(context, params, rows, lambda token: _render(context, token))


def _get(context: Context, kind: str, ident: str, token_id: str) -> dict[str, Any]:
    resource_id = find_source(context, kind, ident)
    if not _may_manage(context, kind, resource_id):
        raise errors.unauthorized()
    return _render(context, _find_token(context, kind, resource_id, token_id))


def _create(context: Context, kind: str, ident: str) -> Response:
    params = Params(context.request)
    profile, store, caller = context.profile, context.store, context.caller
    name = params.string("name", required=True)
    scopes = params.string_list("scopes", required=True)
    if scopes is not None and not set(scopes) <= profile.resource_scopes():
        params.errors.append("scopes does not have a valid value")
    expires_at = params.day("expires_at")
    description = params.string("description")
    level = params.integer("access_level")
    if level is not None and level not in _ACCESS_LEVELS:
        params.errors.append("access_level does not have a valid value")
    params.check()
    assert name is not None  # params.check() raised otherwise
    assert scopes is not None
    resource_id = find_source(context, kind, ident)
    level = 40 if level is None else level
    if caller.is_bot or not _may_manage(context, kind, resource_id):
        raise errors.bad_request(f"User does not have permission to create {kind} access token")
    if not caller.is_admin and level > store.access(caller.id, kind, resource_id):
        raise errors.bad_request(
            "Access level of the token contains permissions not held by the creating user"
        )
    problem = expiry_error(store, expires_at)
    if problem:
        raise errors.bad_request(problem)
    if store.token_limit:
        today = store.today()
        active = [
            t
            for t in store.resource_tokens(kind, resource_id)
            if not t.revoked and (t.expires_at is None or t.expires_at > today)
        ]
        if len(active) >= store.token_limit:
            raise errors.bad_request("Access token limit reached")
    bot = store.add_bot(kind, resource_id, level)
    token, secret = store.add_personal_token(
        bot.id, name, scopes, expires_at or max_expiry(store), description=description
    )
    return Response(201, _render(context, token, secret))


def _rotate(context: Context, kind: str, ident: str, token_id: str) -> dict[str, Any]:
    resource_id = find_source(context, kind, ident)
    if not _may_manage(context, kind, resource_id):
        raise errors.unauthorized()
    try:
        token = _find_token(context, kind, resource_id, token_id)
    except errors.ApiError:
        if context.caller.is_admin:
            raise
        raise errors.unauthorized() from None
    new, secret = rotate(context, token, Params(context.request))
    return _render(context, new, secret)


def _rotate_self(context: Context, kind: str, ident: str) -> dict[str, Any]:
    if not context.caller.is_bot:
        raise errors.method_not_allowed()
    resource_id = find_source(context, kind, ident)
    if context.store.resource_of_bot(context.caller.id) != (kind, resource_id):
        raise errors.unauthorized()
    new, secret = rotate(context, context.token, Params(context.request))
    return _render(context, new, secret)


def _revoke(context: Context, kind: str, ident: str, token_id: str) -> None:
    resource_id = find_source(context, kind, ident)
    token = _find_token(context, kind, resource_id, token_id)
    store = context.store
    if not _may_manage(context, kind, resource_id):
        bot = store.users[token.user_id]
        raise errors.bad_request(f"{context.caller.name} cannot delete {bot.username}")
    if context.profile.keeps_inactive_resource_tokens:
        token.revoked = True
        store.changed()
    else:
        store.delete_user(token.user_id)  # older GitLab removed the bot and its tokens


def _register(kind: str) -> None:
    base = f"{kind}s/:id/access_tokens"

    @route("GET", base, permission="read_resource_access_token", boundary=kind)
    def list_tokens(context: Context, ident: str) -> Page:
        return _list(context, kind, ident)

    @route(
        "POST",
        f"{base}/self/rotate",
        scopes=SELF_ROTATE,
        since=lambda p: p.has_resource_self_rotate,
        permission="rotate_resource_access_token",
        boundary=kind,
    )
    def rotate_self(context: Context, ident: str) -> dict[str, Any]:
        return _rotate_self(context, kind, ident)

    @route("GET", f"{base}/:token_id", permission="read_resource_access_token", boundary=kind)
    def get_token(context: Context, ident: str, token_id: str) -> dict[str, Any]:
        return _get(context, kind, ident, token_id)

    @route(
        "POST",
        base,
        scopes=WRITE,
        status=201,
        permission="create_resource_access_token",
        boundary=kind,
    )
    def create_token(context: Context, ident: str) -> Response:
        return _create(context, kind, ident)

    @route(
        "POST",
        f"{base}/:token_id/rotate",
        scopes=WRITE,
        since=lambda p: p.has_rotate,
        permission="rotate_resource_access_token",
        boundary=kind,
    )
    def rotate_token(context: Context, ident: str, token_id: str) -> dict[str, Any]:
        return _rotate(context, kind, ident, token_id)

    @route(
        "DELETE",
        f"{base}/:token_id",
        scopes=WRITE,
        status=204,
        permission="delete_resource_access_token",
        boundary=kind,
    )
    def revoke_token(context: Context, ident: str, token_id: str) -> None:
        _revoke(context, kind, ident, token_id)


_register("project")
_register("group")
