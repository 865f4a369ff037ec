"""Tokens looked up and revoked by their value: ``/admin/token`` and ``/groups/:id/tokens/revoke``.

Incident response starts from a leaked string, not an id. GitLab offers two ways
that need no knowledge of the token's kind (``doc/api/admin/token.md``,
``doc/api/groups.md``): an administrator identifies (``POST``) and revokes
(``DELETE``) by value, and the Owner of a top-level group revokes the five kinds
that can reach the group (PATs, group and project access tokens, group deploy
tokens, feed tokens: the sandbox has no feed tokens). The identify answer is the
raw model (``updated_at``, ``expire_notification_delivered``, ...), not the usual
API entity; the sandbox renders PAT-type rows as the documented example and deploy
tokens with the model's own columns (that shape is not documented).
"""

from __future__ import annotations

from typing import Any

from gltui.sandbox import entities, errors
from gltui.sandbox.api import WRITE, Context, route
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import find_source
from gltui.sandbox.store import OWNER, DeployToken, PersonalToken, Store


def _find(context: Context) -> PersonalToken | DeployToken:
    """The token named by the body's ``token``; 400 without one, 404 when unknown."""
    params = Params(context.request)
    value = params.string("token", required=True)
    params.check()
    token = context.store.find_by_secret(value or "")
    if token is None:
        raise errors.not_found()
    return token


def _require_admin(context: Context) -> None:
    if not context.caller.is_admin:
        raise errors.forbidden()


def _model(store: Store, token: PersonalToken | DeployToken) -> dict[str, Any]:
    """The token's database row, as ``POST /admin/token`` answers."""
    if isinstance(token, DeployToken):
        kind, resource_id = token.resource
        return {
            "id": token.id,
            "name": token.name,
            "username": token.username,
            "revoked": token.revoked,
            "expires_at": entities.timestamp(token.expires_at),
            "created_at": entities.timestamp(token.created_at),
            "scopes": list(token.scopes),
            "deploy_token_type": f"{kind}_type",
            f"{kind}_id": resource_id,
        }
    return {
        "id": token.id,
        "user_id": token.user_id,
        "name": token.name,
        "revoked": token.revoked,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "created_at": entities.timestamp(token.created_at),
        "updated_at": entities.timestamp(token.created_at),
        "scopes": list(token.scopes),
        "impersonation": token.impersonation,
        "expire_notification_delivered": False,
        "last_used_at": entities.timestamp(token.last_used_at),
        "after_expiry_notification_delivered": False,
        "previous_personal_access_token_id": token.previous_id,
        "advanced_scopes": None,
        "organization_id": 1,
    }


@route("POST", "admin/token", scopes=WRITE, since=lambda p: p.at_least(17, 8))
def identify(context: Context) -> dict[str, Any]:
    """Any token by value (administrators; 403 otherwise, 404 when unknown)."""
    _require_admin(context)
    return _model(context.store, _find(context))


@route("DELETE", "admin/token", scopes=WRITE, status=204, since=lambda p: p.at_least(17, 8))
def revoke(context: Context) -> None:
    """Revoke any token by value (204; revoking twice is harmless)."""
    _require_admin(context)
    token = _find(context)
    token.revoked = True
    context.store.changed()


def _reaches(store: Store, token: PersonalToken | DeployToken, group_id: int) -> bool:
    """Whether ``token`` "has access to the group or any of its subgroups and projects"."""
    inside = {
        gid for gid in store.groups if group_id in set(store.group_ancestry(gid))
    }  # the group and every subgroup
    if isinstance(token, DeployToken):
        kind, resource_id = token.resource
        return kind == "group" and resource_id in inside  # group deploy tokens only
    if token.impersonation:
        return False
    user_id = token.user_id
    if any(store.members.get(("group", gid), {}).get(user_id) for gid in inside):
        return True
    return any(
        project.group_id in inside and store.members.get(("project", pid), {}).get(user_id)
        for pid, project in store.projects.items()
    )


@route("POST", "groups/:id/tokens/revoke", scopes=WRITE, since=lambda p: p.at_least(17, 2))
def group_revoke(context: Context, ident: str) -> dict[str, Any]:
    """Revoke a token that reaches a top-level group (its Owners only); 200 with the
    token, revoked already or not; 404 for a token outside the group (it gives nothing away)."""
    store = context.store
    group_id = find_source(context, "group", ident)
    group = store.groups[group_id]
    if group.parent_id is not None:
        raise errors.bad_request("Must be a top-level group")
    if store.group_access(context.caller.id, group_id) < OWNER and not context.caller.is_admin:
        raise errors.forbidden()
    token = _find(context)
    if not _reaches(store, token, group_id):
        raise errors.not_found()
    token.revoked = True
    store.changed()
    if isinstance(token, DeployToken):
        return entities.deploy_token(store, token)
    return entities.personal_token(store, context.profile, token)
