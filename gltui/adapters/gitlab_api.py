"""One GitLab instance's REST API, through python-gitlab, safe to call from threads.

python-gitlab's client holds a ``requests.Session`` with no thread-safety
contract, so each worker thread gets its own client (created on first use and
closed by :meth:`GitLabApi.close`). Each client's session is a
:class:`~gltui.adapters.transport.GuardedSession`: redirects, deadlines, body caps,
retries and capped waits are the transport policy's, not python-gitlab's (whose
retries sleep as long as a server asks). :class:`RateGate` slows down *before* the
limit when ``RateLimit-Remaining`` runs low. Every answer is scrubbed of the
instance's token and of token-shaped values before anyone reads it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import gitlab

from gltui import __version__
from gltui.adapters.endpoints import (
    agent_token_path,
    create_path,
    listing_request,
    resource_path,
    revoke_path,
    rotate_call,
)
from gltui.adapters.errors import from_exception
from gltui.adapters.log import RequestLog
from gltui.adapters.port import Listed, Listing, Page
from gltui.adapters.transport import MAX_RETRIES, GuardedSession, TransportLimits, WaitListener
from gltui.adapters.variable_rows import sealed
from gltui.adapters.variables_api import CiVariablesMixin
from gltui.adapters.wire import ApiFailure, Reply, digits
from gltui.domain.defaults import DEFAULT_TIMEOUT_SECONDS
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.redact import may_hold_a_token, scrub_forms, secret_forms
from gltui.domain.secret import Secret
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import Resource, ResourceType, Token


class RateGate:
    """Pause all of an instance's workers when its rate-limit budget runs low."""

    def __init__(
        self,
        reserve: int,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 60.0,
    ) -> None:
        self.reserve = reserve
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset_at = 0.0
        self.waited = 0.0
        """Seconds spent waiting (reported in benchmarks)."""

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the budget from ``RateLimit-Remaining``/``RateLimit-Reset``."""
        remaining = digits(headers.get("RateLimit-Remaining", ""))
        reset = digits(headers.get("RateLimit-Reset", ""))
        if remaining is not None and reset is not None:
            with self._lock:
                self._remaining = remaining
                self._reset_at = float(reset)

    def wait(self) -> None:
        """Block until the window resets if too little budget is left for everyone."""
        with self._lock:
            if self._remaining is None or self._remaining > self.reserve:
                if self._remaining is not None:
                    self._remaining -= 1
                return
            pause = self._reset_at - self._clock()
            self._remaining = None  # the next answer tells the new budget
        if pause > 0:
            pause = min(pause, self.max_wait)
            self.waited += pause
            self._sleep(pause)


class GitLabApi(CiVariablesMixin):
    """Requests to one instance, mapped to safe :class:`ApiFailure` errors (CI/CD
    variables: :class:`~gltui.adapters.variables_api.CiVariablesMixin`)."""

    def __init__(
        self,
        url: str,
        token: Secret,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_verify: bool | str = True,
        max_retries: int = MAX_RETRIES,
        gate: RateGate | None = None,
        limits: TransportLimits | None = None,
        name: str = "",
        log: RequestLog | None = None,
        on_wait: WaitListener | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._ssl_verify = ssl_verify
        self.limits = limits or TransportLimits(request_seconds=timeout, max_retries=max_retries)
        self.gate = gate
        self.name = name or self.url
        self.log = log
        self.on_wait = on_wait
        self.walk_deadline: float | None = None
        """A monotonic time no request may outlast (set by the instance walk)."""
        self._secrets = (token.reveal(),) if token else ()
        self._local = threading.local()
        self._clients: list[gitlab.Gitlab] = []
        self._lock = threading.Lock()
        self.requests_made = 0

    def client(self) -> gitlab.Gitlab:
        """This thread's python-gitlab client, on a guarded session."""
        existing: gitlab.Gitlab | None = getattr(self._local, "client", None)
        if existing is not None:
            existing.session.walk_deadline = self.walk_deadline  # type: ignore[attr-defined]
            return existing
        session = GuardedSession(
            self.url,
            self.limits,
            instance=self.name,
            secrets=self._secrets,
            log=self.log,
            on_wait=self.on_wait,
        )
        session.walk_deadline = self.walk_deadline
        created = gitlab.Gitlab(
            self.url,
            private_token=self._token.reveal(),
            timeout=self.timeout,
            ssl_verify=self._ssl_verify,
            retry_transient_errors=False,
            user_agent=f"gltui/{__version__}",
            keep_base_url=True,
            session=session,
        )
        self._local.client = created
        with self._lock:
            self._clients.append(created)
        return created

    def _clean(self, content: bytes, data: Any, *, keep: str | None = None) -> Any:
        """``data`` scrubbed when the raw body holds the token or anything token-shaped
        (cheap byte searches first: almost every page has neither). ``keep`` names a
        top-level field that legitimately holds a new token (create, rotate)."""
        dirty = any(secret.encode() in content for secret in self._secrets if secret)
        if not dirty and not may_hold_a_token(content):
            return data
        return _scrubbed(data, self._secrets, keep)

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        action: str,
        keep: str | None = None,
    ) -> Reply:
        """``GET /api/v4{path}``; ``action`` words any failure ("listing projects");
        ``keep``: a top-level field left unscrubbed (a CI variable's value, compared and
        dropped by :mod:`gltui.adapters.variables_api`)."""
        if self.gate is not None:
            self.gate.wait()
        try:
            response = self.client().http_request(
                "get",
                path,
                query_data=dict(params or {}),
                timeout=self.timeout,
                max_retries=0,
                obey_rate_limit=False,
                retry_transient_errors=False,
            )
            data = self._clean(response.content, response.json(), keep=keep)
        except Exception as error:
            raise ApiFailure(
                from_exception(error, action, timeout=self.timeout, secrets=self._secrets)
            ) from None
        finally:
            with self._lock:
                self.requests_made += 1
        if self.gate is not None:
            self.gate.observe(response.headers)
        return Reply(data, response.headers)

    def send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        action: str,
        hide: tuple[str, ...] = (),
        query: Mapping[str, Any] | None = None,
    ) -> Reply:
        """A write (``POST``/``DELETE``); ``data`` is ``None`` for an empty answer (204).

        Transient errors are *not* retried: a create that timed out may have worked,
        and a blind retry would make a second token. 429s are (GitLab did nothing).
        ``hide``: more values to scrub from the answer and any failure (a token sent
        in the body, for the by-value calls).
        """
        secrets = (*self._secrets, *hide)
        try:
            response = self.client().http_request(
                method.lower(),
                path,
                query_data=dict(query or {}),
                post_data=dict(body) if body is not None else None,
                timeout=self.timeout,
                max_retries=0,
                obey_rate_limit=False,
                retry_transient_errors=False,
            )
            data = (
                self._clean(response.content, response.json(), keep=None if hide else "token")
                if response.content
                else None
            )
            if hide and data is not None:
                data = _scrubbed(data, secrets, None)
        except Exception as error:
            raise ApiFailure(
                from_exception(error, action, timeout=self.timeout, secrets=secrets)
            ) from None
        finally:
            with self._lock:
                self.requests_made += 1
        return Reply(data, response.headers)

    # --- the port (gltui.adapters.port.GitLabPort) ---------------------------------

    def whoami(self) -> dict[str, Any]:
        """``GET /user``: who the token signs in as."""
        data = self.get("/user", action="signing in").data
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ApiFailure(Failure(FailureKind.BAD_RESPONSE, "GET /user did not describe a user"))
        return data

    def version(self) -> str | None:
        """``/metadata``, or ``/version`` on GitLab before 15.2; ``None`` when neither says."""
        for path in ("/metadata", "/version"):
            try:
                data = self.get(path, action="reading the version").data
            except ApiFailure as error:
                if error.failure.kind is FailureKind.NOT_FOUND:
                    continue
                raise
            if isinstance(data, dict) and isinstance(data.get("version"), str):
                return str(data["version"])
            return None
        return None

    def own_token(self) -> dict[str, Any]:
        """``/personal_access_tokens/self`` (GitLab 15.5+): the token gltui calls with."""
        data = self.get("/personal_access_tokens/self", action="reading gltui's own token").data
        if not isinstance(data, dict):
            raise ApiFailure(
                Failure(FailureKind.BAD_RESPONSE, "GitLab did not describe gltui's own token")
            )
        return data

    def page(self, listing: Listing, number: int, per_page: int) -> Page:
        """Page ``number`` of ``listing``, with what its headers say of the rest."""
        path, params = listing_request(listing)
        keep = "value" if listing.what is Listed.CI_VARIABLES else None  # sealed, not scrubbed
        reply = self.get(
            path, {**params, "page": number, "per_page": per_page}, action=listing.action, keep=keep
        )
        rows = sealed(reply.data) if keep else reply.data
        return Page(rows, reply.header_int("X-Total-Pages"), reply.header_int("X-Next-Page"))

    def resources(
        self, resource_type: ResourceType, min_access_level: int, search: str = ""
    ) -> list[dict[str, Any]]:
        """The first 100 projects or groups where the caller has ``min_access_level``."""
        params: dict[str, Any] = {"min_access_level": min_access_level, "per_page": 100}
        if resource_type is ResourceType.PROJECT:
            params["simple"] = True
        if search:
            params["search"] = search
        plural = "projects" if resource_type is ResourceType.PROJECT else "groups"
        data = self.get(f"/{plural}", params, action=f"listing {plural}").data
        return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []

    def resource(self, resource_type: ResourceType, path: str) -> dict[str, Any]:
        """A project or group by its full path (``acme/website``)."""
        data = self.get(
            resource_path(resource_type, quote(path, safe="")),
            action=f"finding {resource_type.value} {path}",
        ).data
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ApiFailure(
                Failure(
                    FailureKind.BAD_RESPONSE,
                    f"GitLab did not describe {resource_type.value} {path!r}",
                )
            )
        return data

    def revoke(
        self, token: Token, version: str | None = None, *, is_admin: bool | None = None
    ) -> None:
        """``DELETE`` the token (its endpoint depends on its kind, and for a service
        account's, on the version and on whether gltui is an administrator)."""
        path = revoke_path(token, version, is_admin=is_admin)
        self.send("DELETE", path, action="revoking a token")

    def rotate(self, token: Token, expires_at: date | None, version: str | None) -> Any:
        """``POST .../rotate`` (a runner: ``.../reset_authentication_token``); an expiry
        only where the version accepts one (16.6+; a service account's 17.9+)."""
        call = rotate_call(token, version)
        body = {"expires_at": expires_at.isoformat()} if expires_at and call.accepts_expiry else {}
        action = "resetting a runner's token" if call.resets else "rotating a token"
        return self.send("POST", call.path, body, action=action).data

    def create(
        self,
        request: CreateRequest,
        *,
        user_id: int,
        is_admin: bool,
        version: str | None = None,
        own_user_id: int | None = None,
    ) -> Any:
        """``POST`` the request to the endpoint its kind (and, for a fine-grained token,
        the version and whose token it is) needs."""
        path = create_path(
            request, user_id=user_id, is_admin=is_admin, version=version, own_user_id=own_user_id
        )
        return self.send("POST", path, request.api_payload(), action="creating a token").data

    # --- by value (incident response): the value is sent, never kept or logged ----

    def _as(self, value: Secret) -> GitLabApi:
        """A client of the same instance that signs in with ``value`` (the guarded
        transport sends it to this URL only, and scrubs it from every answer)."""
        return GitLabApi(
            self.url,
            value,
            timeout=self.timeout,
            ssl_verify=self._ssl_verify,
            limits=self.limits,
            name=self.name,
            log=self.log,
        )

    def object_by_value(
        self, value: Secret, path: str, action: str, missing: str
    ) -> dict[str, Any]:
        """``GET path`` signed in with ``value``: the object GitLab answers (``missing``
        words the failure when the answer is none)."""
        api = self._as(value)
        try:
            data = api.get(path, action=action).data
        finally:
            api.close()
        if not isinstance(data, dict):
            raise ApiFailure(Failure(FailureKind.BAD_RESPONSE, missing))
        return data

    def describe_by_value(self, value: Secret) -> dict[str, Any]:
        """``GET /personal_access_tokens/self`` signed in with ``value`` (any scope)."""
        path, missing = "/personal_access_tokens/self", "GitLab did not describe the token"
        return self.object_by_value(value, path, "asking the token itself", missing)

    def revoke_self_by_value(self, value: Secret) -> None:
        """``DELETE /personal_access_tokens/self`` signed in with ``value``: the token
        revokes itself (no rights of gltui's needed)."""
        api = self._as(value)
        try:
            api.send("DELETE", "/personal_access_tokens/self", action="revoking the token itself")
        finally:
            api.close()

    def admin_lookup(self, value: Secret) -> dict[str, Any]:
        """``POST /admin/token`` (administrators, 17.8+): any kind of token by value."""
        data = self.send(
            "POST",
            "/admin/token",
            {"token": value.reveal()},
            action="looking the token up (admin API)",
            hide=(value.reveal(),),
        ).data
        if not isinstance(data, dict):
            raise ApiFailure(Failure(FailureKind.BAD_RESPONSE, "GitLab did not describe the token"))
        return data

    def admin_revoke(self, value: Secret) -> None:
        """``DELETE /admin/token``: revoke (or reset, by kind) a token by value."""
        self.send(
            "DELETE",
            "/admin/token",
            {"token": value.reveal()},
            action="revoking the token (admin API)",
            hide=(value.reveal(),),
        )

    def group_revoke(self, group_id: int, value: Secret) -> dict[str, Any]:
        """``POST /groups/:id/tokens/revoke`` (top-level group Owners, 17.2+)."""
        data = self.send(
            "POST",
            f"/groups/{group_id}/tokens/revoke",
            {"token": value.reveal()},
            action="revoking the token (group API)",
            hide=(value.reveal(),),
        ).data
        return data if isinstance(data, dict) else {}

    def user(self, user_id: int) -> dict[str, Any]:
        """``GET /users/:id``: who owns a token (public fields)."""
        data = self.get(f"/users/{user_id}", action="reading the token's owner").data
        return data if isinstance(data, dict) else {}

    def runner(self, runner_id: int) -> dict[str, Any]:
        """``GET /runners/:id``: a runner's details, its token's expiry among them."""
        return self._one(f"/runners/{runner_id}", f"runner {runner_id}")

    def agent_token(self, project: Resource, agent_id: int, token_id: int) -> dict[str, Any]:
        """``GET …/cluster_agents/:agent_id/tokens/:token_id``: one token, its last use."""
        return self._one(agent_token_path(project, agent_id, token_id), f"agent token {token_id}")

    def _one(self, path: str, what: str) -> dict[str, Any]:
        data = self.get(path, action=f"reading {what}").data
        if not isinstance(data, dict):
            raise ApiFailure(Failure(FailureKind.BAD_RESPONSE, f"GitLab did not describe {what}"))
        return data

    def close(self) -> None:
        """Close every thread's HTTP session."""
        with self._lock:
            clients, self._clients = self._clients, []
        for created in clients:
            created.session.close()


SCRUB_DEPTH = 64
"""Deeper JSON than this is not GitLab's (and would exhaust the stack)."""


def _scrubbed(data: Any, secrets: tuple[str, ...], keep: str | None) -> Any:
    """Every string in ``data`` scrubbed, except the field ``keep`` of the top-level
    object, or of each object of a top-level list (a CI/CD variables listing's rows)."""
    return _scrub_tree(data, secret_forms(secrets), keep, 0)


def _scrub_tree(data: Any, forms: tuple[str, ...], keep: str | None, depth: int) -> Any:
    if depth > SCRUB_DEPTH:
        return None
    if isinstance(data, str):
        return scrub_forms(data, forms)
    if isinstance(data, list):
        rows_keep = keep if depth == 0 else None
        return [_scrub_tree(item, forms, rows_keep, depth + 1) for item in data]
    if isinstance(data, dict):
        return {  # ``keep`` is only ever passed to the top-level object or a top-level row
            scrub_forms(str(key), forms): (
                value if key == keep else _scrub_tree(value, forms, None, depth + 1)
            )
            for key, value in data.items()
        }
    return data
