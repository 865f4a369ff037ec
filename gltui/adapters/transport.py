"""The transport policy: what gltui's HTTP may do with a token, and for how long.

Every request gltui makes goes through :class:`GuardedSession`, the
``requests.Session`` python-gitlab is given. It exists because a GitLab-like
server can be hostile or broken, and the token it is talking to is often an
administrator's ``api`` token:

* **No redirect is followed.** requests would follow one to another host and
  send ``PRIVATE-TOKEN`` along (it strips only ``Authorization``), turn https
  into http, and replay a ``DELETE`` at the other end. A 3xx fails the request
  with the target named, so the user can set ``url`` to the final address.
* **A deadline per request, not per read.** requests' timeout restarts with
  every byte; a server trickling a header a second never times out. A watchdog
  shuts the socket down when the whole request is over its time.
* **Bounded bodies.** A response larger than ``max_response_bytes`` after
  decompression (a gzip bomb, an endless chunked body) fails the request.
* **Bounded retries and waits.** 429s, 5xx and dropped connections are retried
  a few times; ``Retry-After``/``RateLimit-Reset`` waits are capped, never
  longer than what is left of the instance's walk, and reported as they happen.
* **A log line per request** (method, path without query, status, time,
  retries, what was refused), never a header or a body.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from gltui.adapters.log import RequestLog, RequestRecord
from gltui.domain.defaults import DEFAULT_TIMEOUT_SECONDS
from gltui.domain.redact import scrub

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""One answer, decompressed: 100 token rows are ~60 KB, 100 users ~150 KB; 8 MiB is far
beyond any page GitLab sends."""
MAX_RETRIES = 4
"""Retries of one request (429s, 5xx, dropped connections); python-gitlab's default
of 10, with the waits a server asks for, could take minutes."""
MAX_WAIT_SECONDS = 30.0
"""The longest gltui sleeps on one ``Retry-After``/``RateLimit-Reset`` (configurable)."""
CHUNK_BYTES = 64 * 1024
BACKOFF_SECONDS = 0.1
"""The first retry's wait when GitLab names none; it doubles: 0.1, 0.2, 0.4, 0.8 s."""
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class TransportRefusal(Exception):
    """The policy stopped a request; ``message`` is safe to show (scrubbed, no query)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RedirectRefused(TransportRefusal):
    """The server answered with a redirect, which gltui never follows."""

    def __init__(self, status: int, target: str) -> None:
        super().__init__(
            f"GitLab answered with a redirect ({status}) to {target or 'an unnamed address'}; "
            "gltui does not follow redirects with a token: set url to the final address"
        )
        self.target = target
        self.status = status


class DeadlineExceeded(TransportRefusal):
    """The whole request (headers and body) took longer than its deadline."""


class ResponseTooLarge(TransportRefusal):
    """The answer was larger than the cap, after decompression."""


@dataclass(frozen=True)
class TransportLimits:
    """Every bound of one instance's transport, explicit."""

    request_seconds: float = DEFAULT_TIMEOUT_SECONDS
    """The whole request: connect, headers and body."""
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_retries: int = MAX_RETRIES
    max_wait_seconds: float = MAX_WAIT_SECONDS


WaitListener = Callable[[float, str], None]
"""Told ``(seconds, why)`` before the transport sleeps, e.g. ``(30.0, "rate limit")``."""


# --- the watchdog: ends a request that is over its deadline -----------------


class _Deadline:
    """One request's deadline; when it passes, the socket it is reading is shut down."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            expired = self.expired
        if expired:
            self._shutdown(sock)

    def finish(self) -> None:
        """The request is over: its (pooled, reusable) socket is no longer ours to end."""
        with self._lock:
            self.done = True
            self._socket = None

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            sock = self._socket
        self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket | None) -> None:
        if sock is not None:
            with contextlib.suppress(OSError, ValueError):
                sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for the whole process, sleeping until the next deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: _Deadline) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.at, next(self._counter), deadline))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gltui-deadlines", daemon=True
                )
                self._thread.start()
            if self._heap[0][2] is deadline:  # a new soonest deadline: re-time the sleep
                self._wake.notify()  # (waking for every request cost a GIL hand-off each)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)  # finished in time: forget it
                if not self._heap:
                    self._wake.wait()
                    continue
                at, _, deadline = self._heap[0]
                pause = at - time.monotonic()
                if pause > 0:
                    self._wake.wait(pause)
                    continue
                heapq.heappop(self._heap)
            deadline.expire()


_WATCHDOG = _Watchdog()
_CURRENT = threading.local()
"""The deadline of the request this thread is making (urllib3 connections read it)."""


class _DeadlineConnectionMixin:
    """Hands the connection's socket to the current request's deadline: as soon as it
    exists (a TLS handshake can trickle too), and again for a reused connection."""

    sock: socket.socket | None

    def _new_conn(self, *args: Any, **kwargs: Any) -> socket.socket:
        sock: socket.socket = super()._new_conn(*args, **kwargs)  # type: ignore[misc]
        deadline: _Deadline | None = getattr(_CURRENT, "deadline", None)
        if deadline is not None:
            deadline.attach(sock)
        return sock

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline: _Deadline | None = getattr(_CURRENT, "deadline", None)
        if deadline is not None:
            deadline.attach(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter with connections the watchdog can end."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


# --- the session ----------------------------------------------------------------


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with default ports filled in."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def shown_target(location: str, base: str, secrets: tuple[str, ...]) -> str:
    """A redirect target as the user may see it: no query, no user info, scrubbed."""
    from urllib.parse import urljoin

    parts = urlsplit(urljoin(base, location.strip()))
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    path = parts.path[:200]
    return scrub(f"{parts.scheme}://{host}{port}{path}", secrets)[:300]


def _retry_after(headers: Any, now: float) -> float | None:
    """Seconds GitLab asks us to wait: ``Retry-After`` (seconds or a date), else
    ``RateLimit-Reset`` (a Unix time); ``None`` when neither is readable."""
    value = str(headers.get("Retry-After", "")).strip()
    if value.isascii() and value.isdigit():
        return float(value[:12])
    if value:
        with contextlib.suppress(TypeError, ValueError, OverflowError, IndexError):
            return parsedate_to_datetime(value).timestamp() - time.time()
    reset = str(headers.get("RateLimit-Reset", "")).strip()
    if reset.isascii() and reset.isdigit():
        return float(reset[:12]) - now
    return None


class GuardedSession(requests.Session):
    """A ``requests.Session`` that enforces :mod:`this module <gltui.adapters.transport>`'s
    policy on every request python-gitlab makes through it."""

    def __init__(
        self,
        base_url: str,
        limits: TransportLimits,
        *,
        instance: str = "",
        secrets: tuple[str, ...] = (),
        log: RequestLog | None = None,
        on_wait: WaitListener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self.base_origin = origin(base_url)
        self.limits = limits
        self.instance = instance
        self._secrets = secrets
        self.log = log
        self.on_wait = on_wait
        self._sleep = sleep
        self.walk_deadline: float | None = None
        """A monotonic time no request or wait may outlast (the instance walk's end)."""
        adapter = _DeadlineAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        # The environment is read once, for this instance's address, not on every request
        # as requests does (each read walks os.environ: a quarter of the client's CPU in
        # an administrator's 755-request walk). Proxies (NO_PROXY honoured for this host)
        # and REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE keep working; ~/.netrc is never read, so
        # no Basic credential from it rides along with the token.
        found = self.merge_environment_settings(base_url, {}, None, None, None)
        self.trust_env = False
        self.proxies = found["proxies"]
        self._environment_bundle = found["verify"] if isinstance(found["verify"], str) else None

    def _left(self) -> float | None:
        if self.walk_deadline is None:
            return None
        return self.walk_deadline - time.monotonic()

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        method_text = method.decode() if isinstance(method, bytes) else str(method)
        url_text = url.decode() if isinstance(url, bytes) else str(url)
        if origin(url_text) != self.base_origin:
            raise TransportRefusal("gltui refused to send a request off the instance's address")
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        if self._environment_bundle and kwargs.get("verify", True) is True:
            kwargs["verify"] = self._environment_bundle  # as requests' trust_env would
        path = urlsplit(url_text).path
        started = time.monotonic()
        retries = 0
        notes: list[str] = []
        status: int | None = None
        try:
            while True:
                try:
                    response = self._attempt(method_text, url_text, args, kwargs)
                except DeadlineExceeded:
                    notes.append("deadline")
                    raise
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                    if not self._may_retry(method_text, retries, None, notes, "connection"):
                        raise
                    retries += 1
                    continue
                status = response.status_code
                if not self._may_retry(method_text, retries, response, notes, None):
                    return response
                retries += 1
        except RedirectRefused as refusal:
            status = refusal.status
            notes.append(f"redirect to {refusal.target} refused")
            raise
        finally:
            self._log(method_text, path, status, started, retries, notes)

    def _attempt(
        self, method: str, url: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> requests.Response:
        seconds = self.limits.request_seconds
        left = self._left()
        if left is not None:
            seconds = min(seconds, max(left, 0.001))
        deadline = _Deadline(seconds)
        kwargs["timeout"] = seconds
        _WATCHDOG.watch(deadline)
        _CURRENT.deadline = deadline
        try:
            try:
                response = super().request(method, url, *args, **kwargs)
                if 300 <= response.status_code < 400:
                    target = shown_target(response.headers.get("Location", ""), url, self._secrets)
                    response.close()
                    raise RedirectRefused(response.status_code, target)
                self._read_body(response)
            except (requests.RequestException, OSError, ValueError) as error:
                if deadline.expired:
                    raise DeadlineExceeded(f"no complete answer within {seconds:g} s") from None
                if isinstance(error, requests.Timeout):
                    raise DeadlineExceeded(f"no answer within {seconds:g} s") from None
                raise
        finally:
            _CURRENT.deadline = None
            deadline.finish()
        return response

    def _read_body(self, response: requests.Response) -> None:
        """Read the whole body now, within the deadline and the size cap."""
        cap = self.limits.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > cap:
            response.close()
            raise ResponseTooLarge(f"the answer is larger than {cap // (1024 * 1024)} MiB")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > cap:
                response.close()
                raise ResponseTooLarge(f"the answer is larger than {cap // (1024 * 1024)} MiB")
            chunks.append(chunk)
        response._content = b"".join(chunks)
        response._content_consumed = True  # type: ignore[attr-defined]
        response.close()

    def _may_retry(
        self,
        method: str,
        retries: int,
        response: requests.Response | None,
        notes: list[str],
        failure: str | None,
    ) -> bool:
        """Whether to try again, after sleeping as long as the policy allows."""
        if retries >= self.limits.max_retries:
            return False
        idempotent = method.upper() in ("GET", "HEAD")
        if response is None:
            if not idempotent:
                return False  # a write that lost its connection may have happened
            reason, asked = failure or "connection", None
        elif response.status_code == 429:
            reason = "rate limit"  # GitLab did nothing: safe for writes too
            asked = _retry_after(response.headers, time.time())
        elif response.status_code in TRANSIENT_STATUSES and idempotent:
            reason, asked = f"server error {response.status_code}", None
        else:
            return False
        pause = BACKOFF_SECONDS * 2**retries if asked is None else max(0.0, asked)
        pause = min(pause, self.limits.max_wait_seconds)
        left = self._left()
        if left is not None and pause >= left:
            notes.append(f"no time left to wait for {reason}")
            return False
        if pause >= 1 and self.on_wait is not None:
            self.on_wait(pause, reason)
        if pause >= 1:
            notes.append(f"waited {pause:.0f} s ({reason})")
        self._sleep(pause)
        return True

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        retries: int,
        notes: list[str],
    ) -> None:
        if self.log is None:
            return
        self.log.add(
            RequestRecord(
                instance=self.instance,
                method=method.upper(),
                path=scrub(path, self._secrets),
                status=status,
                seconds=time.monotonic() - started,
                retries=retries,
                note="; ".join(notes),
            )
        )
