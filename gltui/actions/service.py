"""Revoke, rotate and create tokens on one instance, through the GitLab port.

Blocking calls: the dashboard runs them in thread workers, the CLI directly. A
new token's value is wrapped in :class:`Secret` the moment it is parsed, so it
cannot reach a repr, a log line or an exception message by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from gltui.actions.explain import (
    explain_accounts,
    explain_create,
    explain_revoke,
    explain_revoke_not_found,
    explain_rotate,
)
from gltui.actions.offers import rotation_expiry
from gltui.adapters.endpoints import (
    PROJECT_SERVICE_ACCOUNTS_SINCE,
    FineGrainedUnsupported,
    NotPossible,
    at_least,
    listing_since,
)
from gltui.adapters.parse import deploy_token, parse_timestamp, personal_token
from gltui.adapters.port import Connect, Listed, Listing
from gltui.adapters.wire import ApiFailure, is_missing_route
from gltui.domain.access import AccessLevel
from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Expiry, Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.connect import api_for
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec

NO_FINE_GRAINED_HERE = (
    "GitLab answered 404 where it creates fine-grained tokens: this instance, or your "
    "account on it, cannot create them over the API yet (GitLab before 19.2, or the "
    "granular_personal_access_tokens flag is off for you)"
)
GUEST = int(AccessLevel.GUEST)
OLDER_GITLAB = (
    "GitLab answered that a token needs scopes: this version does not take fine-grained "
    "permissions (granular_scopes, GitLab 19.2+)"
)
MAINTAINER = int(AccessLevel.MAINTAINER)
OWNER = int(AccessLevel.OWNER)
_PATH_FIELD = {ResourceType.PROJECT: "path_with_namespace", ResourceType.GROUP: "full_path"}


class ActionError(Exception):
    """An action GitLab refused or could not do; the message is for the user (no secret)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FineGrainedUnavailable(ActionError):
    """GitLab cannot create this fine-grained token here: the version says so, or GitLab
    answered 404 where the route should be (before 19.2, or with the per-user flag
    ``granular_personal_access_tokens`` off: MR 260958). A legacy token, or GitLab's
    prefilled web form, is the way; the caller offers it."""


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
    known = like.owner if isinstance(like, Token) else like.account
    if known is not None and token.owner is not None:
        token = replace(token, owner=replace(token.owner, username=known.username))
    return Issued(token, secret)


def _reset(data: Any, runner: Token) -> Issued:
    """A runner's reset answer (``{"token", "token_expires_at"}``): the same runner with
    its new expiry, and the value. An expiry gltui cannot read keeps the old one shown
    until the next refresh reads the runner again: the value must not be lost for it."""
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        raise ActionError("GitLab's answer did not hold the new token; check the runner's page")
    secret = Secret(data["token"])
    said = data.get("token_expires_at")
    expires: Expiry = None
    if said is not None:
        expires = parse_timestamp(said) or runner.expires_at
    return Issued(replace(runner, revoked=False, expires_at=expires), secret)


def _parsed(instance: str, body: dict[str, Any], like: Token | CreateRequest) -> Token:
    if like.kind is TokenKind.DEPLOY:
        return deploy_token(instance, body, resource=like.resource)
    return personal_token(instance, body, kind=like.kind, resource=like.resource)


def _no_fine_grained_here(request: CreateRequest, error: ApiFailure) -> str | None:
    """Why GitLab's answer to a fine-grained create means "not on this instance" (``None``:
    it means something else): a 404 from the catch-all route, a bare 404 to a request
    that names no project or group (which a 404 could be about), or Grape's 400
    ``scopes is missing`` (a GitLab that does not know ``granular_scopes`` yet)."""
    failure = error.failure
    if request.granular is None:
        return None
    if failure.status == 400 and "scopes is missing" in failure.message:
        return OLDER_GITLAB
    if failure.kind is not FailureKind.NOT_FOUND:
        return None
    names_places = any(grant.project_ids or grant.group_ids for grant in request.granular)
    said_what = "User Not Found" in failure.message
    if is_missing_route(failure) or not (names_places or said_what):
        return NO_FINE_GRAINED_HERE
    return None


class TokenActions:
    """The write side of one instance."""

    def __init__(
        self, spec: InstanceSpec, identity: Identity | None, *, connect: Connect = api_for
    ) -> None:
        self.spec = spec
        self.identity = identity
        self._api = connect(spec)  # python-gitlab loads on first use

    @property
    def version(self) -> str | None:
        """The instance's GitLab version, when the walk learned it (gates decide by it)."""
        return self.identity.version if self.identity else None

    def close(self) -> None:
        """Close the HTTP session."""
        self._api.close()

    def resources(self, kind: TokenKind, search: str = "") -> list[Resource]:
        """Projects and groups where the signed-in user may create ``kind`` tokens: projects
        where they are Maintainer+, groups where they are Owner (first 100 of each that
        match ``search``; for a service account's token, projects only from 18.11). For
        ``personal``: the projects and groups a fine-grained personal token may reach
        (``selected_memberships``): every membership, Guest up."""
        wanted = []
        if kind is TokenKind.PERSONAL:
            wanted += [(ResourceType.PROJECT, GUEST), (ResourceType.GROUP, GUEST)]
        version = self.version
        projects_have_accounts = at_least(version, PROJECT_SERVICE_ACCOUNTS_SINCE) is not False
        if kind in (TokenKind.PROJECT, TokenKind.DEPLOY) or (
            kind is TokenKind.SERVICE_ACCOUNT and projects_have_accounts
        ):
            wanted.append((ResourceType.PROJECT, MAINTAINER))
        if kind in (TokenKind.GROUP, TokenKind.DEPLOY, TokenKind.SERVICE_ACCOUNT):
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
        """Revoke ``token``. Already revoked or gone (404) counts as done; a 404 about its
        project, group or account, or from a route this GitLab lacks, does not."""
        version = self.version
        is_admin = self.identity.is_admin if self.identity else None
        try:
            self._api.revoke(token, version, is_admin=is_admin)
        except NotPossible as reason:
            return Outcome(token, False, str(reason))
        except ApiFailure as error:
            if error.failure.kind is FailureKind.NOT_FOUND:
                elsewhere = explain_revoke_not_found(error.failure, token)
                if elsewhere is not None:
                    return Outcome(token, False, elsewhere)
                return Outcome(replace(token, revoked=True), True, "already gone")
            return Outcome(token, False, explain_revoke(error.failure, token))
        return Outcome(replace(token, revoked=True), True, "revoked")

    def rotate(self, token: Token, expires_at: date | None, *, today: date | None = None) -> Issued:
        """Rotate ``token``: GitLab revokes it and returns its successor. A runner's token
        is reset instead (the same runner, a new value). A service account's token with
        no ``expires_at`` gets the rotation policy's default days from ``today`` (UTC's,
        when not given), never GitLab's one week (:func:`~gltui.actions.offers.rotation_expiry`)."""
        version = self.version
        if expires_at is None:
            expires_at = rotation_expiry(token, today or datetime.now(UTC).date())
        try:
            data = self._api.rotate(token, expires_at, version)
        except NotPossible as reason:
            raise ActionError(str(reason)) from None
        except ApiFailure as error:
            raise ActionError(explain_rotate(error.failure, token)) from None
        if token.kind is TokenKind.RUNNER:
            return _reset(data, token)
        return _issued(self.spec.name, data, token)

    def service_accounts(self, resource: Resource, search: str = "") -> list[Owner]:
        """The service accounts of a group (Owner) or project (Maintainer) that a token can
        be made for: the first 100, those whose username or name holds ``search``."""
        listing = Listing(Listed.SERVICE_ACCOUNTS, "listing service accounts", resource=resource)
        version = self.version
        since = listing_since(listing)
        where = resource.path or f"{resource.type.value} {resource.id}"
        if since is not None and at_least(version, since) is False:
            raise ActionError(
                f"{resource.type.value} service accounts need GitLab {since[0]}.{since[1]} or "
                f"later (this instance runs {version})"
            )
        try:
            rows = self._api.page(listing, 1, 100).rows
        except ApiFailure as error:
            raise ActionError(explain_accounts(error.failure, resource.type, where)) from None
        wanted = search.casefold()
        found = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict) or not isinstance(row.get("id"), int):
                continue
            username, name = str(row.get("username") or ""), str(row.get("name") or "")
            if wanted in username.casefold() or wanted in name.casefold():
                found.append(Owner(row["id"], username or None))
        return found

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
                version=self.identity.version,
                own_user_id=self.identity.user_id,
            )
        except FineGrainedUnsupported as reason:
            raise FineGrainedUnavailable(str(reason)) from None
        except NotPossible as reason:
            raise ActionError(str(reason)) from None
        except ApiFailure as error:
            why = _no_fine_grained_here(request, error)
            if why is not None:
                raise FineGrainedUnavailable(why) from None
            raise ActionError(explain_create(error.failure, request)) from None
        return _issued(self.spec.name, data, request)
