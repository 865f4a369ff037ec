"""Routing, authentication and scope checks: the sandbox's ``API::API``.

Routes register themselves with :func:`route`; :func:`dispatch` finds the route
(honouring the version profile: a route the version lacks does not exist),
authenticates the caller like GitLab's API guard, checks the token's scopes and
calls the handler. Every answer, error or not, is a :class:`Response`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gltui.sandbox import errors, families, granular
from gltui.sandbox.errors import ApiError
from gltui.sandbox.pagination import Page
from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.request import Request, credential_of
from gltui.sandbox.store import DeployToken, PersonalToken, Store, User

READ = ("api", "read_api")
WRITE = ("api",)
USER_READ = ("api", "read_api", "read_user")
SELF_ROTATE = ("api", "self_rotate")
ANY_SCOPE: tuple[str, ...] = ()

LAST_USED_RESOLUTION = timedelta(minutes=10)
"""GitLab updates ``last_used_at`` at most this often."""


@dataclass
class Response:
    """Status, headers and a JSON (or text) body."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        """The body as bytes and its content type."""
        if self.status == 204 or self.body is None:
            return b"", "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body, ensure_ascii=False).encode(), "application/json"


@dataclass
class Context:
    """What a handler needs: the store, the version, the request and the caller."""

    store: Store
    profile: VersionProfile
    request: Request
    caller: User
    token: PersonalToken

    @property
    def base_url(self) -> str:
        """The instance URL as the client sees it (for ``web_url`` and ``Link``)."""
        return self.request.base_url


Handler = Callable[..., "Response | Page | dict[str, Any] | list[Any] | None"]


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern, accepted scopes and version gate."""

    method: str
    pattern: tuple[str, ...]
    handler: Handler
    scopes: tuple[str, ...]
    available: Callable[[VersionProfile], bool]
    status: int = 200
    grant: granular.Grant | None = None
    """What a fine-grained token needs here; ``None``: no fine-grained token may call it."""

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters if ``segments`` fit the pattern."""
        if len(segments) != len(self.pattern):
            return None
        found: dict[str, str] = {}
        for part, segment in zip(self.pattern, segments, strict=True):
            if part.startswith(":"):
                found[part[1:]] = segment
            elif part != segment:
                return None
        return found


ROUTES: list[Route] = []


def route(
    method: str,
    path: str,
    *,
    scopes: tuple[str, ...] = READ,
    since: Callable[[VersionProfile], bool] = lambda _profile: True,
    status: int = 200,
    permission: str | None = None,
    boundary: str | None = None,
) -> Callable[[Handler], Handler]:
    """Register a handler for ``METHOD /path/:param`` (relative to ``/api/v4``).

    ``scopes`` are what a legacy token needs; ``permission`` and ``boundary`` (``user``,
    ``instance``, or ``project``/``group`` named by the ``:id`` parameter) are what a
    fine-grained token needs (:mod:`granular`). A route without them refuses every
    fine-grained token, as GitLab's routes without ``route_setting :authorization`` do."""
    grant = granular.grant_for(permission, boundary)

    def register(handler: Handler) -> Handler:
        pattern = tuple(part for part in path.strip("/").split("/") if part)
        ROUTES.append(Route(method, pattern, handler, scopes, since, status, grant))
        return handler

    return register


def authenticate(store: Store, request: Request) -> tuple[User, PersonalToken]:
    """The API guard: find the token and refuse unknown, expired or revoked ones.

    In ``AccessTokenValidationService``'s order: expiry first, then revocation. A revoked
    token authenticating a rotation path is reuse of a rotated secret: its family's
    active token is revoked before the 401 (:mod:`families`)."""
    credential = credential_of(request.headers, request.query)
    if credential is None:
        raise errors.unauthorized()
    token = store.find_by_secret(credential)
    if token is None or isinstance(token, DeployToken):
        # deploy tokens cannot authenticate to the REST API
        raise errors.unauthorized()
    if token.expired(store.today()):
        raise errors.invalid_token(
            "Token is expired. You can either do re-authorization or token refresh."
        )
    if token.revoked:
        if families.is_rotation_request(request.segments):
            families.revoke_family(store, token)
        raise errors.invalid_token("Token was revoked. You have to re-authorize from the user.")
    user = store.users.get(token.user_id)
    if user is None:
        raise errors.unauthorized()
    _record_use(store, token, request.client_ip)
    return user, token


def _record_use(store: Store, token: PersonalToken, ip: str) -> None:
    now = store.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        if ip not in token.last_used_ips:
            token.last_used_ips = [ip, *token.last_used_ips][:5]
        store.changed()


def _find_route(request: Request, profile: VersionProfile) -> tuple[Route, dict[str, str]]:
    for candidate in ROUTES:
        if candidate.method != request.method or not candidate.available(profile):
            continue
        params = candidate.match(request.segments)
        if params is not None:
            return candidate, params
    raise errors.route_not_found()


def dispatch(store: Store, profile: VersionProfile, request: Request) -> Response:
    """Answer one API request (``request.segments`` start after ``/api/v4``)."""
    method = "GET" if request.method == "HEAD" else request.method
    request.method = method
    try:
        matched, params = _find_route(request, profile)
        request.route_params = params
        with store.lock:
            caller, token = authenticate(store, request)
            if token.granular:
                granular.authorize(store, caller, token, matched.grant, params)
            elif matched.scopes and not set(matched.scopes) & set(token.scopes):
                raise errors.insufficient_scope(matched.scopes)
            context = Context(store, profile, request, caller, token)
            # ``:id`` arrives as ``ident`` so handlers do not shadow the builtin
            kwargs = {("ident" if name == "id" else name): value for name, value in params.items()}
            result = matched.handler(context, **kwargs)
    except ApiError as error:
        return Response(error.status, error.body, error.headers)
    if isinstance(result, Response):
        return result
    if isinstance(result, Page):
        return Response(200, result.items, result.headers)
    return Response(matched.status, result)
