"""Injected trouble: latency, GitLab-style rate limiting and random 5xx answers."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

RETRY_LATER = "Retry later\n"
"""Rack::Attack's default 429 body (plain text)."""


@dataclass(frozen=True)
class ThrottleResult:
    """One request's standing against the throttle."""

    allowed: bool
    limit: int
    observed: int
    reset_at: int
    """Unix time the current window ends."""
    retry_after: int

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` headers on every answer; ``Retry-After`` too when throttled."""
        headers = {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Observed": str(self.observed),
            "RateLimit-Remaining": str(max(0, self.limit - self.observed)),
            "RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["RateLimit-ResetTime"] = formatdate(self.reset_at, usegmt=True)
            headers["Retry-After"] = str(self.retry_after)
        return headers


class Throttle:
    """A fixed-window limit per client key, like Rack::Attack's throttles."""

    def __init__(
        self, limit: int, period_seconds: int = 1, clock: Callable[[], float] = time.time
    ) -> None:
        if limit < 1 or period_seconds < 1:
            raise ValueError("rate limit and period must be at least 1")
        self.limit = limit
        self.period = period_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str) -> ThrottleResult:
        """Count one request for ``key`` and say whether it may proceed."""
        now = self._clock()
        window = int(now // self.period)
        with self._lock:
            current, count = self._windows.get(key, (window, 0))
            if current != window:
                count = 0
            count += 1
            self._windows[key] = (window, count)
        reset_at = (window + 1) * self.period
        return ThrottleResult(
            allowed=count <= self.limit,
            limit=self.limit,
            observed=count,
            reset_at=reset_at,
            retry_after=max(1, math.ceil(reset_at - now)),
        )


_FAILURES = (
    (500, "application/json", '{"message":"500 Internal Server Error"}'),
    (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>\n"),
    (503, "text/html", "<html><body><h1>503 Service Unavailable</h1></body></html>\n"),
)


class FailureInjector:
    """Answer a fraction of requests with a 500, 502 or 503, reproducibly per seed."""

    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fail rate must be between 0 and 1")
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self) -> tuple[int, str, str] | None:
        """A failure (status, content type, body) for this request, or ``None``."""
        if self.rate == 0:
            return None
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(_FAILURES)


@dataclass(frozen=True)
class Fault:
    """One kind of trouble to inject into a matching request.

    ``kind``: ``delay`` (sleep ``seconds`` then answer normally), ``status`` (answer
    ``status`` with GitLab's body for it, ``Retry-After: retry_after`` when given),
    ``garbage`` (a 200 whose body is not JSON), ``truncated`` (a 200 whose JSON is cut
    off), ``no_paging`` (the real answer without any pagination header), ``reset``
    (headers, half the body, then the connection is dropped), ``revoke_caller``
    (revoke the calling token, then answer as GitLab would: 401 invalid_token),
    ``expire_caller`` (the same, with the token expired instead) and ``rewrite`` (the
    real answer, with the top-level string ``field`` of its JSON object set to
    ``text``).

    ``text`` plays a hostile server: with ``status`` it is the ``message`` of the error
    body; with ``rewrite`` it replaces e.g. ``/metadata``'s ``version`` or ``/user``'s
    ``username``. Escape sequences and echoed tokens in it test that gltui shows what
    a server says without obeying it.
    """

    kind: str
    status: int = 0
    seconds: float = 0.0
    retry_after: int | None = None
    field: str = ""
    text: str | None = None

    def __post_init__(self) -> None:
        kinds = (
            "delay",
            "status",
            "garbage",
            "truncated",
            "no_paging",
            "reset",
            "revoke_caller",
            "expire_caller",
            "rewrite",
        )
        if self.kind not in kinds:
            raise ValueError(f"unknown fault {self.kind!r}")
        if self.kind == "rewrite" and (not self.field or self.text is None):
            raise ValueError("a rewrite names the field and the text to put there")


@dataclass
class FaultRule:
    """Inject ``fault`` into requests whose path contains ``path`` (all: ""), after
    letting ``skip`` of them through, at most ``times`` times (``None``: always)."""

    fault: Fault
    path: str = ""
    method: str = ""
    skip: int = 0
    times: int | None = None
    seen: int = 0
    fired: int = 0


class FaultPlan:
    """Rules applied in order; the first that fires wins. Thread-safe; tests edit it
    while the sandbox serves (``clear`` ends the trouble: "retry later works")."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._lock = threading.Lock()
        self.rules = list(rules or [])

    def add(self, fault: Fault, **where: object) -> FaultRule:
        """Add a rule (``path=``, ``method=``, ``skip=``, ``times=``) and return it."""
        rule = FaultRule(fault, **where)  # type: ignore[arg-type]
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """No more trouble."""
        with self._lock:
            self.rules.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if a rule fires."""
        with self._lock:
            for rule in self.rules:
                if rule.path not in path or (rule.method and rule.method != method):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.fired += 1
                return rule.fault
        return None
