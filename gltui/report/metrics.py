"""The exporter's metric families, built from what it publishes for each instance.

Names follow ``gltui report --format openmetrics`` (``gltui_token_expiry_timestamp_seconds``,
``gltui_token_days_left``, ``gltui_tokens``), so a dashboard moves from the textfile to the
exporter unchanged. Two things differ, both for alerting:

* **Identity.** A token's value series carry only ``instance``, ``kind`` and ``id``: the
  key GitLab itself uses. Its name, owner, scopes, risk and type (``token_type``:
  ``fine_grained`` or ``legacy``, two values) live on ``gltui_token_info``
  (the "info metric" pattern), joined by ``* on(instance, kind, id) group_left(name,
  owner) gltui_token_info`` where an alert wants them. Two tokens with one name never
  collide (cnieg/gitlab-tokens-exporter #126) and a rename only replaces the info series:
  the expiry series keeps its history.
* **Expired tokens stay.** Every token that is not revoked is published (the textfile
  keeps to working ones), so "expired and not replaced" can alert; revoked tokens are
  only counted, in ``gltui_tokens``.

Every label value chosen by someone else (names, paths, scopes, instance names) goes
through :func:`printable` first: prometheus_client escapes the backslash, the quote and
the newline as the exposition formats require, and no other control character reaches a
line-based scraper raw.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric

from gltui import __version__
from gltui.domain.display import owner_label, printable, token_type
from gltui.domain.failures import Failure
from gltui.domain.risk import token_risk
from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    TokenState,
    classify,
    count_states,
    days_until_expiry,
    expiry_instant,
)
from gltui.domain.tokens import Token
from gltui.inventory.model import InstanceInventory

IDENTITY = ("instance", "kind", "id")
"""A token's series identity: never its name (see the module docstring)."""
REFRESH_RESULTS = ("ok", "partial", "failed")


@dataclass
class InstanceStatus:
    """What the exporter knows about one instance: the tokens it publishes and how the
    last refresh went. Mutated only under the exporter's lock; published as a copy."""

    name: str
    url: str
    interval: float
    served: InstanceInventory | None = None
    """The last complete data: this process's last good refresh, else the snapshot."""
    up: bool | None = None
    """Whether the last finished refresh listed the instance; ``None`` before any."""
    failure: Failure | None = None
    problems: int = 0
    """Parts the last refresh could not read (a project's 403): their tokens are kept."""
    last_success: datetime | None = None
    last_refresh: datetime | None = None
    duration: float | None = None
    refreshes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REFRESH_RESULTS, 0))
    requests: dict[str, int] = field(default_factory=dict)
    """HTTP requests by status code (``none``: no answer came)."""

    @property
    def not_refreshed(self) -> int:
        """Tokens (revoked ones too) that did not come from the last refresh."""
        if self.served is None:
            return 0
        if self.up is False:
            return len(self.served.tokens)
        return self.served.not_refreshed


@dataclass(frozen=True)
class ExporterFacts:
    """The exporter's own figures (not per instance)."""

    refreshes: int = 0
    last_refresh: datetime | None = None
    duration: float | None = None


def successors(tokens: Sequence[Token], now: datetime) -> set[tuple[str, int]]:
    """``(kind, id)`` of each token a newer working one replaces: same kind, name and
    owner, expiring later or never. What GitLab's rotation or a manual replacement
    leaves behind, so neither "expires soon" nor "expired" nags about the old one."""
    working: dict[tuple[str, str, str], list[Token]] = {}
    for token in tokens:
        if classify(token, now).is_active:
            working.setdefault((token.kind.value, token.name, owner_label(token)), []).append(token)
    replaced = set()
    for token in tokens:
        if token.revoked:
            continue
        mine = expiry_instant(token.expires_at)
        if mine is None:
            continue  # nothing expires, nothing to replace
        for other in working.get((token.kind.value, token.name, owner_label(token)), ()):
            theirs = expiry_instant(other.expires_at)
            if other.id != token.id and (theirs is None or theirs > mine):
                replaced.add((token.kind.value, token.id))
                break
    return replaced


def _identity(instance: str, token: Token) -> list[str]:
    return [instance, token.kind.value, str(token.id)]


def token_families(
    statuses: Iterable[InstanceStatus], now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> list[Metric]:
    """Per token and per state: what the alert rules and dashboards read."""
    info = InfoMetricFamily(
        "gltui_token",
        "A token that is not revoked: its name, owner (project/group path or user), scopes, "
        "highest scope risk and token_type (fine_grained or legacy). Value series are keyed "
        "by instance, kind and id only.",
        labels=IDENTITY,
    )
    expiry = GaugeMetricFamily(
        "gltui_token_expiry_timestamp_seconds",
        "When the token stops working (Unix time); tokens that never expire have none.",
        labels=IDENTITY,
        unit="seconds",
    )
    days = GaugeMetricFamily(
        "gltui_token_days_left",
        "Whole days until the token expires (0: expires today, negative: expired).",
        labels=IDENTITY,
    )
    replaced = GaugeMetricFamily(
        "gltui_token_replaced",
        "1 for a token that a newer working token of the same kind, name and owner replaces "
        "(absent otherwise).",
        labels=IDENTITY,
    )
    counts = GaugeMetricFamily(
        "gltui_tokens",
        "Tokens per instance and state (active includes expiring).",
        labels=("instance", "state"),
    )
    today = now.date()
    for status in statuses:
        if status.served is None:
            continue
        where = printable(status.name)
        tokens = status.served.tokens
        successor = successors(tokens, now)
        for token in tokens:
            if token.revoked:
                continue
            labels = _identity(where, token)
            info.add_metric(
                labels,
                {
                    "name": printable(token.name),
                    "owner": printable(owner_label(token)),
                    "scopes": printable(",".join(token.scopes)),
                    "risk": token_risk(token).label,
                    "token_type": token_type(token),
                },
            )
            instant = expiry_instant(token.expires_at)
            left = days_until_expiry(token, today)
            if instant is not None and left is not None:
                expiry.add_metric(labels, instant.timestamp())
                days.add_metric(labels, left)
            if (token.kind.value, token.id) in successor:
                replaced.add_metric(labels, 1)
        cards = count_states(tokens, now, window)
        for state, value in (
            (TokenState.ACTIVE, cards.active),
            (TokenState.EXPIRING, cards.expiring),
            (TokenState.REVOKED, cards.revoked),
            (TokenState.EXPIRED, cards.expired),
        ):
            counts.add_metric([where, state.value], value)
    return [info, expiry, days, replaced, counts]


def _gauge(name: str, documentation: str, unit: str = "") -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=("instance",), unit=unit)


def instance_families(statuses: Iterable[InstanceStatus], facts: ExporterFacts) -> list[Metric]:
    """Per instance: is it up, how old is what we publish, what did refreshing cost."""
    up = _gauge("gltui_instance_up", "1 when the last refresh listed the instance's tokens.")
    partial = _gauge(
        "gltui_instance_partial",
        "1 when the last refresh got through but could not read some projects or groups; "
        "their tokens are kept from earlier data.",
    )
    problems = _gauge("gltui_instance_problems", "Parts the last refresh could not read.")
    kept = _gauge(
        "gltui_instance_tokens_not_refreshed",
        "Tokens (as counted in gltui_tokens) that are not from the last refresh: all of a "
        "down instance's, the unreadable parts' of a partial one.",
    )
    failure = GaugeMetricFamily(
        "gltui_instance_failure",
        "1 with the reason when the last refresh failed (absent otherwise).",
        labels=("instance", "reason"),
    )
    success = _gauge(
        "gltui_instance_last_success_timestamp_seconds",
        "When the published data was fetched (a successful refresh, or the snapshot read "
        "at start).",
        "seconds",
    )
    attempt = _gauge(
        "gltui_instance_last_refresh_timestamp_seconds", "When the last refresh ended.", "seconds"
    )
    duration = _gauge(
        "gltui_instance_refresh_duration_seconds", "How long the last refresh took.", "seconds"
    )
    interval = _gauge(
        "gltui_instance_refresh_interval_seconds", "How often it is refreshed.", "seconds"
    )
    refreshes = CounterMetricFamily(
        "gltui_instance_refreshes",
        "Refreshes by result: ok, partial (some parts unreadable) or failed.",
        labels=("instance", "result"),
    )
    requests = CounterMetricFamily(
        "gltui_instance_requests",
        "HTTP requests to the instance by status code (none: no answer).",
        labels=("instance", "code"),
    )
    for status in statuses:
        where = [printable(status.name)]
        interval.add_metric(where, status.interval)
        if status.up is not None:
            up.add_metric(where, 1 if status.up else 0)
            partial.add_metric(where, 1 if status.up and status.problems else 0)
            problems.add_metric(where, status.problems)
        kept.add_metric(where, status.not_refreshed)
        if status.failure is not None and status.up is False:
            failure.add_metric([*where, status.failure.kind.value], 1)
        if status.last_success is not None:
            success.add_metric(where, status.last_success.timestamp())
        if status.last_refresh is not None:
            attempt.add_metric(where, status.last_refresh.timestamp())
        if status.duration is not None:
            duration.add_metric(where, status.duration)
        for result, count in status.refreshes.items():
            refreshes.add_metric([*where, result], count)
        for code, count in sorted(status.requests.items()):
            requests.add_metric([*where, code], count)
    return [
        up,
        partial,
        problems,
        kept,
        failure,
        success,
        attempt,
        duration,
        interval,
        refreshes,
        requests,
        *_exporter_families(facts),
    ]


def _exporter_families(facts: ExporterFacts) -> Iterator[Metric]:
    build = InfoMetricFamily("gltui_exporter_build", "The gltui version serving these metrics.")
    build.add_metric([], {"version": __version__})
    yield build
    yield CounterMetricFamily(
        "gltui_exporter_refreshes", "Refreshes of every instance finished.", value=facts.refreshes
    )
    if facts.last_refresh is not None:
        yield GaugeMetricFamily(
            "gltui_exporter_last_refresh_timestamp_seconds",
            "When the last refresh of every instance ended.",
            value=facts.last_refresh.timestamp(),
            unit="seconds",
        )
    if facts.duration is not None:
        yield GaugeMetricFamily(
            "gltui_exporter_refresh_duration_seconds",
            "How long the last refresh of every instance took.",
            value=facts.duration,
            unit="seconds",
        )
