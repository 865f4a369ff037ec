"""The port: every GitLab token operation gltui uses, as a typed interface.

The inventory's walk strategies, ``config check``'s probe and the write side are
written against :class:`GitLabPort`, never against paths, query parameters or
paging headers: those live in :mod:`gltui.adapters.endpoints` and the one
implementation, :class:`~gltui.adapters.gitlab_api.GitLabApi`. Tests drive the
strategies with an in-memory fake of this port (``tests/fake_port.py``); the
sandbox stays for the integration tests. A new token kind arrives as a new
:class:`Listed` member (and its endpoint), not as paths scattered through a walk.

Light on purpose: nothing here imports python-gitlab, so the dashboard can type
against the port before the client is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from gltui.domain.secret import Secret
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Resource, ResourceType, Token


class Listed(StrEnum):
    """What a paged listing lists."""

    PERSONAL_TOKENS = "personal_tokens"
    """The caller's personal access tokens; for an administrator, every PAT-table row."""
    USERS = "users"
    PROJECTS = "projects"
    GROUPS = "groups"
    RESOURCE_ACCESS_TOKENS = "resource_access_tokens"
    """A project's or group's access tokens (``resource`` says which)."""
    RESOURCE_DEPLOY_TOKENS = "resource_deploy_tokens"
    DEPLOY_TOKENS = "deploy_tokens"
    """Every deploy token of the instance (administrators)."""
    IMPERSONATION_TOKENS = "impersonation_tokens"
    """One user's impersonation tokens (``user_id``; administrators)."""
    TRIGGERS = "triggers"
    """A project's pipeline trigger tokens (``resource``; Maintainer)."""
    CLUSTER_AGENTS = "cluster_agents"
    """A project's agents for Kubernetes (``resource``; Developer+)."""
    AGENT_TOKENS = "agent_tokens"
    """One agent's active tokens (``resource`` and ``agent_id``; Developer+)."""
    SERVICE_ACCOUNTS = "service_accounts"
    """A top-level group's (Owner, 17.1+) or a project's (Maintainer, 18.11+) service
    accounts (``resource``)."""
    SERVICE_ACCOUNT_TOKENS = "service_account_tokens"
    """One group or project service account's tokens (``resource`` and the account's
    ``user_id``; groups 17.11+, projects 18.11+)."""
    RUNNERS = "runners"
    """The runners the caller manages (``/runners``: never instance runners)."""
    ALL_RUNNERS = "all_runners"
    """Every runner of the instance (``/runners/all``; administrators)."""
    CI_VARIABLES = "ci_variables"
    """A project's (Maintainer) or group's (Owner) CI/CD variables (``resource``); each
    row's ``value`` arrives sealed in a :class:`~gltui.domain.secret.Secret` (``None``
    when hidden), never scrubbed, never plain (:func:`~gltui.adapters.variable_rows.sealed`)."""


@dataclass(frozen=True)
class Listing:
    """One paged listing, named by what it lists: the adapter knows where it lives."""

    what: Listed
    action: str
    """What gltui is doing, in words, for failures ("listing your projects")."""
    resource: Resource | None = None
    user_id: int | None = None
    min_access_level: int | None = None
    """Projects or groups where the caller has at least this role; ``None``: all of them."""
    agent_id: int | None = None
    """The cluster agent whose tokens an :attr:`Listed.AGENT_TOKENS` listing lists."""


@dataclass(frozen=True)
class Page:
    """One page of a listing: its rows (as GitLab sent them) and what it says of the rest."""

    rows: Any
    total_pages: int | None = None
    """``X-Total-Pages``; GitLab stops counting above 10,000 rows."""
    next_page: int | None = None
    """``X-Next-Page``; absent on the last page."""


class GitLabPort(Protocol):
    """One GitLab instance's token API. Every method raises
    :class:`~gltui.adapters.wire.ApiFailure` (a safe, actionable failure) when GitLab or
    the network fails, and is safe to call from several threads at once."""

    name: str
    requests_made: int
    walk_deadline: float | None
    """A monotonic time no request may outlast (the instance walk's end)."""

    def whoami(self) -> dict[str, Any]:
        """The signed-in user (``GET /user``)."""

    def version(self) -> str | None:
        """GitLab's version (``/metadata``, else ``/version`` before 15.2)."""

    def own_token(self) -> dict[str, Any]:
        """The token gltui calls with (``/personal_access_tokens/self``, 15.5+)."""

    def page(self, listing: Listing, number: int, per_page: int) -> Page:
        """Page ``number`` of ``listing``."""

    def resources(
        self, resource_type: ResourceType, min_access_level: int, search: str = ""
    ) -> list[dict[str, Any]]:
        """The first page of projects or groups where the caller has the role."""

    def resource(self, resource_type: ResourceType, path: str) -> dict[str, Any]:
        """A project or group by its full path."""

    def revoke(
        self, token: Token, version: str | None = None, *, is_admin: bool | None = None
    ) -> None:
        """Revoke ``token`` on an instance running ``version``, as ``is_admin`` (either
        unknown: the newest way); raises :class:`~gltui.adapters.endpoints.NotPossible`
        when GitLab has no way."""

    def rotate(self, token: Token, expires_at: date | None, version: str | None) -> Any:
        """Rotate ``token``; GitLab's answer holds the successor and its value."""

    def create(
        self,
        request: CreateRequest,
        *,
        user_id: int,
        is_admin: bool,
        version: str | None = None,
        own_user_id: int | None = None,
    ) -> Any:
        """Create the token ``request`` describes for ``user_id`` (the signed-in user is
        ``own_user_id``; ``version`` gates fine-grained tokens); the answer holds its value."""

    def describe_by_value(self, value: Secret) -> dict[str, Any]:
        """The token ``value`` as it describes itself (``/personal_access_tokens/self``
        called *with* it)."""

    def revoke_self_by_value(self, value: Secret) -> None:
        """The token ``value`` revokes itself."""

    def admin_lookup(self, value: Secret) -> dict[str, Any]:
        """Any token by value (``POST /admin/token``; administrators)."""

    def admin_revoke(self, value: Secret) -> None:
        """Revoke any token by value (``DELETE /admin/token``; administrators)."""

    def group_revoke(self, group_id: int, value: Secret) -> dict[str, Any]:
        """Revoke a token that reaches a top-level group (its Owners)."""

    def user(self, user_id: int) -> dict[str, Any]:
        """A user's public fields (``GET /users/:id``)."""

    def runner(self, runner_id: int) -> dict[str, Any]:
        """One runner's details (``GET /runners/:id``): newer GitLab adds its token's
        ``token_expires_at``, which the runner listings never carry."""

    def agent_token(self, project: Resource, agent_id: int, token_id: int) -> dict[str, Any]:
        """One agent token (``GET …/cluster_agents/:agent_id/tokens/:token_id``): its
        ``last_used_at``, which the token listing never carries."""

    def close(self) -> None:
        """Release the connections."""


@dataclass(frozen=True)
class VariableRef:
    """One CI/CD variable: its project or group (by full path), key and environment scope."""

    owner: ResourceType
    path: str
    key: str
    environment_scope: str = "*"


@dataclass(frozen=True)
class VariableState:
    """What GitLab says of one CI/CD variable, without its value: the value never leaves
    the adapter; it is compared there (constant time, by digest) when asked."""

    environment_scope: str
    masked: bool = False
    protected: bool = False
    hidden: bool = False
    """Never shown again (``masked_and_hidden``, 17.4+): GitLab answers ``value: null``."""
    raw: bool = False
    variable_type: str = "env_var"
    description: str | None = None
    matches: bool | None = None
    """Whether the value equals the one compared with; ``None`` when nothing was
    compared or GitLab did not show the value (hidden)."""


class CiVariablesPort(Protocol):
    """CI/CD variables and signing in as another token, for the rotation hand-off
    (:mod:`gltui.adapters.variables_api`). Apart from :class:`GitLabPort` so that the
    walk's fakes need not grow with it. Every method raises
    :class:`~gltui.adapters.wire.ApiFailure`; no value ever appears in one."""

    def ci_variable(self, ref: VariableRef, compare_with: Secret | None = None) -> VariableState:
        """``GET .../variables/:key?filter[environment_scope]=``; ``compare_with``: say
        whether the value equals it (never returning the value)."""

    def update_ci_variable(self, ref: VariableRef, value: Secret) -> VariableState:
        """``PUT .../variables/:key`` with the value only (every other setting stays)."""

    def create_ci_variable(
        self, ref: VariableRef, value: Secret, *, masked: bool, protected: bool
    ) -> VariableState:
        """``POST .../variables``."""

    def whoami_by_value(self, value: Secret) -> dict[str, Any]:
        """``GET /user`` signed in with ``value`` (GitLab before 15.5 has no ``self``)."""

    def application_settings(self) -> dict[str, Any]:
        """``GET /application/settings`` (administrators)."""


Connect = Callable[..., GitLabPort]
"""How a walk gets its port for an instance (the real client, or a test's fake)."""
