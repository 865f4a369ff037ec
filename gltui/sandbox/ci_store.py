"""The sandbox's CI credentials: pipeline triggers, cluster agents and their tokens, runners.

These are not rows of GitLab's ``personal_access_tokens`` table, they cannot call the
REST API, and each kind has its own lifecycle (``doc/api/pipeline_triggers.md``,
``doc/api/cluster_agents.md``, ``doc/api/runners.md``): a trigger is deleted, an agent
token is revoked (and then vanishes from the API), a runner's token is reset. So they
live beside :class:`~gltui.sandbox.store.Store`'s tables, in :class:`CiStore`.

Agent and runner secrets are kept as SHA-256 digests, like every other secret here.
Trigger values are the exception, as in GitLab, which keeps them encrypted rather than
digested: the triggers API shows a trigger's full value to the user who created it
(and its first four characters to everyone else), so the value must be recoverable.
It is excluded from ``repr`` so that no log or failure message carries it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TRIGGER_PREFIX = "glptt-"
AGENT_PREFIX = "glagent-"
RUNNER_PREFIX = "glrt-"
SHORT_TOKEN_LENGTH = 4
"""Characters of a trigger others may see (``Ci::Trigger#short_token``, after the prefix)."""

ONLINE_WINDOW = timedelta(hours=2)
STALE_AFTER = timedelta(days=7)
"""A runner is online if it contacted GitLab within two hours, stale after a week."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class Trigger:
    """A pipeline trigger (``ci_triggers``); ``expires_at`` is an instant, or ``None``."""

    id: int
    project_id: int
    owner_id: int
    description: str
    created_at: datetime
    updated_at: datetime
    value: str = field(repr=False)
    last_used: datetime | None = None
    expires_at: datetime | None = None

    @property
    def short_token(self) -> str:
        """What users other than the owner see of the value."""
        return self.value.removeprefix(TRIGGER_PREFIX)[:SHORT_TOKEN_LENGTH]


@dataclass
class ClusterAgent:
    """A GitLab agent for Kubernetes registered in a project."""

    id: int
    project_id: int
    name: str
    created_at: datetime
    created_by_user_id: int


@dataclass
class AgentToken:
    """An agent's token: ``active`` or ``revoked`` (agent tokens never expire)."""

    id: int
    agent_id: int
    name: str
    description: str | None
    created_at: datetime
    created_by_user_id: int
    digest: str = field(repr=False)
    status: str = "active"
    last_used_at: datetime | None = None


@dataclass
class Runner:
    """A runner and its authentication token's expiry (``token_expires_at``, an instant)."""

    id: int
    runner_type: str
    """``instance_type``, ``group_type`` or ``project_type``."""
    description: str
    created_at: datetime
    digest: str = field(repr=False)
    creator_id: int | None = None
    group_ids: list[int] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)
    """For a project runner, the project that owns it comes first."""
    active: bool = True
    locked: bool = False
    run_untagged: bool = True
    tag_list: list[str] = field(default_factory=list)
    access_level: str = "not_protected"
    maximum_timeout: int | None = None
    contacted_at: datetime | None = None
    version: str | None = None
    token_expires_at: datetime | None = None
    token_lifetime: timedelta | None = None
    """The instance/group/project "token expiration interval" that applies to this
    runner: a reset sets ``token_expires_at`` to now plus this (``None``: no expiry)."""

    def online(self, now: datetime) -> bool:
        """Contacted GitLab within the last two hours."""
        return self.contacted_at is not None and now - self.contacted_at < ONLINE_WINDOW

    def stale(self, now: datetime) -> bool:
        """Older than a week and not in contact for a week (or never)."""
        old = now - self.created_at >= STALE_AFTER
        return old and (self.contacted_at is None or now - self.contacted_at >= STALE_AFTER)

    def status(self, now: datetime) -> str:
        """The REST ``status``, in ``Ci::Runner#deprecated_rest_status``'s order."""
        if self.stale(now):
            return "stale"
        if self.contacted_at is None:
            return "never_contacted"
        if not self.active:
            return "paused"
        return "online" if self.online(now) else "offline"


@dataclass
class CiStore:
    """Triggers, agents, agent tokens and runners, each with GitLab-like id sequences.

    Guarded by the owning store's lock; routes call ``store.changed()`` after a change.
    """

    triggers: dict[int, Trigger] = field(default_factory=dict)
    agents: dict[int, ClusterAgent] = field(default_factory=dict)
    agent_tokens: dict[int, AgentToken] = field(default_factory=dict)
    runners: dict[int, Runner] = field(default_factory=dict)
    _next_ids: dict[str, int] = field(default_factory=dict)
    _triggers_of: dict[int, dict[int, Trigger]] = field(default_factory=dict)
    _agents_of: dict[int, dict[int, ClusterAgent]] = field(default_factory=dict)
    _tokens_of: dict[int, dict[int, AgentToken]] = field(default_factory=dict)
    """Per project (triggers, agents) and per agent (tokens), in id order (ids only grow):
    an administrator's walk lists every project's, so a listing must not scan them all."""

    def _next_id(self, table: str) -> int:
        value = self._next_ids.get(table, 0) + 1
        self._next_ids[table] = value
        return value

    def add_trigger(
        self,
        project_id: int,
        owner_id: int,
        description: str,
        created_at: datetime,
        *,
        last_used: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> Trigger:
        """A new trigger: ``glptt-`` and 40 hex characters, as ``Ci::Trigger`` makes them."""
        value = TRIGGER_PREFIX + secrets.token_hex(20)
        trigger = Trigger(
            id=self._next_id("ci_triggers"),
            project_id=project_id,
            owner_id=owner_id,
            description=description,
            created_at=created_at,
            updated_at=created_at,
            value=value,
            last_used=last_used,
            expires_at=expires_at,
        )
        self.triggers[trigger.id] = trigger
        self._triggers_of.setdefault(project_id, {})[trigger.id] = trigger
        return trigger

    def delete_trigger(self, trigger: Trigger) -> None:
        """Delete (and so revoke) a trigger."""
        del self.triggers[trigger.id]
        del self._triggers_of[trigger.project_id][trigger.id]

    def add_agent(
        self, project_id: int, name: str, created_at: datetime, created_by: int
    ) -> ClusterAgent:
        """Register an agent in a project."""
        agent = ClusterAgent(
            self._next_id("cluster_agents"), project_id, name, created_at, created_by
        )
        self.agents[agent.id] = agent
        self._agents_of.setdefault(project_id, {})[agent.id] = agent
        return agent

    def delete_agent(self, agent: ClusterAgent) -> None:
        """Delete an agent with its tokens."""
        for token in self._tokens_of.pop(agent.id, {}).values():
            del self.agent_tokens[token.id]
        del self.agents[agent.id]
        del self._agents_of[agent.project_id][agent.id]

    def add_agent_token(
        self,
        agent_id: int,
        name: str,
        created_at: datetime,
        created_by: int,
        *,
        description: str | None = None,
        revoked: bool = False,
        last_used_at: datetime | None = None,
    ) -> tuple[AgentToken, str]:
        """A new agent token with its value (shown once, in the create answer)."""
        value = AGENT_PREFIX + secrets.token_urlsafe(38)  # 38 bytes -> 51 characters
        token = AgentToken(
            id=self._next_id("cluster_agent_tokens"),
            agent_id=agent_id,
            name=name,
            description=description,
            created_at=created_at,
            created_by_user_id=created_by,
            digest=_digest(value),
            status="revoked" if revoked else "active",
            last_used_at=last_used_at,
        )
        self.agent_tokens[token.id] = token
        self._tokens_of.setdefault(agent_id, {})[token.id] = token
        return token, value

    def add_runner(self, runner_type: str, description: str, created_at: datetime) -> Runner:
        """A new runner (its token's value is never shown until a reset)."""
        runner = Runner(
            id=self._next_id("ci_runners"),
            runner_type=runner_type,
            description=description,
            created_at=created_at,
            digest=_digest(RUNNER_PREFIX + secrets.token_urlsafe(15)),
        )
        self.runners[runner.id] = runner
        return runner

    def reset_runner_token(self, runner: Runner, now: datetime) -> str:
        """A new ``glrt-`` value; the expiry restarts from the runner's interval."""
        value = RUNNER_PREFIX + secrets.token_urlsafe(15)  # 20 characters, as PATs
        runner.digest = _digest(value)
        runner.token_expires_at = (
            None if runner.token_lifetime is None else now + runner.token_lifetime
        )
        return value

    def agents_of(self, project_id: int) -> list[ClusterAgent]:
        """A project's agents, by id."""
        return list(self._agents_of.get(project_id, {}).values())

    def tokens_of_agent(self, agent_id: int) -> list[AgentToken]:
        """An agent's tokens (every status), by id."""
        return list(self._tokens_of.get(agent_id, {}).values())

    def triggers_of(self, project_id: int) -> list[Trigger]:
        """A project's triggers, by id."""
        return list(self._triggers_of.get(project_id, {}).values())
