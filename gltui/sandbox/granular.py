"""Fine-grained ("granular") personal access tokens: permissions and their enforcement.

A fine-grained token (GitLab 19.2+) carries no authority in ``scopes`` (it shows
``["granular"]``); what it may do is a list of boundaries, each with permissions named
``<action>_<resource>``. Every API route declares the one permission it needs and the
kind of boundary it is checked against, as GitLab's ``route_setting :authorization,
permissions: ..., boundary_type: ...`` does; routes register that with
``route(..., permission="read_trigger", boundary="project")`` (see :mod:`api`) and
:func:`authorize` judges each request of a fine-grained token against it.

How GitLab answers (``Authz::Tokens::AuthorizeGranularScopesService`` and the shared
spec ``authorizing granular token permissions``), and so the sandbox:

- a route that declares no permission: 403 ``insufficient_granular_scope``, "Access
  denied: This operation doesn't support fine-grained personal access tokens.";
- a project or group boundary that does not exist or that the user cannot see: 404
  ``{"message": "404 Not Found"}`` (nothing is given away);
- a boundary the token's scopes do not cover with that permission: 403
  ``insufficient_granular_scope``, "Access denied: This operation requires a
  fine-grained personal access token with the following project permissions:
  [Trigger: Read]." (the boundary kind, then ``<Resource>: <Action>`` titleized).

Which scope covers which boundary (``Authz::GranularScope.token_permissions``):
``user`` and ``instance`` cover the user's own and the instance-level routes;
``all_memberships`` covers every project and group the user is a member of (directly or
through a parent group); ``selected_memberships`` covers the project it names, or the
group it names with its subgroups and their projects (GitLab checks the boundary's
``self_and_ancestor_ids``); ``personal_projects`` covers projects in the user's own
namespace, which the sandbox does not have, so it covers nothing here.

Legacy tokens never reach this module: their scopes are checked as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gltui.sandbox import errors
from gltui.sandbox.store import GUEST, GranularScope, PersonalToken, Store, User

USER, INSTANCE, PROJECT, GROUP = "user", "instance", "project", "group"
"""The boundary kinds a route is checked against (a permission's ``boundaries``)."""

ACCESS_VALUES = (
    "personal_projects",
    "all_memberships",
    "selected_memberships",
    "user",
    "instance",
)
"""``Authz::GranularScope::Access::LEVELS``, in GitLab's order."""

ACCESS_KINDS: Mapping[str, frozenset[str]] = {
    "user": frozenset({USER}),
    "instance": frozenset({INSTANCE}),
    "all_memberships": frozenset({PROJECT, GROUP}),
    "personal_projects": frozenset({PROJECT}),
    "selected_memberships": frozenset({PROJECT, GROUP}),
}
"""Which route boundaries each access can ever cover (checked when a token is created)."""

PERMISSIONS: Mapping[str, frozenset[str]] = {
    # System access: personal access tokens (user boundary; reference 2026 §1.1 table)
    "read_personal_access_token": frozenset({USER}),
    "revoke_personal_access_token": frozenset({USER}),
    "rotate_personal_access_token": frozenset({USER}),
    "create_user_personal_access_token": frozenset({USER}),
    # resource (project and group) access tokens
    "read_resource_access_token": frozenset({PROJECT, GROUP}),
    "create_resource_access_token": frozenset({PROJECT, GROUP}),
    "delete_resource_access_token": frozenset({PROJECT, GROUP}),
    "rotate_resource_access_token": frozenset({PROJECT, GROUP}),
    # deploy tokens
    "read_deploy_token": frozenset({PROJECT, GROUP, INSTANCE}),
    "delete_deploy_token": frozenset({PROJECT, GROUP}),
    # service accounts and their tokens
    "read_service_account": frozenset({GROUP, INSTANCE}),
    "read_service_account_personal_access_token": frozenset({GROUP}),
    "create_service_account_personal_access_token": frozenset({GROUP}),
    "revoke_service_account_personal_access_token": frozenset({GROUP}),
    "rotate_service_account_personal_access_token": frozenset({GROUP}),
    # CI credentials
    "read_trigger": frozenset({PROJECT}),
    "read_cluster_agent_token": frozenset({PROJECT}),
    "read_runner": frozenset({PROJECT, GROUP, INSTANCE}),
    "read_job": frozenset({PROJECT, GROUP}),
    # what integrations need: the built-in templates' fine-grained forms ask for these
    # (read_merge_request, read_branch and read_work_item on the project boundary are
    # seen in GitLab's MRs 255554 and 266885; the rest follow the same rule, UNCONFIRMED)
    "read_repository": frozenset({PROJECT, GROUP}),
    "read_branch": frozenset({PROJECT, GROUP}),
    "read_commit": frozenset({PROJECT, GROUP}),
    "read_merge_request": frozenset({PROJECT, GROUP}),
    "read_pipeline": frozenset({PROJECT, GROUP}),
    "read_package": frozenset({PROJECT, GROUP}),
    "read_container_repository": frozenset({PROJECT, GROUP}),
    "read_work_item": frozenset({PROJECT, GROUP}),
    "create_branch": frozenset({PROJECT, GROUP}),
    "create_merge_request": frozenset({PROJECT, GROUP}),
    "create_deploy_key": frozenset({PROJECT, GROUP}),
    "create_webhook": frozenset({PROJECT, GROUP}),
    "create_project": frozenset({GROUP, USER}),
    # the walk's reads
    "read_group": frozenset({USER, GROUP}),
    "read_project": frozenset({USER, GROUP, PROJECT}),
    "read_user": frozenset({USER}),
    "read_metadata": frozenset({INSTANCE}),
}
"""The permissions the sandbox knows, with the boundaries each can be granted on.

Names follow GitLab's ``<action>_<resource>`` rule. Seen in GitLab's sources or docs:
``read_personal_access_token`` (user), ``read_resource_access_token`` (group) and
``read_job``; the resources and actions of the others come from the generated
permissions reference the reference quotes (Personal Access Token: Read/Revoke/Rotate,
User Personal Access Token: Create, Resource Access Token: Read/Create/Delete/Rotate,
Deploy Token: Read/Delete, Service Account: Read, Service Account Personal Access
Token: Create/Read/Revoke/Rotate, Group: Read, Trigger: Read, Cluster Agent Token:
Read, Metadata: Read), so their exact spelling is UNCONFIRMED. ``read_user`` (``GET
/user``), ``read_project`` and ``read_runner``, and the group/project boundaries of
``read_group``/``read_project``, are UNCONFIRMED readings of how GitLab gates those
routes. GitLab knows hundreds more; an unknown name is refused at creation."""


@dataclass(frozen=True)
class Grant:
    """What one route requires of a fine-grained token."""

    permission: str
    boundary: str
    """``user``, ``instance``, ``project`` or ``group``."""
    param: str = "id"
    """The path parameter naming the project or group (for those two boundaries)."""


def grant_for(permission: str | None, boundary: str | None) -> Grant | None:
    """Validate a route's declaration once, at registration (a typo fails at import)."""
    if permission is None and boundary is None:
        return None
    if permission is None or boundary is None:
        raise ValueError("a route needs both permission= and boundary=, or neither")
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown fine-grained permission {permission!r}")
    if boundary not in PERMISSIONS[permission]:
        raise ValueError(f"{permission} cannot be granted on a {boundary} boundary")
    return Grant(permission, boundary)


def label(permission: str) -> str:
    """``read_cluster_agent_token`` -> ``Cluster Agent Token: Read`` (GitLab's wording)."""
    action, _, resource = permission.partition("_")
    return f"{resource.replace('_', ' ').title()}: {action.title()}"


def not_supported() -> errors.ApiError:
    """A route without a fine-grained permission refuses every fine-grained token."""
    return errors.insufficient_granular_scope(
        "Access denied: This operation doesn't support fine-grained personal access tokens."
    )


def _denied(grant: Grant) -> errors.ApiError:
    return errors.insufficient_granular_scope(
        "Access denied: This operation requires a fine-grained personal access token "
        f"with the following {grant.boundary} permissions: [{label(grant.permission)}]."
    )


def _resolve(store: Store, kind: str, ident: str) -> int | None:
    """A project or group named by id or full path, or ``None``."""
    if ident.isdigit():
        wanted = int(ident)
        return wanted if store.resource_exists(kind, wanted) else None
    if kind == PROJECT:
        return next(
            (p.id for p in store.projects.values() if store.project_full_path(p) == ident), None
        )
    return next((g.id for g in store.groups.values() if store.group_full_path(g) == ident), None)


def covers(store: Store, user: User, scope: GranularScope, kind: str, target: int | None) -> bool:
    """Whether one granular scope reaches a route's boundary (``target``: a project or
    group id for those kinds, ``None`` for ``user`` and ``instance``)."""
    if kind in (USER, INSTANCE):
        return scope.access == kind
    assert target is not None
    if scope.access == "all_memberships":
        return store.access(user.id, kind, target) >= GUEST
    if scope.access != "selected_memberships":
        return False  # personal_projects: the sandbox has no personal namespaces
    if kind == PROJECT:
        if scope.project_id == target:
            return True
        group_of_project = store.projects[target].group_id
        return scope.group_id is not None and scope.group_id in store.group_ancestry(
            group_of_project
        )
    return scope.group_id is not None and scope.group_id in store.group_ancestry(target)


def authorize(
    store: Store,
    user: User,
    token: PersonalToken,
    grant: Grant | None,
    route_params: Mapping[str, str],
) -> None:
    """Refuse a fine-grained token's request as GitLab does; return if it is allowed."""
    if grant is None:
        raise not_supported()
    target: int | None = None
    if grant.boundary in (PROJECT, GROUP):
        target = _resolve(store, grant.boundary, route_params.get(grant.param, ""))
        if target is None or not store.can_see(user, grant.boundary, target):
            raise errors.not_found()
    for scope in token.granular_scopes or ():
        if grant.permission in scope.permissions and covers(
            store, user, scope, grant.boundary, target
        ):
            return
    raise _denied(grant)


def holds(token: PersonalToken, permission: str) -> bool:
    """Whether a fine-grained token holds ``permission`` on any boundary."""
    return any(permission in scope.permissions for scope in token.granular_scopes or ())
