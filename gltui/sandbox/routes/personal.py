"""Personal access tokens: ``/personal_access_tokens`` and creation under ``/users``."""

from __future__ import annotations

from typing import Any

from gltui.sandbox import entities, errors
from gltui.sandbox.api import ANY_SCOPE, SELF_ROTATE, WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes import granular_create
from gltui.sandbox.routes.common import (
    apply_filter,
    cached_listing,
    default_expiry,
    expiry_error,
    find_user,
    integer_id,
    page_of,
    read_filter,
    rotate,
)
from gltui.sandbox.store import PersonalToken, User


def _render(context: Context, token: PersonalToken, **extra: Any) -> dict[str, Any]:
    return entities.personal_token(context.store, context.profile, token, **extra)


@route("GET", "personal_access_tokens", permission="read_personal_access_token", boundary="user")
def list_tokens(context: Context) -> Page:
    """Own tokens; an admin sees every row of the instance (bots' and impersonation too)."""
    params = Params(context.request)
    profile, store, caller = context.profile, context.store, context.caller
    user_id = params.integer("user_id")
    found = read_filter(
        params,
        basic=profile.pat_filters,
        dates=profile.pat_filters,
        expiry_and_sort=profile.pat_expiry_filters_and_sort,
    )
    params.check()
    if caller.is_admin:
        if user_id is not None and user_id not in store.users:
            raise errors.not_found("User")
    elif user_id is not None and user_id != caller.id:
        raise errors.unauthorized()

    def build() -> list[PersonalToken]:
        if caller.is_admin:
            rows = store.tokens_of_user(user_id) if user_id else list(store.pats.values())
        else:
            rows = [t for t in store.tokens_of_user(caller.id) if not t.impersonation]
        return apply_filter(rows, found, store.today())

    key = ("pat", caller.id if not caller.is_admin else 0, user_id, found.key())
    rows = cached_listing(context, key, build)
    return page_of(context, params, rows, lambda token: _render(context, token))


@route(
    "GET",
    "personal_access_tokens/self",
    scopes=ANY_SCOPE,
    since=lambda p: p.has_pat_self,
    permission="read_personal_access_token",
    boundary="user",
)
def get_self(context: Context) -> dict[str, Any]:
    """The token making the request; any legacy scope works, a fine-grained token needs
    Personal Access Token: Read (and sees its own ``granular_scopes`` since 19.5)."""
    profile = context.profile
    return _render(
        context,
        context.token,
        with_ips=profile.last_used_ips_in_lists,
        granular_scopes=profile.granular_scopes_in_self,
    )


@route(
    "GET",
    "personal_access_tokens/self/associations",
    scopes=ANY_SCOPE,
    since=lambda p: p.has_self_associations,
    permission="read_personal_access_token",  # UNCONFIRMED
    boundary="user",
)
def self_associations(context: Context) -> dict[str, Any]:
    """Groups and projects the token's user belongs to."""
    params = Params(context.request)
    minimum = params.integer("min_access_level") or 10
    params.check()
    store, user = context.store, context.caller
    groups = [
        {
            **entities.group(store, context.base_url, g),
            "access_levels": store.group_access(user.id, g.id),
        }
        for g in store.groups.values()
        if store.group_access(user.id, g.id) >= minimum
    ]
    projects = [
        entities.project(store, context.base_url, p, user)
        for p in store.projects.values()
        if store.project_access(user.id, p.id) >= minimum
    ]
    return {"groups": groups, "projects": projects}


@route(
    "DELETE",
    "personal_access_tokens/self",
    scopes=ANY_SCOPE,
    status=204,
    permission="revoke_personal_access_token",
    boundary="user",
)
def revoke_self(context: Context) -> None:
    """Revoke the calling token (``api`` scope only before 15.4)."""
    if not context.profile.at_least(15, 4) and "api" not in context.token.scopes:
        raise errors.insufficient_scope(("api",))
    context.token.revoked = True
    context.store.changed()


@route(
    "POST",
    "personal_access_tokens/self/rotate",
    scopes=SELF_ROTATE,
    since=lambda p: p.has_pat_self_rotate,
    permission="rotate_personal_access_token",
    boundary="user",
)
def rotate_self(context: Context) -> dict[str, Any]:
    """Rotate the calling token; the answer carries the new secret (and, since 19.6,
    a fine-grained token's ``granular_scopes``)."""
    new, secret = rotate(context, context.token, Params(context.request))
    shown = context.profile.granular_scopes_in_self_rotate
    return _render(context, new, secret=secret, granular_scopes=shown)


@route(
    "GET",
    "personal_access_tokens/:id",
    since=lambda p: p.has_pat_get_by_id,
    permission="read_personal_access_token",
    boundary="user",
)
def get_token(context: Context, ident: str) -> dict[str, Any]:
    """One token: its owner or an admin; others get 401 whether it exists or not."""
    token = context.store.pats.get(integer_id(ident))
    caller = context.caller
    if token is not None and (caller.is_admin or token.user_id == caller.id):
        return _render(context, token, with_ips=True)
    if caller.is_admin and context.profile.at_least(15, 3):
        raise errors.not_found()
    raise errors.unauthorized()


@route(
    "DELETE",
    "personal_access_tokens/:id",
    scopes=WRITE,
    status=204,
    permission="revoke_personal_access_token",
    boundary="user",
)
def revoke_token(context: Context, ident: str) -> None:
    """Revoke a token; revoking an already revoked one succeeds."""
    token = context.store.pats.get(integer_id(ident))
    if token is None:
        raise errors.record_not_found()
    if not (context.caller.is_admin or token.user_id == context.caller.id):
        raise errors.bad_request("Not permitted to revoke")
    if not token.revoked:
        token.revoked = True
        context.store.changed()


@route(
    "POST",
    "personal_access_tokens/:id/rotate",
    scopes=WRITE,
    since=lambda p: p.has_rotate,
    permission="rotate_personal_access_token",
    boundary="user",
)
def rotate_token(context: Context, ident: str) -> dict[str, Any]:
    """Rotate a token by id; 200 with the new token's secret."""
    token = context.store.pats.get(integer_id(ident))
    caller = context.caller
    if token is None or not (caller.is_admin or token.user_id == caller.id):
        if caller.is_admin:
            raise errors.not_found()
        raise errors.unauthorized()
    new, secret = rotate(context, token, Params(context.request))
    return _render(context, new, secret=secret)


def _create_params(params: Params, allowed: frozenset[str], *, granular: bool) -> dict[str, Any]:
    """Grape's validation of a PAT creation; ``granular``: the version takes
    ``granular_scopes`` here, so ``scopes`` turns optional (``exactly_one_of``)."""
    name = params.string("name", required=True)
    scopes = params.string_list("scopes", required=not granular)
    if scopes is not None and not set(scopes) <= allowed:
        params.errors.append("scopes does not have a valid value")
    expires_at = params.day("expires_at")
    description = params.string("description")
    requested = None
    if granular:
        requested = granular_create.read_scopes(params)
        granular_create.exactly_one(params)
    params.check()
    return {
        "name": name,
        "scopes": scopes,
        "requested": requested,
        "expires_at": expires_at,
        "description": description,
    }


def _create(context: Context, owner: User, fields: dict[str, Any]) -> tuple[PersonalToken, str]:
    """The model's and the service's checks, then the new row (legacy or fine-grained)."""
    problem = expiry_error(context.store, fields["expires_at"])
    scopes = None
    if fields["requested"] is not None:
        scopes = granular_create.build(context, owner, fields["requested"], errors.unprocessable)
    if problem:
        raise errors.unprocessable(problem)
    return context.store.add_personal_token(
        owner.id,
        fields["name"],
        [granular_create.LEGACY_MARKER] if scopes is not None else fields["scopes"],
        fields["expires_at"] or default_expiry(context),
        description=fields["description"],
        granular_scopes=scopes,
    )


@route("POST", "users/:user_id/personal_access_tokens", scopes=WRITE, status=201)
def create_for_user(context: Context, user_id: str) -> Response:
    """Admins create a personal token for any user (201, with the secret); with
    ``granular_scopes`` since 19.6 (before, Grape ignores that unknown parameter)."""
    if not context.caller.is_admin:
        raise errors.forbidden()
    params = Params(context.request)
    profile = context.profile
    fields = _create_params(
        params, profile.all_scopes(), granular=profile.has_admin_granular_create
    )
    user = find_user(context.store, str(integer_id(user_id, "user_id")))
    admin_only = {"sudo", "admin_mode", "read_service_ping"}
    if not user.is_admin and set(fields["scopes"] or ()) & admin_only:
        raise errors.unprocessable("Sudo can only be enabled for administrators")
    token, secret = _create(context, user, fields)
    return Response(201, _render(context, token, secret=secret))


@route(
    "POST",
    "user/personal_access_tokens",
    scopes=WRITE,
    since=lambda p: p.has_user_pat_create,
    status=201,
    permission="create_user_personal_access_token",
    boundary="user",
)
def create_for_self(context: Context) -> Response:
    """Anyone may create their own token: a legacy one only with ``k8s_proxy`` or
    ``self_rotate``, and since 19.2 a fine-grained one with any permissions they may
    grant (the answer shows its ``granular_scopes`` since 19.6)."""
    params = Params(context.request)
    profile = context.profile
    fields = _create_params(
        params, profile.self_service_pat_scopes(), granular=profile.has_granular_tokens
    )
    token, secret = _create(context, context.caller, fields)
    body = _render(
        context,
        token,
        secret=secret,
        granular_scopes=profile.granular_scopes_in_created_and_impersonation,
    )
    return Response(201, body)
