"""``gltui exporter``'s core: refresh in the background, publish ready-made answers.

Prometheus scrapes every 15 to 60 seconds; a refresh costs GitLab hundreds of requests.
So the two never meet: a thread refreshes every ``interval`` through the same
:class:`~gltui.inventory.engine.InventoryEngine` as ``gltui report`` (nothing else of
gltui's is reachable from here: the import contracts forbid ``gltui.actions``, so the
exporter cannot revoke, rotate or create, whatever its token may do), and after each
instance finishes it renders ``/metrics`` and ``/calendar.ics`` once into bytes. A scrape
only picks up the latest :class:`Published` and writes it.

An instance that fails keeps its last complete data (this process's last good refresh,
else the snapshot on disk) with ``gltui_instance_up 0``; one that is partly unreadable
keeps the tokens of the unreadable parts (:func:`~gltui.inventory.engine.carry_over`)
with ``gltui_instance_partial 1``. Nothing published ever holds a token value: the
inventory never carries one.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TextIO

from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest as text_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics import exposition
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from gltui.adapters.log import RequestRecord
from gltui.domain.display import printable
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.inventory.engine import InventoryEngine, carry_over
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.report.calendar import CalendarRenderer
from gltui.report.metrics import ExporterFacts, InstanceStatus, instance_families, token_families

DEFAULT_INTERVAL_SECONDS = 600.0
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT = "text/plain; version=0.0.4; charset=utf-8"
_EOF = b"# EOF\n"


def openmetrics_latest(registry: CollectorRegistry) -> bytes:
    """prometheus_client's OpenMetrics encoder (untyped there)."""
    body: bytes = exposition.generate_latest(registry)  # type: ignore[no-untyped-call]
    return body


class _Families:
    """A collector over metric families built once (the registry wants a collector)."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def _registry(*collectors: object) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)  # type: ignore[arg-type]
    return registry


_LIVE = _registry()
ProcessCollector(registry=_LIVE)
PlatformCollector(registry=_LIVE)
"""Read at each scrape (cheap: /proc): the exporter's own memory and CPU."""


@dataclass(frozen=True)
class Published:
    """Everything a request can ask for, rendered when the data changed.

    The metrics are kept without OpenMetrics' ``# EOF``: each scrape appends the live
    process metrics, then the end. Gzip members concatenate into one valid stream
    (RFC 1952 §2.2), so the big part is compressed once, here, not per scrape.
    """

    openmetrics: bytes = b""
    text: bytes = b""
    openmetrics_gzip: bytes = field(default=b"", repr=False)
    text_gzip: bytes = field(default=b"", repr=False)
    calendar: bytes = b""
    at: datetime | None = None

    @classmethod
    def render(cls, families: list[Metric], calendar: str, at: datetime) -> Published:
        registry = _registry(_Families(families))
        openmetrics = openmetrics_latest(registry).removesuffix(_EOF)
        text = text_latest(registry)
        return cls(
            openmetrics=openmetrics,
            text=text,
            openmetrics_gzip=gzip.compress(openmetrics, compresslevel=6),
            text_gzip=gzip.compress(text, compresslevel=6),
            calendar=calendar.encode(),
            at=at,
        )

    def metrics(self, *, openmetrics: bool, compressed: bool) -> bytes:
        """The ``/metrics`` body: the published part, then the live process metrics."""
        live = openmetrics_latest(_LIVE) if openmetrics else text_latest(_LIVE)
        if compressed:
            cached = self.openmetrics_gzip if openmetrics else self.text_gzip
            return cached + gzip.compress(live, compresslevel=1)
        return (self.openmetrics if openmetrics else self.text) + live


class Exporter:
    """The refresh loop and what it publishes; thread-safe."""

    def __init__(
        self,
        engine: InventoryEngine,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
        clock: Callable[[], datetime],
        log: TextIO,
    ) -> None:
        if interval <= 0:
            raise ValueError("the refresh interval must be positive")
        self.engine = engine
        self.interval = interval
        self.window = window
        self._clock = clock
        self._log = log
        self._lock = threading.Lock()
        self._statuses = {
            spec.name: InstanceStatus(spec.name, spec.url, interval) for spec in engine.specs
        }
        self._facts = ExporterFacts()
        self._published = Published()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refresh_started: float | None = None
        self._calendar = CalendarRenderer()
        self._render_lock = threading.Lock()
        if engine.request_log is not None:
            engine.request_log.listen(self._count)

    # -- what requests read -------------------------------------------------------------

    @property
    def published(self) -> Published:
        """The latest rendering (an atomic read: it is replaced whole)."""
        return self._published

    def health(self) -> tuple[bool, str]:
        """Alive means the refresh thread runs and its refresh is not long overdue."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return False, "the refresh thread is not running"
        started = self._refresh_started
        if started is not None:
            allowed = self.interval + max(
                (spec.walk_timeout for spec in self.engine.specs), default=0
            )
            running = time.monotonic() - started
            if running > allowed + 60:
                return False, f"a refresh has been running for {running:.0f} s"
        if self._facts.refreshes == 0:
            return True, "starting: the first refresh is under way"
        return True, f"ok: {self._facts.refreshes} refreshes"

    # -- refreshing -----------------------------------------------------------------------

    def load_snapshots(self) -> None:
        """Publish the snapshots on disk at once, so a restart is not a gap in the graphs
        (each carries its age in ``gltui_instance_last_success_timestamp_seconds``)."""
        try:
            cached = self.engine.cached()
        except Exception as error:  # a damaged cache must not stop the exporter
            self._say(f"could not read the snapshots: gltui hit {type(error).__name__}")
            return
        with self._lock:
            for snapshot in cached.instances:
                status = self._statuses.get(snapshot.name)
                if status is not None and status.served is None:
                    status.served = snapshot
                    status.last_success = snapshot.fetched_at
        self._publish()

    def refresh(self) -> None:
        """One refresh of every instance; each is published as soon as it is done."""
        started = time.monotonic()
        self._refresh_started = started
        now = self._clock()

        pending = [len(self.engine.specs)]

        def done(result: InstanceInventory) -> None:
            with self._lock:
                pending[0] -= 1
                others = pending[0] > 0
            self._take(result, time.monotonic() - started, publish=others)

        try:
            self.engine.refresh(now, on_instance=done)
        finally:
            self._refresh_started = None
        seconds = time.monotonic() - started
        with self._lock:
            self._facts = replace(
                self._facts,
                refreshes=self._facts.refreshes + 1,
                last_refresh=self._clock(),
                duration=seconds,
            )
        self._publish()
        for notice in self.engine.notices.drain():
            self._say(f"warning: {notice}")
        self._say(self._summary(seconds))

    def _take(self, result: InstanceInventory, seconds: float, *, publish: bool) -> None:
        """Record one instance's result; publish it now if others are still walking (a
        fast instance need not wait for a slow one; the last one is published with the
        refresh's own figures)."""
        with self._lock:
            status = self._statuses[result.name]
            status.last_refresh = self._clock()
            status.duration = seconds
            status.failure = result.failure
            if result.ok:
                status.up = True
                status.problems = len(result.problems)
                status.served = carry_over(result, status.served)
                status.last_success = result.fetched_at
                status.refreshes["partial" if result.problems else "ok"] += 1
            else:
                status.up = False
                status.refreshes["failed"] += 1
                if status.served is None and result.tokens:
                    # the engine's fallback: the snapshot on disk, fetched back then
                    status.served = result
                    status.last_success = result.fetched_at
        if publish:
            self._publish()

    def _count(self, record: RequestRecord) -> None:
        code = "none" if record.status is None else str(record.status)
        with self._lock:
            status = self._statuses.get(record.instance)
            if status is not None:
                status.requests[code] = status.requests.get(code, 0) + 1

    def _publish(self) -> None:
        now = self._clock()
        with self._lock:
            statuses = [
                replace(status, requests=dict(status.requests), refreshes=dict(status.refreshes))
                for status in self._statuses.values()
            ]
            facts = self._facts
        families = [
            *token_families(statuses, now, self.window),
            *instance_families(statuses, facts),
        ]
        served = Inventory(tuple(s.served for s in statuses if s.served is not None))
        with self._render_lock:  # the renderer's event cache is not thread-safe
            calendar = self._calendar.render(served, now)
        published = Published.render(families, calendar, now)
        with self._lock:  # two instances finishing together: the later rendering wins
            if (
                self._published.at is None
                or published.at is None
                or (published.at >= self._published.at)
            ):
                self._published = published

    # -- the loop -------------------------------------------------------------------------

    def start(self) -> Exporter:
        """Publish the snapshots, then refresh now and every ``interval`` on a thread."""
        self.load_snapshots()
        self._thread = threading.Thread(target=self._run, name="gltui-exporter", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 0.0) -> None:
        """Ask the loop to end; a refresh under way is abandoned, not waited for (every
        file gltui writes is replaced atomically, so nothing is half-written)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and timeout > 0:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.refresh()
            except Exception as error:  # a bug must not end the loop: say it, try again
                self._say(f"refresh failed: gltui hit {type(error).__name__}")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    # -- the log --------------------------------------------------------------------------

    def _summary(self, seconds: float) -> str:
        with self._lock:
            statuses = list(self._statuses.values())
            count = self._facts.refreshes
        parts = []
        for status in statuses:
            tokens = 0 if status.served is None else len(status.served.tokens)
            name = printable(status.name)
            if status.up:
                part = f"{name} up, {tokens} tokens"
                if status.problems:
                    part += f", {status.problems} parts unreadable ({status.not_refreshed} kept)"
            else:
                reason = printable(status.failure.message) if status.failure else "unknown"
                part = f"{name} DOWN ({reason})"
                if status.served is not None and status.last_success is not None:
                    part += (
                        f", serving {tokens} tokens from {status.last_success:%Y-%m-%d %H:%M} UTC"
                    )
            parts.append(part)
        return f"refresh {count} in {seconds:.1f} s: " + "; ".join(parts)

    def _say(self, line: str) -> None:
        stamp = self._clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        with contextlib.suppress(OSError, ValueError):  # a closed stderr must not stop us
            self._log.write(f"{stamp} gltui exporter: {line}\n")
            self._log.flush()
