"""GitLab agents for Kubernetes and their tokens (``lib/api/clusters/agents.rb``,
``lib/api/clusters/agent_tokens.rb``; agents 14.10, tokens 15.0, so every emulated version).

Reading needs the Developer role: the agents list answers ``404 ClusterAgents Not
Found`` to anyone less, and the agent finder finds nothing for them, so an agent or its
tokens are ActiveRecord's ``404 Not found``. Creating needs ``create_cluster`` and
revoking ``admin_cluster``, both Maintainer, checked first (``403 Forbidden``). Token
lists and single tokens show active tokens only (a revoked token is a 404); an agent
holds at most two active tokens (16.2). Agent tokens never expire.
"""

from __future__ import annotations

import re
from typing import Any

from gltui.sandbox import ci_entities, errors
from gltui.sandbox.api import WRITE, Context, Response, route
from gltui.sandbox.ci_store import AgentToken, ClusterAgent
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import find_source, integer_id, page_of
from gltui.sandbox.store import DEVELOPER, MAINTAINER

BASE = "projects/:id/cluster_agents"
TOKENS = f"{BASE}/:agent_id/tokens"
ACTIVE_TOKEN_LIMIT = 2
AGENT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""A DNS label, as ``Clusters::Agent`` validates names."""


def _role(context: Context, project_id: int) -> int:
    caller = context.caller
    if caller.is_admin:
        return MAINTAINER
    return context.store.project_access(caller.id, project_id)


def _require(context: Context, project_id: int, level: int) -> None:
    """``authorize!``: 403 below the role."""
    if _role(context, project_id) < level:
        raise errors.forbidden()


def _agent(context: Context, project_id: int, agent_id: str) -> ClusterAgent:
    """``AgentsFinder#find``: nothing for readers below Developer."""
    wanted = integer_id(agent_id, "agent_id")
    agent = context.store.ci.agents.get(wanted)
    if agent is None or agent.project_id != project_id or _role(context, project_id) < DEVELOPER:
        raise errors.record_not_found()
    return agent


def _token(context: Context, agent: ClusterAgent, token_id: str, *, active: bool) -> AgentToken:
    """``AgentTokensFinder#find`` (with ``status: :active`` when reading)."""
    wanted = integer_id(token_id, "token_id")
    token = context.store.ci.agent_tokens.get(wanted)
    if token is None or token.agent_id != agent.id or (active and token.status != "active"):
        raise errors.record_not_found()
    return token


# --- agents ------------------------------------------------------------------


# Fine-grained tokens: GitLab declares Cluster Agent Token: Read on the token routes; the
# agent routes need some permission too for a token to find the agents whose tokens it may
# read, and no other name is documented, so they take the same one (UNCONFIRMED).
@route("GET", BASE, permission="read_cluster_agent_token", boundary="project")
def list_agents(context: Context, ident: str) -> Page:
    """A project's agents (Developer+)."""
    project_id = find_source(context, "project", ident)
    if _role(context, project_id) < DEVELOPER:
        raise errors.not_found("ClusterAgents")
    params = Params(context.request)
    rows = context.store.ci.agents_of(project_id)
    return page_of(context, params, rows, lambda a: ci_entities.cluster_agent(context.store, a))


@route("GET", f"{BASE}/:agent_id", permission="read_cluster_agent_token", boundary="project")
def get_agent(context: Context, ident: str, agent_id: str) -> dict[str, Any]:
    """One agent."""
    integer_id(agent_id, "agent_id")
    project_id = find_source(context, "project", ident)
    return ci_entities.cluster_agent(context.store, _agent(context, project_id, agent_id))


@route("POST", BASE, scopes=WRITE, status=201)
def create_agent(context: Context, ident: str) -> Response:
    """Register an agent (Maintainer; 400 for a bad or taken name)."""
    params = Params(context.request)
    name = params.string("name", required=True)
    params.check()
    assert name is not None  # params.check() raised otherwise
    project_id = find_source(context, "project", ident)
    _require(context, project_id, MAINTAINER)
    store = context.store
    if not AGENT_NAME.match(name):
        raise errors.bad_request(
            "Name can contain only lowercase letters, digits, and '-', but cannot start or "
            "end with '-'"
        )
    if any(a.name == name for a in store.ci.agents_of(project_id)):
        raise errors.bad_request("Name has already been taken")
    agent = store.ci.add_agent(project_id, name, store.now(), context.caller.id)
    store.changed()
    return Response(201, ci_entities.cluster_agent(store, agent))


@route("DELETE", f"{BASE}/:agent_id", scopes=WRITE, status=204)
def delete_agent(context: Context, ident: str, agent_id: str) -> None:
    """Delete an agent with its tokens (Maintainer)."""
    integer_id(agent_id, "agent_id")
    project_id = find_source(context, "project", ident)
    _require(context, project_id, MAINTAINER)
    agent = _agent(context, project_id, agent_id)
    context.store.ci.delete_agent(agent)
    context.store.changed()


# --- agent tokens ------------------------------------------------------------


@route("GET", TOKENS, permission="read_cluster_agent_token", boundary="project")
def list_tokens(context: Context, ident: str, agent_id: str) -> Page:
    """An agent's active tokens (Developer+)."""
    integer_id(agent_id, "agent_id")
    project_id = find_source(context, "project", ident)
    agent = _agent(context, project_id, agent_id)
    params = Params(context.request)
    rows = [t for t in context.store.ci.tokens_of_agent(agent.id) if t.status == "active"]
    return page_of(context, params, rows, ci_entities.agent_token)


@route("GET", f"{TOKENS}/:token_id", permission="read_cluster_agent_token", boundary="project")
def get_token(context: Context, ident: str, agent_id: str, token_id: str) -> dict[str, Any]:
    """One active token, with ``last_used_at`` (a revoked one is a 404)."""
    integer_id(agent_id, "agent_id")
    integer_id(token_id, "token_id")
    project_id = find_source(context, "project", ident)
    agent = _agent(context, project_id, agent_id)
    return ci_entities.agent_token(
        _token(context, agent, token_id, active=True), with_last_used=True
    )


@route("POST", TOKENS, scopes=WRITE, status=201)
def create_token(context: Context, ident: str, agent_id: str) -> Response:
    """A new token, its value shown once (Maintainer; two active tokens at most)."""
    integer_id(agent_id, "agent_id")
    params = Params(context.request)
    name = params.string("name", required=True)
    description = params.string("description")
    params.check()
    assert name is not None  # params.check() raised otherwise
    project_id = find_source(context, "project", ident)
    _require(context, project_id, MAINTAINER)
    agent = _agent(context, project_id, agent_id)
    store = context.store
    active = [t for t in store.ci.tokens_of_agent(agent.id) if t.status == "active"]
    if len(active) >= ACTIVE_TOKEN_LIMIT:
        raise errors.bad_request("An agent can have only two active tokens at a time")
    token, secret = store.ci.add_agent_token(
        agent.id, name, store.now(), context.caller.id, description=description
    )
    store.changed()
    return Response(201, ci_entities.agent_token(token, secret=secret))


@route("DELETE", f"{TOKENS}/:token_id", scopes=WRITE, status=204)
def revoke_token(context: Context, ident: str, agent_id: str, token_id: str) -> None:
    """Revoke a token (Maintainer; revoking a revoked one succeeds)."""
    integer_id(agent_id, "agent_id")
    integer_id(token_id, "token_id")
    project_id = find_source(context, "project", ident)
    _require(context, project_id, MAINTAINER)
    agent = _agent(context, project_id, agent_id)
    token = _token(context, agent, token_id, active=False)
    if token.status != "revoked":
        token.status = "revoked"
        context.store.changed()
