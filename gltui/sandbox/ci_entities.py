"""JSON entities of service accounts, triggers, cluster agents and runners.

Field names and order follow GitLab's Grape entities (``ServiceAccount``,
``Trigger``, ``Clusters::Agent``, ``Clusters::AgentToken[Basic|WithToken]``,
``Ci::Runner``, ``Ci::RunnerDetails``, ``Ci::ResetTokenResult``), varying by version
where :mod:`~gltui.sandbox.kind_gates` says so.
"""

from __future__ import annotations

from typing import Any

from gltui.sandbox import entities, kind_gates
from gltui.sandbox.ci_store import AgentToken, ClusterAgent, Runner, Trigger
from gltui.sandbox.entities import timestamp
from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.store import Project, Store, User


def service_account(profile: VersionProfile, account: User) -> dict[str, Any]:
    """``Entities::ServiceAccount``: id, username, name (and email from 17.9)."""
    body: dict[str, Any] = {"id": account.id, "username": account.username, "name": account.name}
    if kind_gates.service_account_email_field(profile):
        body["email"] = account.email
    return body


def trigger(
    store: Store, profile: VersionProfile, base_url: str, item: Trigger, viewer: User
) -> dict[str, Any]:
    """``Entities::Trigger`` through ``Ci::TriggerPresenter``: the full value for the
    trigger's owner, its first four characters (after ``glptt-``) for everyone else."""
    owner = store.users.get(item.owner_id)
    body: dict[str, Any] = {
        "id": item.id,
        "token": item.value if viewer.id == item.owner_id else item.short_token,
        "description": item.description,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "last_used": timestamp(item.last_used),
    }
    if kind_gates.trigger_expires_at(profile):
        body["expires_at"] = timestamp(item.expires_at)
    body["owner"] = (
        entities.user(store, base_url, owner, full=False, admin_view=False) if owner else None
    )
    return body


def _project_identity(store: Store, project: Project) -> dict[str, Any]:
    """``ProjectIdentity`` (an agent's ``config_project``, a runner's ``projects``)."""
    group = store.groups[project.group_id]
    return {
        "id": project.id,
        "description": project.description,
        "name": project.name,
        "name_with_namespace": f"{store.group_full_name(group)} / {project.name}",
        "path": project.path,
        "path_with_namespace": store.project_full_path(project),
        "created_at": timestamp(project.created_at),
    }


def cluster_agent(store: Store, agent: ClusterAgent) -> dict[str, Any]:
    """``Clusters::Agent``."""
    return {
        "id": agent.id,
        "name": agent.name,
        "config_project": _project_identity(store, store.projects[agent.project_id]),
        "created_at": timestamp(agent.created_at),
        "created_by_user_id": agent.created_by_user_id,
    }


def agent_token(
    token: AgentToken, *, with_last_used: bool = False, secret: str | None = None
) -> dict[str, Any]:
    """``AgentTokenBasic`` (lists); ``AgentToken`` adds ``last_used_at`` (one token, create);
    ``AgentTokenWithToken`` adds the value (create only)."""
    body: dict[str, Any] = {
        "id": token.id,
        "name": token.name,
        "description": token.description,
        "agent_id": token.agent_id,
        "status": token.status,
        "created_at": timestamp(token.created_at),
        "created_by_user_id": token.created_by_user_id,
    }
    if with_last_used or secret is not None:
        body["last_used_at"] = timestamp(token.last_used_at)
    if secret is not None:
        body["token"] = secret
    return body


def runner(store: Store, profile: VersionProfile, base_url: str, item: Runner) -> dict[str, Any]:
    """``Ci::Runner`` as listed (every field one GitLab shows any viewer of the runner)."""
    now = store.now()
    body: dict[str, Any] = {
        "id": item.id,
        "description": item.description,
        # a real address before 17.0; GitLab answers null since (issue 415159)
        "ip_address": None if profile.at_least(17, 0) else "10.0.8.21",
        "active": item.active,
        "paused": not item.active,
        "is_shared": item.runner_type == "instance_type",
        "runner_type": item.runner_type,
        "name": None,
        "online": item.online(now),
    }
    if kind_gates.runner_created_fields(profile):
        creator = store.users.get(item.creator_id) if item.creator_id else None
        if creator is not None:
            body["created_by"] = entities.user(
                store, base_url, creator, full=False, admin_view=False
            )
        body["created_at"] = timestamp(item.created_at)
    body["status"] = item.status(now)
    if kind_gates.runner_created_fields(profile):
        body["job_execution_status"] = "idle"
    return body


def runner_details(
    store: Store,
    profile: VersionProfile,
    base_url: str,
    item: Runner,
    viewer: User,
    *,
    may_update: bool,
) -> dict[str, Any]:
    """``Ci::RunnerDetails``: the runner plus its settings, projects and groups, and (from
    19.1) its token's expiry."""
    body = runner(store, profile, base_url, item)
    body.update(
        {
            "tag_list": list(item.tag_list),
            "run_untagged": item.run_untagged,
            "locked": item.locked,
            "maximum_timeout": item.maximum_timeout,
            "access_level": item.access_level,
            "version": item.version,
            "revision": "4f2a9b1c" if item.version else None,
            "platform": "linux" if item.version else None,
            "architecture": "amd64" if item.version else None,
            "contacted_at": timestamp(item.contacted_at),
            "maintenance_note": "" if may_update else None,
        }
    )
    visible_projects = [
        store.projects[pid]
        for pid in item.project_ids
        if pid in store.projects and (viewer.is_admin or store.project_access(viewer.id, pid) >= 10)
    ]
    if kind_gates.runner_details_list_projects(profile):
        body["projects"] = [_project_identity(store, p) for p in visible_projects]
    body["groups"] = [
        {
            "id": group.id,
            "web_url": f"{base_url}/groups/{store.group_full_path(group)}",
            "name": group.name,
        }
        for group in (store.groups[gid] for gid in item.group_ids if gid in store.groups)
        if viewer.is_admin or store.group_access(viewer.id, group.id) >= 10
    ]
    if kind_gates.runner_details_token_expires_at(profile):
        body["token_expires_at"] = timestamp(item.token_expires_at)
    return body


def reset_token_result(item: Runner, secret: str) -> dict[str, Any]:
    """``Ci::ResetTokenResult``: the new value, once, with its expiry."""
    return {"token": secret, "token_expires_at": timestamp(item.token_expires_at)}
