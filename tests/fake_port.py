"""An in-memory :class:`~gltui.adapters.port.GitLabPort`: the walk strategies, the probe
and the write side tested without sockets, paths or paging headers.

Listings are keyed by what they list (:class:`Listed`, the resource, the user and the
role asked for), exactly as the strategies name them; pages are cut from the rows the
test gives, with or without totals (GitLab stops counting above 10,000 rows).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gltui.adapters.endpoints import NotPossible, create_path
from gltui.adapters.port import Listed, Listing, Page
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Resource, ResourceType, Token

Key = tuple[Listed, int | None, int | None, int | None, int | None]


def key(
    what: Listed,
    resource_id: int | None = None,
    user_id: int | None = None,
    min_access_level: int | None = None,
    agent_id: int | None = None,
) -> Key:
    """The fake's name for a listing."""
    return (what, resource_id, user_id, min_access_level, agent_id)


def key_of(listing: Listing) -> Key:
    resource_id = listing.resource.id if listing.resource is not None else None
    return key(
        listing.what, resource_id, listing.user_id, listing.min_access_level, listing.agent_id
    )


@dataclass
class FakePort:
    """Answers from ``rows``; ``failures`` fail a listing (every page) or a call by name."""

    me: dict[str, Any]
    rows: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[Key | str, Failure] = field(default_factory=dict)
    gitlab_version: str | None = "18.5.0"
    own: dict[str, Any] | None = None
    totals: bool = True
    """Whether pages say ``X-Total-Pages`` (False: only ``X-Next-Page``, as above 10,000)."""
    name: str = "fake"
    requests_made: int = 0
    walk_deadline: float | None = None
    asked: list[tuple[Key, int]] = field(default_factory=list)
    runners: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Each runner's details (``GET /runners/:id``)."""
    agent_tokens: dict[int, dict[str, Any]] = field(default_factory=dict)
    """What each agent token's own ``GET`` adds to its listed row (``last_used_at``)."""
    revoked: list[Token] = field(default_factory=list)
    created: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    """Every create: the path it went to and its body."""
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self, call: str) -> None:
        with self._lock:
            self.requests_made += 1
        if call in self.failures:
            raise ApiFailure(self.failures[call])

    def whoami(self) -> dict[str, Any]:
        self._count("whoami")
        return self.me

    def version(self) -> str | None:
        self._count("version")
        return self.gitlab_version

    def own_token(self) -> dict[str, Any]:
        self._count("own_token")
        if self.own is None:  # GitLab before 15.5 has no such endpoint
            raise ApiFailure(_not_found())
        return self.own

    def page(self, listing: Listing, number: int, per_page: int) -> Page:
        wanted = key_of(listing)
        with self._lock:
            self.requests_made += 1
            self.asked.append((wanted, number))
        if wanted in self.failures:
            raise ApiFailure(self.failures[wanted])
        rows = self.rows.get(wanted, [])
        chunk = rows[(number - 1) * per_page : number * per_page]
        pages = max(1, -(-len(rows) // per_page))
        following = number + 1 if number < pages else None
        return Page(list(chunk), pages if self.totals else None, following)

    def resources(
        self, resource_type: ResourceType, min_access_level: int, search: str = ""
    ) -> list[dict[str, Any]]:
        self._count("resources")
        what = Listed.PROJECTS if resource_type is ResourceType.PROJECT else Listed.GROUPS
        rows = self.rows.get(key(what, min_access_level=min_access_level), [])
        field_name = "path_with_namespace" if resource_type is ResourceType.PROJECT else "full_path"
        return [row for row in rows if search in str(row.get(field_name, ""))]

    def resource(self, resource_type: ResourceType, path: str) -> dict[str, Any]:
        self._count("resource")
        for rows in self.rows.values():
            for row in rows:
                if path in (row.get("path_with_namespace"), row.get("full_path")):
                    return row
        raise ApiFailure(self.failures.get("resource") or _not_found())

    def revoke(
        self, token: Token, version: str | None = None, *, is_admin: bool | None = None
    ) -> None:
        self._count("revoke")
        if token.kind.value == "deploy" and token.resource is None:
            raise NotPossible("no resource")
        self.revoked.append(token)

    def rotate(self, token: Token, expires_at: date | None, version: str | None) -> Any:
        self._count("rotate")
        return {"id": token.id + 1000, "name": token.name, "token": "glpat-new-value-000000"}

    def create(
        self,
        request: CreateRequest,
        *,
        user_id: int,
        is_admin: bool,
        version: str | None = None,
        own_user_id: int | None = None,
    ) -> Any:
        self._count("create")
        path = create_path(
            request, user_id=user_id, is_admin=is_admin, version=version, own_user_id=own_user_id
        )
        self.created.append((path, request.api_payload()))
        if path in self.failures:
            raise ApiFailure(self.failures[path])
        if request.granular is not None:
            return {
                "id": 4242,
                "name": request.name,
                "scopes": ["granular"],
                "granular": True,
                "granular_scopes": [
                    {"access": g.access.value, "permissions": list(g.permissions)}
                    for g in request.granular
                ],
                "token": "x",
            }
        return {"id": 4242, "name": request.name, "scopes": list(request.scopes), "token": "x"}

    def describe_by_value(self, value: Secret) -> dict[str, Any]:
        self._count("describe_by_value")
        raise ApiFailure(_not_found())

    def revoke_self_by_value(self, value: Secret) -> None:
        self._count("revoke_self_by_value")
        raise ApiFailure(_not_found())

    def admin_lookup(self, value: Secret) -> dict[str, Any]:
        self._count("admin_lookup")
        raise ApiFailure(_not_found())

    def admin_revoke(self, value: Secret) -> None:
        self._count("admin_revoke")
        raise ApiFailure(_not_found())

    def group_revoke(self, group_id: int, value: Secret) -> dict[str, Any]:
        self._count("group_revoke")
        raise ApiFailure(_not_found())

    def user(self, user_id: int) -> dict[str, Any]:
        self._count("user")
        return {"id": user_id, "username": f"user{user_id}"}

    def runner(self, runner_id: int) -> dict[str, Any]:
        """``runners[runner_id]`` (a test's details), else a 404; ``failures["runner N"]``."""
        self._count(f"runner {runner_id}")
        if runner_id not in self.runners:
            raise ApiFailure(_not_found())
        return self.runners[runner_id]

    def agent_token(self, project: Resource, agent_id: int, token_id: int) -> dict[str, Any]:
        """``agent_tokens[token_id]`` (what the one token's ``GET`` adds), else nothing
        more than the listing said; ``failures["agent token N"]``."""
        self._count(f"agent token {token_id}")
        return self.agent_tokens.get(token_id, {})

    def close(self) -> None:
        self.closed = True


def _not_found() -> Failure:
    return Failure(FailureKind.NOT_FOUND, "404 not found")
