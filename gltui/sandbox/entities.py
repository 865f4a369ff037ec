"""JSON entities exactly as GitLab exposes them, varying by version profile."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.store import (
    DeployToken,
    GranularScope,
    Group,
    PersonalToken,
    Project,
    Store,
    User,
)


def timestamp(moment: datetime | None) -> str | None:
    """GitLab's datetime format: ``2026-01-02T03:04:05.678Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def personal_token(
    store: Store,
    profile: VersionProfile,
    token: PersonalToken,
    *,
    with_ips: bool = False,
    secret: str | None = None,
    granular_scopes: bool | None = None,
) -> dict[str, Any]:
    """``PersonalAccessToken`` (+``WithLastUsedIps``, +``WithToken``).

    ``granular_scopes`` says whether this answer carries a fine-grained token's scopes;
    by default the list and get answers do (19.2); routes whose answer gained them
    later (``/self`` 19.5, self-rotate 19.6...) pass their own gate."""
    today = store.today()
    body: dict[str, Any] = {"id": token.id, "name": token.name, "revoked": token.revoked}
    body["created_at"] = timestamp(token.created_at)
    if profile.token_description:
        body["description"] = token.description
    body["scopes"] = list(token.scopes)
    body["user_id"] = token.user_id
    body["last_used_at"] = timestamp(token.last_used_at)
    body["active"] = token.active(today)
    body["expires_at"] = token.expires_at.isoformat() if token.expires_at else None
    if profile.expired_and_granular_fields:
        body["expired"] = token.expired(today)
        body["granular"] = token.granular
    if with_ips or profile.last_used_ips_in_lists:
        body["last_used_ips"] = list(token.last_used_ips)
    if granular_scopes is None:
        granular_scopes = profile.has_granular_tokens
    if granular_scopes and token.granular_scopes is not None:
        body["granular_scopes"] = [granular_scope(s) for s in token.granular_scopes]
    if secret is not None:
        body["token"] = secret
    return body


def granular_scope(scope: GranularScope) -> dict[str, Any]:
    """One boundary as GitLab lists it: both ids ``null`` unless ``selected_memberships``."""
    return {
        "access": scope.access,
        "permissions": list(scope.permissions),
        "project_id": scope.project_id,
        "group_id": scope.group_id,
    }


def impersonation_token(
    store: Store, profile: VersionProfile, token: PersonalToken, *, secret: str | None = None
) -> dict[str, Any]:
    """``ImpersonationToken``: a PAT with ``last_used_ips`` and ``impersonation: true``
    (``granular_scopes`` on impersonation answers since 19.6)."""
    body = personal_token(
        store,
        profile,
        token,
        with_ips=True,
        granular_scopes=profile.granular_scopes_in_created_and_impersonation,
    )
    body["impersonation"] = True
    if secret is not None:
        body["token"] = secret
    return body


def resource_token(
    store: Store, profile: VersionProfile, token: PersonalToken, *, secret: str | None = None
) -> dict[str, Any]:
    """``ResourceAccessToken``: the bot's token plus its role and resource."""
    body = personal_token(store, profile, token, with_ips=profile.last_used_ips_in_lists)
    resource = store.resource_of_bot(token.user_id)
    level = store.access(token.user_id, *resource) if resource else 0
    body["access_level"] = level
    if profile.resource_type_fields and resource is not None:
        body["resource_type"], body["resource_id"] = resource
    if secret is not None:
        body["token"] = secret
    return body


def deploy_token(store: Store, token: DeployToken, *, secret: str | None = None) -> dict[str, Any]:
    """``DeployToken``: note the full-datetime ``expires_at``."""
    body: dict[str, Any] = {
        "id": token.id,
        "name": token.name,
        "username": token.username,
        "expires_at": timestamp(token.expires_at),
        "scopes": list(token.scopes),
        "revoked": token.revoked,
        "expired": token.expired(store.now()),
    }
    if secret is not None:
        body["token"] = secret
    return body


def user(
    store: Store, base_url: str, person: User, *, full: bool, admin_view: bool
) -> dict[str, Any]:
    """``UserBasic``, or the fuller ``UserPublic`` (``/user``, admins' views)."""
    body: dict[str, Any] = {
        "id": person.id,
        "username": person.username,
        "name": person.name,
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{base_url}/{person.username}",
    }
    if full:
        body.update(
            {
                "created_at": timestamp(person.created_at),
                "bio": "",
                "public_email": None,
                "bot": person.is_bot,
                "last_sign_in_at": timestamp(person.created_at),
                "confirmed_at": timestamp(person.created_at),
                "email": person.email,
                "projects_limit": 100000,
                "identities": [],
                "can_create_group": not person.is_bot,
                "can_create_project": not person.is_bot,
                "two_factor_enabled": False,
                "external": False,
                "private_profile": False,
            }
        )
    if admin_view:
        body["is_admin"] = person.is_admin
    return body


def namespace(store: Store, base_url: str, group: Group) -> dict[str, Any]:
    """The ``namespace`` object inside a project."""
    full_path = store.group_full_path(group)
    return {
        "id": group.id,
        "name": group.name,
        "path": group.path,
        "kind": "group",
        "full_path": full_path,
        "parent_id": group.parent_id,
        "avatar_url": None,
        "web_url": f"{base_url}/groups/{full_path}",
    }


def group(store: Store, base_url: str, item: Group) -> dict[str, Any]:
    """``Group`` as listed by ``GET /groups``."""
    full_path = store.group_full_path(item)
    return {
        "id": item.id,
        "web_url": f"{base_url}/groups/{full_path}",
        "name": item.name,
        "path": item.path,
        "description": item.description,
        "visibility": item.visibility,
        "full_name": store.group_full_name(item),
        "full_path": full_path,
        "created_at": timestamp(item.created_at),
        "parent_id": item.parent_id,
        "avatar_url": None,
    }


def project(store: Store, base_url: str, item: Project, viewer: User) -> dict[str, Any]:
    """``ProjectWithAccess``: the project plus the viewer's direct and group roles."""
    full_path = store.project_full_path(item)
    owner_group = store.groups[item.group_id]
    direct = store.members.get(("project", item.id), {}).get(viewer.id)
    inherited = store.group_access(viewer.id, item.group_id) or None
    return {
        "id": item.id,
        "description": item.description,
        "name": item.name,
        "name_with_namespace": f"{store.group_full_name(owner_group)} / {item.name}",
        "path": item.path,
        "path_with_namespace": full_path,
        "created_at": timestamp(item.created_at),
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@{base_url.split('://', 1)[-1]}:{full_path}.git",
        "http_url_to_repo": f"{base_url}/{full_path}.git",
        "web_url": f"{base_url}/{full_path}",
        "avatar_url": None,
        "star_count": 0,
        "last_activity_at": timestamp(item.created_at),
        "namespace": namespace(store, base_url, owner_group),
        "visibility": item.visibility,
        "permissions": {
            "project_access": {"access_level": direct, "notification_level": 3} if direct else None,
            "group_access": {"access_level": inherited, "notification_level": 3}
            if inherited
            else None,
        },
    }


def metadata(profile: VersionProfile) -> dict[str, Any]:
    """``/metadata`` (and, since 15.5, ``/version``) body."""
    body: dict[str, Any] = {
        "version": profile.version,
        "revision": profile.revision,
        "kas": {"enabled": False, "externalUrl": None, "version": None},
    }
    if profile.at_least(17, 6):
        body["kas"]["externalK8sProxyUrl"] = None
    if profile.enterprise_field:
        body["enterprise"] = True
    return body
