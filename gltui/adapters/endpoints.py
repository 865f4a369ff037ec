"""GitLab's REST vocabulary for tokens: which endpoint lists, revokes, rotates or
creates each kind, with which parameters, and since which version.

Pure functions over the domain model, so every rule is testable without HTTP.
Paths are relative to ``/api/v4`` (python-gitlab adds it). Only the adapter (and the
UI, to say what is possible before asking) reads these; the walk names listings by
what they list (:class:`~gltui.adapters.port.Listing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gltui.adapters.port import Listed, Listing
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind

ROTATE_SINCE = (16, 0)
ROTATE_EXPIRY_SINCE = (16, 6)
FINE_GRAINED_SELF_CREATE_SINCE = (19, 2)
"""``POST /user/personal_access_tokens`` with ``granular_scopes``: anyone, for themselves
(GA 19.2; ``gitlab-2026.md`` §1.1)."""
FINE_GRAINED_ADMIN_CREATE_SINCE = (19, 6)
"""``POST /users/:user_id/personal_access_tokens`` with ``granular_scopes``: an
administrator, for another user (MR 260958)."""
FINE_GRAINED_SELF_INFO_SINCE = (19, 5)
"""``GET /personal_access_tokens/self`` returns ``granular_scopes``."""
SERVICE_ACCOUNT_CREATE_SINCE = (16, 1)
"""A group service account's token create and rotate
(``/groups/:id/service_accounts/:user_id/personal_access_tokens``; ``gitlab-2026.md`` §1.3)."""
SERVICE_ACCOUNT_LIST_SINCE = (17, 1)
"""``GET /groups/:id/service_accounts``: which accounts a group has."""
SERVICE_ACCOUNT_ROTATE_EXPIRY_SINCE = (17, 9)
"""The ``expires_at`` of a service-account token's rotation; before, GitLab gives a week."""
GROUP_SERVICE_ACCOUNT_REVOKE_SINCE = (17, 11)
"""``DELETE …/service_accounts/:user_id/personal_access_tokens/:token_id`` (MR 184287)."""
PROJECT_SERVICE_ACCOUNTS_SINCE = (18, 11)
"""Project service accounts and their four token endpoints (GA; a flag off by default
in 18.9 and 18.10)."""

RUNNER_NO_REVOKE = (
    "GitLab revokes a runner's authentication token only by deleting the runner, which "
    "gltui does not do; reset its token instead, or delete the runner in GitLab"
)
TRIGGER_NO_ROTATE = (
    "GitLab cannot rotate pipeline trigger tokens; create a new trigger in the project's "
    "Settings > CI/CD, switch what calls it, then revoke this one"
)
AGENT_NO_ROTATE = (
    "GitLab cannot rotate cluster agent tokens; create a second token for the agent (it may "
    "hold two), reconfigure the agent with it, then revoke this one"
)


class NotPossible(Exception):
    """GitLab offers no way to do this; the message says what to do instead."""


class FineGrainedUnsupported(NotPossible):
    """This instance's version cannot create the fine-grained token asked for (a legacy
    token, or GitLab's web form, is the way there)."""


def parse_version(text: str | None) -> tuple[int, int] | None:
    """``"18.6.2-ee"`` -> ``(18, 6)``; ``None`` when unknown."""
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match[1]), int(match[2])) if match else None


def _resource_base(token: Token) -> str | None:
    if token.resource is None:
        return None
    plural = "projects" if token.resource.type is ResourceType.PROJECT else "groups"
    return f"/{plural}/{token.resource.id}"


def _account_tokens(resource: Resource | None, account: Owner | None) -> str | None:
    """``/groups|projects/:id/service_accounts/:user_id/personal_access_tokens``, or
    ``None`` for an instance service account's token (the PAT API's) or an unplaced one."""
    if resource is None or account is None or account.user_id is None:
        return None
    base = resource_path(resource.type, resource.id)
    return f"{base}/service_accounts/{account.user_id}/personal_access_tokens"


def service_account_since(
    resource_type: ResourceType, group_since: tuple[int, int]
) -> tuple[int, int]:
    """When a service-account endpoint arrived: ``group_since`` for groups, 18.11 for
    projects (which have all four token endpoints from that release)."""
    if resource_type is ResourceType.PROJECT:
        return max(group_since, PROJECT_SERVICE_ACCOUNTS_SINCE)
    return group_since


def _service_account_revoke_path(token: Token, version: str | None, is_admin: bool | None) -> str:
    """A group's or project's service-account token: its own endpoint from 17.11; before,
    only the PAT API's ``DELETE /personal_access_tokens/:id``, which lets the token's
    owner (the account itself) or an administrator revoke it (``gitlab-token-api.md`` §1.1)."""
    pat = f"/personal_access_tokens/{token.id}"
    base = _account_tokens(token.resource, token.owner)
    if base is None or token.resource is None:
        return pat
    since = service_account_since(token.resource.type, GROUP_SERVICE_ACCOUNT_REVOKE_SINCE)
    if at_least(version, since) is not False:
        return f"{base}/{token.id}"
    if is_admin is False:
        raise NotPossible(
            f"GitLab before 17.11 (this instance runs {version}) has no endpoint for a group "
            "Owner to revoke a service account's token; an administrator can (by its id)"
        )
    return pat


def revoke_path(token: Token, version: str | None = None, *, is_admin: bool | None = None) -> str:
    """The ``DELETE`` path that revokes ``token`` on an instance running ``version`` (unknown:
    the newest endpoint), as ``is_admin`` (unknown: try)."""
    kind = token.kind
    if kind is TokenKind.SERVICE_ACCOUNT:
        return _service_account_revoke_path(token, version, is_admin)
    if kind is TokenKind.RUNNER:
        raise NotPossible(RUNNER_NO_REVOKE)
    if kind is TokenKind.PERSONAL:
        return f"/personal_access_tokens/{token.id}"
    if kind is TokenKind.IMPERSONATION:
        if token.owner is None or token.owner.user_id is None:
            raise NotPossible("GitLab did not say whose impersonation token this is")
        return f"/users/{token.owner.user_id}/impersonation_tokens/{token.id}"
    base = _resource_base(token)
    if kind in (TokenKind.PROJECT, TokenKind.GROUP):
        # an admin's instance-wide listing may not name the resource; the token is
        # still a personal access token of the bot user, which an admin may revoke
        return f"{base}/access_tokens/{token.id}" if base else f"/personal_access_tokens/{token.id}"
    if kind is TokenKind.TRIGGER:
        if token.resource is None or token.resource.type is not ResourceType.PROJECT:
            raise NotPossible("gltui does not know this trigger's project; refresh with r")
        return f"{base}/triggers/{token.id}"
    if kind is TokenKind.CLUSTER_AGENT:
        if base is None or token.agent_id is None:
            raise NotPossible("gltui does not know this token's agent; refresh with r")
        return f"{base}/cluster_agents/{token.agent_id}/tokens/{token.id}"
    if base is None:
        raise NotPossible(
            "GitLab's instance-wide deploy-token list does not say which project or group "
            "this token belongs to; revoke it on that project's Settings > Repository page"
        )
    return f"{base}/deploy_tokens/{token.id}"


@dataclass(frozen=True)
class RotateCall:
    """The rotate request: its path and whether it may carry a new expiry."""

    path: str
    accepts_expiry: bool
    resets: bool = False
    """A runner's token reset: the runner keeps its id and GitLab answers with the new
    value and its ``token_expires_at`` only (no expiry can be asked for)."""


def _service_account_rotate(token: Token, known: tuple[int, int] | None) -> RotateCall | None:
    """A group's or project's service-account token: its own rotate endpoint (group 16.1,
    project 18.11), which takes ``expires_at`` from 17.9 (before: a week). ``None`` for
    an instance service account's token (the PAT API's rotate)."""
    base = _account_tokens(token.resource, token.owner)
    if base is None or token.resource is None:
        return None
    since = service_account_since(token.resource.type, SERVICE_ACCOUNT_CREATE_SINCE)
    if known is not None and known < since:
        raise NotPossible(
            f"this GitLab ({known[0]}.{known[1]}) has no rotation for service-account tokens "
            f"of a {token.resource.type.value}; use replace"
        )
    accepts = known is None or known >= SERVICE_ACCOUNT_ROTATE_EXPIRY_SINCE
    return RotateCall(f"{base}/{token.id}/rotate", accepts_expiry=accepts)


def rotate_call(token: Token, version: str | None) -> RotateCall:
    """How to rotate ``token`` on an instance running ``version`` (for a runner: reset)."""
    if token.kind in (TokenKind.IMPERSONATION, TokenKind.DEPLOY):
        raise NotPossible(
            f"GitLab cannot rotate {token.kind.value} tokens; use replace (create a new one, "
            "deploy it, then revoke this one)"
        )
    if token.kind is TokenKind.TRIGGER:
        raise NotPossible(TRIGGER_NO_ROTATE)
    if token.kind is TokenKind.CLUSTER_AGENT:
        raise NotPossible(AGENT_NO_ROTATE)
    if token.kind is TokenKind.RUNNER:  # every version gltui knows has it (MR 74336, 14.x)
        path = f"/runners/{token.id}/reset_authentication_token"
        return RotateCall(path, accepts_expiry=False, resets=True)
    known = parse_version(version)
    if token.kind is TokenKind.SERVICE_ACCOUNT:
        own = _service_account_rotate(token, known)
        if own is not None:
            return own
    if known is not None and known < ROTATE_SINCE:
        raise NotPossible(
            f"rotation needs GitLab 16.0 or later (this instance runs {version}); use replace"
        )
    base = _resource_base(token)
    if token.kind in (TokenKind.PROJECT, TokenKind.GROUP) and base is not None:
        path = f"{base}/access_tokens/{token.id}/rotate"
    else:
        path = f"/personal_access_tokens/{token.id}/rotate"
    return RotateCall(path, accepts_expiry=known is None or known >= ROTATE_EXPIRY_SINCE)


def at_least(version: str | None, since: tuple[int, int]) -> bool | None:
    """Whether ``version`` is ``since`` or newer; ``None`` when the version is unknown
    (the caller then asks GitLab and reads its answer instead of guessing)."""
    known = parse_version(version)
    return None if known is None else known >= since


def _fine_grained_path(
    request: CreateRequest,
    *,
    user_id: int,
    is_admin: bool,
    version: str | None,
    own_user_id: int | None,
) -> str:
    """Where a fine-grained token is created: ``/user/personal_access_tokens`` for
    yourself (19.2+, any user), ``/users/:id/personal_access_tokens`` by an administrator
    for someone else (19.6+). An unknown version is tried: a 404 then says no."""
    if request.kind is TokenKind.IMPERSONATION:
        if not is_admin:
            raise NotPossible("only administrators can create impersonation tokens")
        if at_least(version, FINE_GRAINED_SELF_CREATE_SINCE) is False:
            raise FineGrainedUnsupported(
                f"fine-grained impersonation tokens need GitLab 19.2 (this instance runs {version})"
            )
        return f"/users/{user_id}/impersonation_tokens"
    if own_user_id is None or user_id == own_user_id:
        if at_least(version, FINE_GRAINED_SELF_CREATE_SINCE) is False:
            raise FineGrainedUnsupported(
                "fine-grained personal access tokens need GitLab 19.2 or later "
                f"(this instance runs {version})"
            )
        return "/user/personal_access_tokens"
    if not is_admin:
        raise NotPossible("only administrators can create tokens for other users")
    if at_least(version, FINE_GRAINED_ADMIN_CREATE_SINCE) is False:
        raise FineGrainedUnsupported(
            "an administrator can create a fine-grained token for another user from GitLab "
            f"19.6 (this instance runs {version})"
        )
    return f"/users/{user_id}/personal_access_tokens"


def create_path(
    request: CreateRequest,
    *,
    user_id: int,
    is_admin: bool,
    version: str | None = None,
    own_user_id: int | None = None,
) -> str:
    """The ``POST`` path that creates ``request`` for user ``user_id`` (the signed-in
    user is ``own_user_id``, when known). Legacy personal tokens need an administrator
    (everyone else uses GitLab's prefilled form: see ``personal_token_form_url``);
    fine-grained ones are gated by ``version``."""
    kind = request.kind
    if request.is_fine_grained and kind in (TokenKind.PERSONAL, TokenKind.IMPERSONATION):
        return _fine_grained_path(
            request, user_id=user_id, is_admin=is_admin, version=version, own_user_id=own_user_id
        )
    if kind is TokenKind.PERSONAL:
        if not is_admin:
            raise NotPossible(
                "GitLab lets only administrators create personal access tokens through the "
                "API; open the prefilled form in GitLab instead"
            )
        return f"/users/{user_id}/personal_access_tokens"
    if kind is TokenKind.IMPERSONATION:
        if not is_admin:
            raise NotPossible("only administrators can create impersonation tokens")
        return f"/users/{user_id}/impersonation_tokens"
    if kind is TokenKind.SERVICE_ACCOUNT:
        return _service_account_create_path(request, version)
    if request.resource is None:
        raise NotPossible(f"a {kind.value} token needs a project or group")
    plural = "projects" if request.resource.type is ResourceType.PROJECT else "groups"
    if kind is TokenKind.DEPLOY:
        return f"/{plural}/{request.resource.id}/deploy_tokens"
    if kind in (TokenKind.PROJECT, TokenKind.GROUP):
        return f"/{plural}/{request.resource.id}/access_tokens"
    raise NotPossible(f"gltui cannot create {kind.value} tokens")


def _service_account_create_path(request: CreateRequest, version: str | None) -> str:
    """``POST /groups|projects/:id/service_accounts/:user_id/personal_access_tokens``
    (groups 16.1, projects 18.11). Instance service accounts' tokens are made in GitLab's
    admin area (or as an administrator's personal-token create for that user)."""
    resource = request.resource
    if resource is None:
        raise NotPossible(
            "a service-account token is made for a group's or project's service account: "
            "choose the group or project"
        )
    base = _account_tokens(resource, request.account)
    if base is None:
        raise NotPossible("choose the service account the token is for")
    since = service_account_since(resource.type, SERVICE_ACCOUNT_CREATE_SINCE)
    if at_least(version, since) is False:
        raise NotPossible(
            f"{resource.type.value} service accounts need GitLab "
            f"{since[0]}.{since[1]} or later (this instance runs {version})"
        )
    return base


def resource_path(resource_type: ResourceType, resource_id: int | str) -> str:
    """``/projects/7`` or ``/groups/acme%2Fweb`` (a path must be URL-encoded by the caller)."""
    plural = "projects" if resource_type is ResourceType.PROJECT else "groups"
    return f"/{plural}/{resource_id}"


def ci_variable_path(resource_type: ResourceType, path: str, key: str | None = None) -> str:
    """``/projects/acme%2Fapp/variables`` (create, list), or ``.../variables/KEY`` (read,
    update): ``doc/api/project_level_variables.md``, ``group_level_variables.md``. The
    project or group is named by its full path, encoded here; the environment scope goes
    in the query (``filter[environment_scope]``), never in the path."""
    base = f"{resource_path(resource_type, quote(path, safe=''))}/variables"
    return base if key is None else f"{base}/{quote(key, safe='')}"


def listing_request(listing: Listing) -> tuple[str, dict[str, Any]]:
    """The path and query parameters of ``listing`` (paging parameters aside)."""
    what = listing.what
    if what is Listed.PERSONAL_TOKENS:
        return "/personal_access_tokens", {}
    if what is Listed.USERS:
        return "/users", {}
    if what is Listed.DEPLOY_TOKENS:
        return "/deploy_tokens", {}
    if what is Listed.PROJECTS:
        params: dict[str, Any] = {"order_by": "id", "sort": "asc", "simple": True}
        if listing.min_access_level is not None:
            params["min_access_level"] = listing.min_access_level
        return "/projects", params
    if what is Listed.GROUPS:
        if listing.min_access_level is not None:
            return "/groups", {"min_access_level": listing.min_access_level}
        return "/groups", {"all_available": True}
    if what is Listed.IMPERSONATION_TOKENS:
        if listing.user_id is None:
            raise ValueError("an impersonation listing names its user")
        return f"/users/{listing.user_id}/impersonation_tokens", {}
    if what is Listed.RUNNERS:
        return "/runners", {}
    if what is Listed.ALL_RUNNERS:
        return "/runners/all", {}
    if listing.resource is None:
        raise ValueError(f"a {what.value} listing names its project or group")
    base = resource_path(listing.resource.type, listing.resource.id)
    if what is Listed.RESOURCE_ACCESS_TOKENS:
        return f"{base}/access_tokens", {}
    if what is Listed.RESOURCE_DEPLOY_TOKENS:
        return f"{base}/deploy_tokens", {}
    if what is Listed.CI_VARIABLES:  # project_level_variables.md, group_level_variables.md
        return f"{base}/variables", {}
    return _kind_listing(listing, base)


GROUP_SERVICE_ACCOUNT_TOKEN_LIST_SINCE = (17, 11)
"""``GET /groups/:id/service_accounts/:user_id/personal_access_tokens``, with the PAT
filters (17.11, the release of its revoke: ``gitlab-2026.md`` §1.3)."""


def listing_since(listing: Listing) -> tuple[int, int] | None:
    """The first GitLab version with ``listing``'s endpoint, where the reference gives one:
    a group's service accounts 17.1, their tokens 17.11; a project's, and their tokens,
    18.11 (GA; behind a flag off by default in 18.9 and 18.10). ``None``: every version
    gltui supports has it, or no source says; then GitLab's answer decides (a 404 being
    "not here")."""
    what, resource = listing.what, listing.resource
    if resource is None or what not in (Listed.SERVICE_ACCOUNTS, Listed.SERVICE_ACCOUNT_TOKENS):
        return None
    if what is Listed.SERVICE_ACCOUNTS:
        return service_account_since(resource.type, SERVICE_ACCOUNT_LIST_SINCE)
    return service_account_since(resource.type, GROUP_SERVICE_ACCOUNT_TOKEN_LIST_SINCE)


def agent_token_path(project: Resource, agent_id: int, token_id: int) -> str:
    """One agent token: ``/projects/:id/cluster_agents/:agent_id/tokens/:token_id``."""
    base = resource_path(project.type, project.id)
    return f"{base}/cluster_agents/{agent_id}/tokens/{token_id}"


def _kind_listing(listing: Listing, base: str) -> tuple[str, dict[str, Any]]:
    """Triggers, cluster agents and their tokens, service accounts and their tokens."""
    what = listing.what
    if what is Listed.TRIGGERS:
        return f"{base}/triggers", {}
    if what is Listed.CLUSTER_AGENTS:
        return f"{base}/cluster_agents", {}
    if what is Listed.AGENT_TOKENS:
        if listing.agent_id is None:
            raise ValueError("an agent-token listing names its agent")
        return f"{base}/cluster_agents/{listing.agent_id}/tokens", {}
    if what is Listed.SERVICE_ACCOUNTS:
        return f"{base}/service_accounts", {}
    if what is Listed.SERVICE_ACCOUNT_TOKENS:
        if listing.user_id is None:
            raise ValueError("a service-account token listing names its account")
        return f"{base}/service_accounts/{listing.user_id}/personal_access_tokens", {}
    raise ValueError(f"no endpoint lists {what.value}")
