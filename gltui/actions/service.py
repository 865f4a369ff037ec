"""Revoke, rotate and create tokens on one instance, through the GitLab port.

Blocking calls: the dashboard runs them in thread workers, the CLI directly. A
new token's value is wrapped in :class:`Secret` the moment it is parsed, so it
cannot reach a repr, a log line or an exception message by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from gltui.actions.explain import explain_create, explain_revoke, explain_rotate
from gltui.adapters.endpoints import NotPossible
from gltui.adapters.parse import deploy_token, personal_token
from gltui.adapters.port import Connect
from gltui.adapters.wire import ApiFailure
from gltui.domain.access import AccessLevel
from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.connect import api_for
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec

MAINTAINER = int(AccessLevel.MAINTAINER)
OWNER = int(AccessLevel.OWNER)
_PATH_FIELD = {ResourceType.PROJECT: "path_with_namespace", ResourceType.GROUP: "full_path"}


class ActionError(Exception):
    """An action GitLab refused or could not do; the message is for the user (no secret)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What one revoke did."""

    token: Token
    ok: bool
    message: str


@dataclass(frozen=True)
class Issued:
    """A token GitLab just created or rotated: its metadata and, once, its value."""

    token: Token
    secret: Secret

    def __repr__(self) -> str:
        return f"Issued(token={self.token!r}, secret=Secret('****'))"


def _issued(instance: str, data: Any, like: Token | CreateRequest) -> Issued:
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        raise ActionError("GitLab's answer did not hold the new token; check GitLab's page")
    body = dict(data)
    secret = Secret(body.pop("token"))
    try:
        token = _parsed(instance, body, like)
    except (ValueError, TypeError, OverflowError):
        # the token exists now: an odd field must not cost the user its only showing
        readable = {key: body[key] for key in ("id", "name", "scopes") if key in body}
        try:
            token = _parsed(instance, readable, like)
        except (ValueError, TypeError):
            raise ActionError(
                "GitLab's answer did not describe the new token; check GitLab's page"
            ) from None
    if isinstance(like, Token) and like.owner is not None and token.owner is not None:
        token = replace(token, owner=replace(token.owner, username=like.owner.username))
    return Issued(token, secret)


def _parsed(instance: str, body: dict[str, Any], like: Token | CreateRequest) -> Token:
    if like.kind is TokenKind.DEPLOY:
        return deploy_token(instance, body, resource=like.resource)
    return personal_token(instance, body, kind=like.kind, resource=like.resource)


class TokenActions:
    """The write side of one instance."""

    def __init__(
        self, spec: InstanceSpec, identity: Identity | None, *, connect: Connect = api_for
    ) -> None:
        self.spec = spec
        self.identity = identity
        self._api = connect(spec)  # python-gitlab loads on first use

    def close(self) -> None:
        """Close the HTTP session."""
        self._api.close()

    def resources(self, kind: TokenKind, search: str = "") -> list[Resource]:
        """Projects and groups where the signed-in user may create ``kind`` tokens: projects
        where they are Maintainer+, groups where they are Owner (first 100 of each that
        match ``search``)."""
        wanted = []
        if kind in (TokenKind.PROJECT, TokenKind.DEPLOY):
            wanted.append((ResourceType.PROJECT, MAINTAINER))
        if kind in (TokenKind.GROUP, TokenKind.DEPLOY):
            wanted.append((ResourceType.GROUP, OWNER))
        found = []
        for resource_type, level in wanted:
            try:
                rows = self._api.resources(resource_type, level, search)
            except ApiFailure as error:
                raise ActionError(f"{error.failure.message}. {error.failure.advice}") from None
            field = _PATH_FIELD[resource_type]
            for row in rows:
                if isinstance(row.get("id"), int):
                    found.append(Resource(resource_type, row["id"], str(row.get(field) or "")))
        return found

    def find_resource(self, resource_type: ResourceType, path: str) -> Resource:
        """A project or group by its full path (``acme/website``)."""
        try:
            data = self._api.resource(resource_type, path)
        except ApiFailure as error:
            if error.failure.kind is FailureKind.NOT_FOUND:
                raise ActionError(
                    f"no {resource_type.value} {path!r} that you can see on {self.spec.name}"
                ) from None
            raise ActionError(f"{error.failure.message}. {error.failure.advice}") from None
        return Resource(
            resource_type, data["id"], str(data.get(_PATH_FIELD[resource_type]) or path)
        )

    def revoke(self, token: Token) -> Outcome:
        """Revoke ``token``. Already revoked or gone (404) counts as done."""
        try:
            self._api.revoke(token)
        except NotPossible as reason:
            return Outcome(token, False, str(reason))
        except ApiFailure as error:
            if error.failure.kind is FailureKind.NOT_FOUND:
                return Outcome(replace(token, revoked=True), True, "already gone")
            return Outcome(token, False, explain_revoke(error.failure, token))
        return Outcome(replace(token, revoked=True), True, "revoked")

    def rotate(self, token: Token, expires_at: date | None) -> Issued:
        """Rotate ``token``: GitLab revokes it and returns its successor."""
        version = self.identity.version if self.identity else None
        try:
            data = self._api.rotate(token, expires_at, version)
        except NotPossible as reason:
            raise ActionError(str(reason)) from None
        except ApiFailure as error:
            raise ActionError(explain_rotate(error.failure, token)) from None
        return _issued(self.spec.name, data, token)

    def create(self, request: CreateRequest, *, for_user: int | None = None) -> Issued:
        """Create the token ``request`` describes (``for_user``: whose personal token; by
        default the signed-in user's)."""
        if self.identity is None:
            raise ActionError("gltui does not know who it is signed in as here; refresh first")
        try:
            data = self._api.create(
                request,
                user_id=for_user or self.identity.user_id,
                is_admin=self.identity.is_admin,
            )
        except NotPossible as reason:
            raise ActionError(str(reason)) from None
        except ApiFailure as error:
            raise ActionError(explain_create(error.failure, request)) from None
        return _issued(self.spec.name, data, request)
