"""Deploy tokens: instance-wide (admins), per project and per group."""

from __future__ import annotations

import re
from typing import Any

from gltui.sandbox import entities, errors
from gltui.sandbox.api import WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import (
    find_source,
    integer_id,
    manager_level,
    page_of,
    require_role,
)
from gltui.sandbox.store import MAINTAINER, DeployToken

_USERNAME = re.compile(r"^[a-zA-Z0-9.+_-]{1,255}$")


def _listing(context: Context, rows: list[DeployToken], params: Params) -> Page:
    active = params.boolean("active")
    now = context.store.now()
    if active is not None:
        rows = [t for t in rows if t.active(now) == active]
    rows.sort(key=lambda t: t.id)
    return page_of(context, params, rows, lambda t: entities.deploy_token(context.store, t))


def _owned(context: Context, kind: str, resource_id: int) -> list[DeployToken]:
    return [t for t in context.store.deploy_tokens.values() if t.resource == (kind, resource_id)]


def _find(context: Context, kind: str, resource_id: int, token_id: str) -> DeployToken:
    wanted = integer_id(token_id, "token_id")
    token = context.store.deploy_tokens.get(wanted)
    if token is None or token.resource != (kind, resource_id):
        raise errors.record_not_found()
    return token


@route("GET", "deploy_tokens", permission="read_deploy_token", boundary="instance")
def list_all(context: Context) -> Page:
    """Every deploy token of the instance; administrators only."""
    if not context.caller.is_admin:
        raise errors.forbidden()
    return _listing(context, list(context.store.deploy_tokens.values()), Params(context.request))


def _register(kind: str) -> None:
    base = f"{kind}s/:id/deploy_tokens"
    write_level = manager_level(kind)

    @route("GET", base, permission="read_deploy_token", boundary=kind)
    def list_tokens(context: Context, ident: str) -> Page:
        resource_id = find_source(context, kind, ident)
        require_role(context, kind, resource_id, MAINTAINER)
        return _listing(context, _owned(context, kind, resource_id), Params(context.request))

    @route("GET", f"{base}/:token_id", permission="read_deploy_token", boundary=kind)
    def get_token(context: Context, ident: str, token_id: str) -> dict[str, Any]:
        resource_id = find_source(context, kind, ident)
        require_role(context, kind, resource_id, MAINTAINER)
        return entities.deploy_token(context.store, _find(context, kind, resource_id, token_id))

    @route("POST", base, scopes=WRITE, status=201)
    def create_token(context: Context, ident: str) -> Response:
        params = Params(context.request)
        name = params.string("name", required=True)
        scopes = params.string_list("scopes", required=True)
        if scopes is not None and not set(scopes) <= context.profile.deploy_scopes():
            params.errors.append("scopes does not have a valid value")
        expires_at = params.instant("expires_at")
        username = params.string("username")
        params.check()
        assert name is not None  # params.check() raised otherwise
        assert scopes is not None
        resource_id = find_source(context, kind, ident)
        require_role(context, kind, resource_id, write_level)
        if username is not None and not _USERNAME.match(username):
            raise errors.ApiError(
                400,
                {"message": "Username can contain only letters, digits, '_', '-', '+', and '.'"},
            )
        token, secret = context.store.add_deploy_token(
            (kind, resource_id), name, scopes, expires_at, username=username or None
        )
        return Response(201, entities.deploy_token(context.store, token, secret=secret))

    @route(
        "DELETE",
        f"{base}/:token_id",
        scopes=WRITE,
        status=204,
        permission="delete_deploy_token",
        boundary=kind,
    )
    def delete_token(context: Context, ident: str, token_id: str) -> None:
        resource_id = find_source(context, kind, ident)
        require_role(context, kind, resource_id, write_level)
        context.store.delete_deploy_token(_find(context, kind, resource_id, token_id).id)


_register("project")
_register("group")
