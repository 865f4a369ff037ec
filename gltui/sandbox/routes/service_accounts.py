"""Service accounts and their tokens: instance, group and project endpoints.

Instance service accounts (administrators; Self-Managed) are listed and created under
``/service_accounts``; their tokens go through the ordinary PAT API. Group and project
service accounts have their own token endpoints under
``/groups|projects/:id/service_accounts/:user_id/personal_access_tokens``: list with the
full PAT filter set (17.11), create (16.1), revoke (17.11) and rotate (16.1; ``expires_at``
17.9; a week when omitted). Versions without an endpoint answer the catch-all 404.

Permissions follow ``ee/lib/api/group_service_accounts.rb``: every route first
authorizes ``admin_service_accounts`` on the group (Owner, or administrator; the
sandbox allows Owners as GitLab.com does, and as Self-Managed does when
"allow top-level group owners to create service accounts" is on) and answers
``403 Forbidden`` otherwise, ``404 Group Not Found`` for a group the caller cannot see.
For projects the role is Maintainer (``doc/api/service_accounts.md``). A ``user_id``
that is not a service account of that group or project is ``404 User Not Found``; a
token of someone else on rotate is ``404 Not Found``, on revoke ``404 Personal Access
Token Not Found``, as that file answers.

Before 18.11 only top-level groups have service accounts: a subgroup has none to list
or manage, and creating one there is refused with a 400 (the wording is UNCONFIRMED).
"""

from __future__ import annotations

from typing import Any, TypedDict

from gltui.sandbox import ci_entities, entities, errors, kind_gates
from gltui.sandbox.accounts import add_service_account, username_taken
from gltui.sandbox.api import WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import (
    apply_filter,
    default_expiry,
    expiry_error,
    find_managed,
    integer_id,
    page_of,
    read_filter,
    rotate,
)
from gltui.sandbox.store import PersonalToken, User

_ADMIN_SCOPES = frozenset({"sudo", "admin_mode", "read_service_ping"})
TOP_LEVEL_ONLY = "Service accounts can only be created in a top-level group"


def _ordered(params: Params, rows: list[User]) -> list[User]:
    """``order_by`` (``id``|``username``, default ``id``) and ``sort`` (default ``desc``)."""
    order_by = params.choice("order_by", ("id", "username")) or "id"
    sort = params.choice("sort", ("asc", "desc")) or "desc"
    params.check()
    return sorted(
        rows,
        key=lambda u: (u.username, u.id) if order_by == "username" else (u.id,),
        reverse=sort == "desc",
    )


def _new_account(context: Context, provisioned_by: tuple[str, int] | None) -> Response:
    """``POST``: an account named ``Service account user`` unless told otherwise (201)."""
    params = Params(context.request)
    name = params.string("name")
    username = params.string("username")
    params.string("email")  # accepted (17.9); the sandbox keeps GitLab's no-reply address
    params.check()
    if username is not None and username_taken(context.store, username):
        raise errors.bad_request("Username has already been taken")
    account = add_service_account(
        context.store, provisioned_by=provisioned_by, name=name or None, username=username
    )
    return Response(201, ci_entities.service_account(context.profile, account))


# --- instance service accounts (administrators) --------------------------------


@route(
    "GET",
    "service_accounts",
    since=kind_gates.has_service_account_list,
    permission="read_service_account",
    boundary="instance",
)
def list_instance_accounts(context: Context) -> Page:
    """Every instance service account (not those of groups or projects)."""
    if not context.caller.is_admin:
        raise errors.forbidden()
    params = Params(context.request)
    rows = _ordered(params, context.store.service_accounts_of(None))
    return page_of(context, params, rows, lambda u: ci_entities.service_account(context.profile, u))


@route(
    "POST",
    "service_accounts",
    scopes=WRITE,
    since=kind_gates.has_service_account_create,
    status=201,
)
def create_instance_account(context: Context) -> Response:
    """Create an instance service account (administrators; 403 otherwise)."""
    if not context.caller.is_admin:
        raise errors.forbidden()
    return _new_account(context, None)


# --- group and project service accounts ------------------------------------------


def _namespace(context: Context, kind: str, ident: str) -> int:
    """The group or project, after GitLab's ``before`` block: 404 unseen, 403 below
    ``admin_service_accounts`` (Owner of the group, Maintainer of the project)."""
    return find_managed(context, kind, ident)


def _can_own_accounts(context: Context, kind: str, resource_id: int) -> bool:
    """Subgroups own service accounts only from 18.11."""
    if kind != "group" or kind_gates.subgroup_service_accounts(context.profile):
        return True
    return context.store.groups[resource_id].parent_id is None


def _account(context: Context, kind: str, resource_id: int, user_id: str) -> User:
    """``validate_service_account_user``: one of this namespace's service accounts."""
    wanted = integer_id(user_id, "user_id")
    account = context.store.users.get(wanted)
    if account is None or account.provisioned_by != (kind, resource_id):
        raise errors.not_found("User")
    return account


def _render(context: Context, token: PersonalToken, secret: str | None = None) -> dict[str, Any]:
    return entities.personal_token(context.store, context.profile, token, secret=secret)


def _list_accounts(context: Context, kind: str, ident: str) -> Page:
    resource_id = _namespace(context, kind, ident)
    params = Params(context.request)
    rows = context.store.service_accounts_of((kind, resource_id))
    rows = _ordered(params, rows)
    return page_of(context, params, rows, lambda u: ci_entities.service_account(context.profile, u))


def _create_account(context: Context, kind: str, ident: str) -> Response:
    resource_id = _namespace(context, kind, ident)
    if not _can_own_accounts(context, kind, resource_id):
        raise errors.bad_request(TOP_LEVEL_ONLY)
    return _new_account(context, (kind, resource_id))


def _list_tokens(context: Context, kind: str, ident: str, user_id: str) -> Page:
    resource_id = _namespace(context, kind, ident)
    account = _account(context, kind, resource_id, user_id)
    params = Params(context.request)
    found = read_filter(params, basic=True, dates=True, expiry_and_sort=True)
    params.check()
    store = context.store
    rows = apply_filter(store.tokens_of_user(account.id), found, store.today())
    return page_of(context, params, rows, lambda token: _render(context, token))


def _create_token(context: Context, kind: str, ident: str, user_id: str) -> Response:
    resource_id = _namespace(context, kind, ident)
    account = _account(context, kind, resource_id, user_id)
    params = Params(context.request)
    name = params.string("name", required=True)
    scopes = params.string_list("scopes", required=True)
    if scopes is not None and not set(scopes) <= context.profile.all_scopes():
        params.errors.append("scopes does not have a valid value")
    expires_at = params.day("expires_at")
    description = params.string("description")
    params.check()
    assert name is not None  # params.check() raised otherwise
    assert scopes is not None
    store = context.store
    if set(scopes) & _ADMIN_SCOPES:
        raise errors.unprocessable("Sudo can only be enabled for administrators")
    problem = expiry_error(store, expires_at)
    if problem:
        raise errors.unprocessable(problem)
    token, secret = store.add_personal_token(
        account.id,
        name,
        scopes,
        expires_at or default_expiry(context),
        description=description,
    )
    return Response(201, _render(context, token, secret))


def _revoke_token(context: Context, kind: str, ident: str, user_id: str, token_id: str) -> None:
    resource_id = _namespace(context, kind, ident)
    account = _account(context, kind, resource_id, user_id)
    wanted = integer_id(token_id, "token_id")
    token = next((t for t in context.store.tokens_of_user(account.id) if t.id == wanted), None)
    if token is None:
        raise errors.not_found("Personal Access Token")
    if not token.revoked:  # revoking twice succeeds (``revoke!`` returns early)
        token.revoked = True
        context.store.changed()


def _rotate_token(
    context: Context, kind: str, ident: str, user_id: str, token_id: str
) -> dict[str, Any]:
    resource_id = _namespace(context, kind, ident)
    account = _account(context, kind, resource_id, user_id)
    token = context.store.pats.get(integer_id(token_id, "token_id"))
    if token is None or token.user_id != account.id:
        raise errors.not_found()
    takes_expires_at = kind_gates.service_account_rotate_takes_expires_at(context.profile)
    new, secret = rotate(context, token, Params(context.request), takes_expires_at=takes_expires_at)
    return _render(context, new, secret)


class _Grant(TypedDict):
    permission: str | None
    boundary: str | None


def _grant(kind: str, permission: str) -> _Grant:
    """What a fine-grained token needs: GitLab documents these permissions at the group
    boundary only, so project routes refuse fine-grained tokens (UNCONFIRMED)."""
    if kind == "group":
        return {"permission": permission, "boundary": "group"}
    return {"permission": None, "boundary": None}


def _register(kind: str) -> None:
    """The same endpoints for groups and projects, as GitLab's two Grape classes have."""
    base = f"{kind}s/:id/service_accounts"
    tokens = f"{base}/:user_id/personal_access_tokens"
    if kind == "group":
        listed, created = kind_gates.has_service_account_list, kind_gates.has_service_account_create
        tokens_listed = kind_gates.has_group_service_account_tokens
    else:
        listed = created = tokens_listed = kind_gates.has_project_service_accounts
    resource_name = "service_account_personal_access_token"

    @route("GET", base, since=listed, **_grant(kind, "read_service_account"))
    def list_accounts(context: Context, ident: str) -> Page:
        return _list_accounts(context, kind, ident)

    @route("POST", base, scopes=WRITE, since=created, status=201)
    def create_account(context: Context, ident: str) -> Response:
        return _create_account(context, kind, ident)

    @route("GET", tokens, since=tokens_listed, **_grant(kind, f"read_{resource_name}"))
    def list_tokens(context: Context, ident: str, user_id: str) -> Page:
        return _list_tokens(context, kind, ident, user_id)

    @route(
        "POST",
        tokens,
        scopes=WRITE,
        since=created,
        status=201,
        **_grant(kind, f"create_{resource_name}"),
    )
    def create_token(context: Context, ident: str, user_id: str) -> Response:
        return _create_token(context, kind, ident, user_id)

    @route(
        "DELETE",
        f"{tokens}/:token_id",
        scopes=WRITE,
        since=tokens_listed,
        status=204,
        **_grant(kind, f"revoke_{resource_name}"),
    )
    def revoke_token(context: Context, ident: str, user_id: str, token_id: str) -> None:
        _revoke_token(context, kind, ident, user_id, token_id)

    @route(
        "POST",
        f"{tokens}/:token_id/rotate",
        scopes=WRITE,
        since=created,
        **_grant(kind, f"rotate_{resource_name}"),
    )
    def rotate_token(context: Context, ident: str, user_id: str, token_id: str) -> dict[str, Any]:
        return _rotate_token(context, kind, ident, user_id, token_id)


_register("group")
_register("project")
