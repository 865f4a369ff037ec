"""One token model for every kind GitLab issues.

GitLab has many token families with slightly different JSON (PAT-table tokens, deploy
tokens, pipeline triggers, cluster agent tokens, runner authentication tokens). The dashboard,
reports and review all want one shape, so adapters translate into
:class:`Token` and nothing downstream needs to know which endpoint a row came
from. A :class:`Token` never carries the secret value: only metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class TokenKind(StrEnum):
    """The token families gltui inventories."""

    PERSONAL = "personal"
    IMPERSONATION = "impersonation"
    PROJECT = "project"
    GROUP = "group"
    DEPLOY = "deploy"
    SERVICE_ACCOUNT = "service_account"
    TRIGGER = "trigger"
    CLUSTER_AGENT = "cluster_agent"
    RUNNER = "runner"

    @property
    def is_resource_token(self) -> bool:
        """Project and group access tokens belong to a bot user of a resource."""
        return self in (TokenKind.PROJECT, TokenKind.GROUP)

    @property
    def shares_personal_token_ids(self) -> bool:
        """Whether GitLab stores this kind in the personal-access-token table.

        Personal, impersonation, project, group and service-account tokens are all
        rows of one table with one id sequence; deploy tokens have their own. Two
        tokens are the same token when their id *family* and id match.
        """
        return self not in (
            TokenKind.DEPLOY,
            TokenKind.TRIGGER,
            TokenKind.CLUSTER_AGENT,
            TokenKind.RUNNER,
        )

    @property
    def family(self) -> str:
        """The id sequence this kind's ids come from: ``personal_access_token`` for the
        PAT-table kinds, the kind's own name for the others (deploy tokens, triggers,
        agent tokens and runners each have their own table)."""
        return "personal_access_token" if self.shares_personal_token_ids else self.value


class ResourceType(StrEnum):
    """What a resource or deploy token belongs to."""

    PROJECT = "project"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Owner:
    """The user a token authenticates as (a bot user for resource tokens)."""

    user_id: int | None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """The project or group a resource or deploy token lives in."""

    type: ResourceType
    id: int
    path: str | None = None


class Boundary(StrEnum):
    """The access boundaries of a fine-grained token's scope (GitLab 19.2+)."""

    USER = "user"
    INSTANCE = "instance"
    ALL_MEMBERSHIPS = "all_memberships"
    PERSONAL_PROJECTS = "personal_projects"
    SELECTED_MEMBERSHIPS = "selected_memberships"


@dataclass(frozen=True, slots=True)
class GranularScope:
    """One entry of a fine-grained token's ``granular_scopes``: a boundary and what the
    token may do inside it.

    ``access`` stays the string GitLab sent (a boundary a newer GitLab adds must not
    make the whole row unreadable); :class:`Boundary` names the ones gltui knows.
    ``project_id``/``group_id`` are set only for ``selected_memberships`` entries.
    """

    access: str
    permissions: tuple[str, ...]
    project_id: int | None = None
    group_id: int | None = None


Expiry = date | datetime | None
"""A date for PAT-type tokens (expire at 00:00 UTC on it), an instant for deploy tokens,
triggers and runner tokens (``token_expires_at``); agent tokens never expire."""


@dataclass(frozen=True, slots=True)
class Token:
    """Metadata of one access token on one GitLab instance (never its secret)."""

    instance: str
    kind: TokenKind
    id: int
    name: str
    scopes: tuple[str, ...]
    revoked: bool
    expires_at: Expiry
    description: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    last_used_ips: tuple[str, ...] = ()
    owner: Owner | None = None
    """Whom the token acts for: its user (a bot for resource tokens, the account for a
    service-account token); for the kinds no user signs in with, who made or owns it: a
    trigger's owner, the user who created an agent token or a runner (when GitLab says)."""
    resource: Resource | None = None
    """The project or group it lives in (resource, deploy, group/project service-account
    tokens, triggers, agent tokens; a runner's first project or group when known)."""
    access_level: int | None = None
    granular_scopes: tuple[GranularScope, ...] | None = None
    """``None`` for a legacy token; the boundaries of a fine-grained one. An empty tuple
    is a fine-grained token whose boundaries the listing did not include (GitLab's
    service-account listing shows only ``granular: true, scopes: ["granular"]``)."""
    not_refreshed: str | None = None
    """Why this row is the last snapshot's, not this refresh's (its project's listing
    failed, say): shown beside the token, never reported as vanished."""
    agent_id: int | None = None
    """A cluster agent token's agent (``agent_id`` in GitLab's row): revoking it needs
    ``/projects/:id/cluster_agents/:agent_id/tokens/:token_id``; ``None`` for other
    kinds. This and the fields below come after the older ones, in the order of
    ``inventory/token_rows.py``'s positional maker and snapshot rows (schema 4)."""
    agent_name: str | None = None
    """A cluster agent token's agent, by name (the agents listing names it; the token
    row gives only ``agent_id``)."""
    status: str | None = None
    """What GitLab says of the credential beside revoked/expired: an agent token's
    ``active``/``revoked``, a runner's ``online``/``offline``/``stale``/
    ``never_contacted`` (``, paused`` added when it is paused). ``None`` for other kinds."""
    runner_type: str | None = None
    """A runner's ``instance_type``, ``group_type`` or ``project_type``, as GitLab says."""

    @property
    def is_fine_grained(self) -> bool:
        """A fine-grained ("granular") personal access token rather than a legacy one."""
        return self.granular_scopes is not None

    @property
    def identity(self) -> tuple[str, str, int]:
        """A key equal for two listings of the same token on the same instance.

        An admin's ``/personal_access_tokens`` listing also returns the rows behind
        project and group tokens; this key lets the inventory count them once.
        """
        return (self.instance, self.kind.family, self.id)
