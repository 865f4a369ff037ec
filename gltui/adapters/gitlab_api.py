"""One GitLab instance's REST API, through python-gitlab, safe to call from threads.

python-gitlab's client holds a ``requests.Session`` with no thread-safety
contract, so each worker thread gets its own client (created on first use and
closed by :meth:`GitLabApi.close`). Retries, 429/``Retry-After`` handling and
timeouts are python-gitlab's; :class:`RateGate` adds the part it lacks: slowing
down *before* the limit when ``RateLimit-Remaining`` runs low.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import gitlab

from gltui import __version__
from gltui.adapters.errors import from_exception
from gltui.adapters.wire import ApiFailure, Reply
from gltui.domain.secret import Secret

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_RETRIES = 4
"""Retries for 429 and transient errors; python-gitlab's default (10) can wait minutes."""


class RateGate:
    """Pause all of an instance's workers when its rate-limit budget runs low."""

    def __init__(
        self,
        reserve: int,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset_at = 0.0
        self.waited = 0.0
        """Seconds spent waiting (reported in benchmarks)."""

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the budget from ``RateLimit-Remaining``/``RateLimit-Reset``."""
        remaining = headers.get("RateLimit-Remaining", "")
        reset = headers.get("RateLimit-Reset", "")
        if remaining.isdigit() and reset.isdigit():
            with self._lock:
                self._remaining = int(remaining)
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
            pause = min(pause, 60.0)
            self.waited += pause
            self._sleep(pause)


class GitLabApi:
    """GET requests to one instance, mapped to safe :class:`ApiFailure` errors."""

    def __init__(
        self,
        url: str,
        token: Secret,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_verify: bool | str = True,
        max_retries: int = DEFAULT_MAX_RETRIES,
        gate: RateGate | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._ssl_verify = ssl_verify
        self._max_retries = max_retries
        self.gate = gate
        self._local = threading.local()
        self._clients: list[gitlab.Gitlab] = []
        self._lock = threading.Lock()
        self.requests_made = 0

    def client(self) -> gitlab.Gitlab:
        """This thread's python-gitlab client."""
        existing: gitlab.Gitlab | None = getattr(self._local, "client", None)
        if existing is not None:
            return existing
        created = gitlab.Gitlab(
            self.url,
            private_token=self._token.reveal(),
            timeout=self.timeout,
            ssl_verify=self._ssl_verify,
            retry_transient_errors=True,
            user_agent=f"gltui/{__version__}",
        )
        self._local.client = created
        with self._lock:
            self._clients.append(created)
        return created

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, action: str) -> Reply:
        """``GET /api/v4{path}``; ``action`` words any failure ("listing projects")."""
        if self.gate is not None:
            self.gate.wait()
        try:
            response = self.client().http_request(
                "get",
                path,
                query_data=dict(params or {}),
                timeout=self.timeout,
                max_retries=self._max_retries,
                obey_rate_limit=True,
            )
            data = response.json()
        except Exception as error:
            raise ApiFailure(from_exception(error, action, timeout=self.timeout)) from None
        finally:
            with self._lock:
                self.requests_made += 1
        if self.gate is not None:
            self.gate.observe(response.headers)
        return Reply(data, response.headers)

    def send(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, *, action: str
    ) -> Reply:
        """A write (``POST``/``DELETE``); ``data`` is ``None`` for an empty answer (204).

        Transient errors are *not* retried: a create that timed out may have worked,
        and a blind retry would make a second token. 429s are (GitLab did nothing).
        """
        try:
            response = self.client().http_request(
                method.lower(),
                path,
                post_data=dict(body) if body is not None else None,
                timeout=self.timeout,
                max_retries=self._max_retries,
                obey_rate_limit=True,
                retry_transient_errors=False,
            )
            data = response.json() if response.content else None
        except Exception as error:
            raise ApiFailure(from_exception(error, action, timeout=self.timeout)) from None
        finally:
            with self._lock:
                self.requests_made += 1
        return Reply(data, response.headers)

    def close(self) -> None:
        """Close every thread's HTTP session."""
        with self._lock:
            clients, self._clients = self._clients, []
        for created in clients:
            created.session.close()
