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

from gltui.adapters.port import Listed, Listing
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import ResourceType, Token, TokenKind

ROTATE_SINCE = (16, 0)
ROTATE_EXPIRY_SINCE = (16, 6)


class NotPossible(Exception):
    """GitLab offers no way to do this; the message says what to do instead."""


def parse_version(text: str | None) -> tuple[int, int] | None:
    """``"18.6.2-ee"`` -> ``(18, 6)``; ``None`` when unknown."""
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match[1]), int(match[2])) if match else None


def _resource_base(token: Token) -> str | None:
    if token.resource is None:
        return None
    plural = "projects" if token.resource.type is ResourceType.PROJECT else "groups"
    return f"/{plural}/{token.resource.id}"


def revoke_path(token: Token) -> str:
    """The ``DELETE`` path that revokes ``token``."""
    kind = token.kind
    if kind in (TokenKind.PERSONAL, TokenKind.SERVICE_ACCOUNT):
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


def rotate_call(token: Token, version: str | None) -> RotateCall:
    """How to rotate ``token`` on an instance running ``version``."""
    if token.kind in (TokenKind.IMPERSONATION, TokenKind.DEPLOY):
        raise NotPossible(
            f"GitLab cannot rotate {token.kind.value} tokens; use replace (create a new one, "
            "deploy it, then revoke this one)"
        )
    known = parse_version(version)
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


def create_path(request: CreateRequest, *, user_id: int, is_admin: bool) -> str:
    """The ``POST`` path that creates ``request``; personal tokens need an administrator
    (everyone else uses GitLab's prefilled form: see ``personal_token_form_url``)."""
    kind = request.kind
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
    if request.resource is None:
        raise NotPossible(f"a {kind.value} token needs a project or group")
    plural = "projects" if request.resource.type is ResourceType.PROJECT else "groups"
    if kind is TokenKind.DEPLOY:
        return f"/{plural}/{request.resource.id}/deploy_tokens"
    if kind in (TokenKind.PROJECT, TokenKind.GROUP):
        return f"/{plural}/{request.resource.id}/access_tokens"
    raise NotPossible(f"gltui cannot create {kind.value} tokens")


def resource_path(resource_type: ResourceType, resource_id: int | str) -> str:
    """``/projects/7`` or ``/groups/acme%2Fweb`` (a path must be URL-encoded by the caller)."""
    plural = "projects" if resource_type is ResourceType.PROJECT else "groups"
    return f"/{plural}/{resource_id}"


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
    if listing.resource is None:
        raise ValueError(f"a {what.value} listing names its project or group")
    base = resource_path(listing.resource.type, listing.resource.id)
    if what is Listed.RESOURCE_ACCESS_TOKENS:
        return f"{base}/access_tokens", {}
    return f"{base}/deploy_tokens", {}
