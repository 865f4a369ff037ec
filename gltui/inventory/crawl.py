"""Run many port calls against one instance, concurrently, from one coordinator.

Every HTTP call runs on a pool thread; every callback runs on the coordinator
thread (the one calling :meth:`Crawl.run`), so walk state needs no locks, and
a pool thread never waits for another request: the pool stays saturated, which
is what brings a refresh close to the floor ``requests / concurrency x latency``.

Paging: page 1 tells ``X-Total-Pages``, and the other pages follow in a window
of ``2 x concurrency`` (enough to keep the pool busy, never a million queued
futures because a server claims a million pages). Above 10,000 rows GitLab stops
counting; then pages are fetched speculatively, ``concurrency`` ahead, until a
short page marks the end.

Every bound is explicit (:class:`CrawlLimits`): pages per listing, rows per page,
rows per instance and the walk's deadline. Going past one ends the instance's walk
with a :attr:`~gltui.domain.failures.FailureKind.LIMIT` failure that says which.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gltui.adapters.port import GitLabPort, Listing, Page
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import ROUTE_REFUSALS, Failure, FailureKind

PER_PAGE = 100
TRANSIENT = frozenset({FailureKind.TIMEOUT, FailureKind.SERVER_ERROR, FailureKind.RATE_LIMITED})
PERMISSION_REFUSALS = ROUTE_REFUSALS | {FailureKind.BAD_TOKEN}
"""How GitLab refuses a fine-grained token one route: 403 ``insufficient_granular_scope``
(or ``insufficient_scope``, or a bare 403), 404 (the reference's PAT-calendar route), or
401 where a route checks an ability the token does not carry (UNCONFIRMED for
fine-grained tokens; the token did sign in, so it is not dead)."""
BREAKER_THRESHOLD = 6
"""Consecutive transient failures (after python-gitlab's own retries) that end the walk."""

Rows = list[dict[str, Any]]
T = TypeVar("T")
ProgressCallback = Callable[[int, int], None]
Work = Callable[[GitLabPort], Any]
Settle = tuple[Callable[[Any], None], Callable[[Failure], None]]

MAX_PAGES = 5_000
"""Pages per listing: 500,000 rows, five times the largest instance gltui is built for."""
MAX_ROWS = 2_000_000
"""Rows (tokens, users, projects, groups) one instance's walk may hold."""
WALK_SECONDS = 600.0
"""One instance's whole walk; a slow instance must not hold the others' report."""


@dataclass(frozen=True)
class CrawlLimits:
    """The bounds of one instance's walk."""

    max_pages: int = MAX_PAGES
    max_rows: int = MAX_ROWS
    rows_per_page: int = PER_PAGE
    """GitLab never sends more than it was asked for; a page that does is not GitLab."""
    walk_seconds: float = WALK_SECONDS


class InstanceUnavailable(Exception):
    """The walk cannot go on (token dead, host gone, or too many failures in a row)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class _Listing:
    listing: Listing
    on_rows: Callable[[Rows], None]
    on_error: Callable[[Failure], None]
    speculative: bool = False
    next_page: int = 2
    end_page: int | None = None
    failed: bool = False
    in_flight: set[int] = field(default_factory=set)


class Crawl:
    """A pool of workers for one instance and the coordinator that feeds it."""

    def __init__(
        self,
        api: GitLabPort,
        concurrency: int,
        on_progress: ProgressCallback | None = None,
        limits: CrawlLimits | None = None,
    ) -> None:
        self.api = api
        self.concurrency = max(1, concurrency)
        self.limits = limits or CrawlLimits()
        self.deadline = time.monotonic() + self.limits.walk_seconds
        api.walk_deadline = self.deadline
        self.rows_seen = 0
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="gltui-walk")
        self._backlog: deque[tuple[Work, Settle]] = deque()
        """Calls queued but not yet handed to the pool: a plain tuple each, where a
        submitted call costs a future, a work item and a condition (an administrator's
        walk queues tens of thousands of per-project calls at once)."""
        self._in_pool: dict[Future[Any], Settle] = {}
        """At most :attr:`pool_window` calls the pool holds, running or next in line."""
        self._finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        """Futures as they finish, so the coordinator never scans those still running
        (``concurrent.futures.wait`` takes every pending future's lock on each call)."""
        self.pool_window = 2 * self.concurrency
        self._on_progress = on_progress
        self.done = 0
        self.expected = 0
        self._fatal: Failure | None = None
        self._transient_streak = 0
        self.refusals_are_partial: bool | None = False
        """A fine-grained token is refused route by route (it lacks that permission
        there): when ``True``, a missing-scope or unauthorized answer costs that call only,
        instead of ending the walk as it must for a legacy token (every call would fail).
        ``None``: not known yet (the token's own record is on its way); such answers wait
        for :meth:`decide_refusals`, and end the walk if nobody decides."""
        self._parked: list[tuple[Failure, Callable[[Failure], None]]] = []

    # --- submitting ------------------------------------------------------
    def call(
        self,
        work: Callable[[GitLabPort], T],
        *,
        then: Callable[[T], None],
        on_error: Callable[[Failure], None],
    ) -> None:
        """Queue one port call; ``then`` or ``on_error`` runs on the coordinator later."""
        if self._fatal is not None:
            return
        self._backlog.append((work, (then, on_error)))
        self.expected += 1

    @property
    def calls_in_pool(self) -> int:
        """Calls the pool holds now (running or next in line): never above its window."""
        return len(self._in_pool)

    def _feed_pool(self) -> None:
        """Hand queued calls to the pool, in the order they were made, up to its window."""
        while self._backlog and len(self._in_pool) < self.pool_window and self._fatal is None:
            work, settle = self._backlog.popleft()
            future = self._pool.submit(work, self.api)
            self._in_pool[future] = settle
            future.add_done_callback(self._finished.put)

    def list_all(
        self,
        listing: Listing,
        *,
        on_rows: Callable[[Rows], None],
        on_error: Callable[[Failure], None],
    ) -> None:
        """Fetch every page of ``listing``; ``on_rows`` gets each page's rows."""
        self._request_page(_Listing(listing, on_rows, on_error), 1)

    def _request_page(self, listing: _Listing, page: int) -> None:
        listing.in_flight.add(page)

        def fetch(port: GitLabPort) -> Page:
            return port.page(listing.listing, page, PER_PAGE)

        self.call(
            fetch,
            then=lambda reply: self._page_arrived(listing, page, reply),
            on_error=lambda failure: self._page_failed(listing, page, failure),
        )

    def _page_arrived(self, listing: _Listing, page: int, reply: Page) -> None:
        listing.in_flight.discard(page)
        if listing.failed:
            return
        rows = reply.rows
        action = listing.listing.action
        if not isinstance(rows, list):
            self._page_failed(
                listing, page, Failure(FailureKind.BAD_RESPONSE, f"not a list while {action}")
            )
            return
        if len(rows) > self.limits.rows_per_page:
            self._past_bound(
                f"a page held {len(rows)} rows, more than the {self.limits.rows_per_page} "
                f"asked for, while {action}"
            )
            return
        if listing.end_page is None or page <= listing.end_page:
            self.rows_seen += len(rows)
            if self.rows_seen > self.limits.max_rows:
                self._past_bound(
                    f"more than {self.limits.max_rows} rows on this instance (while {action})"
                )
                return
            listing.on_rows([row for row in rows if isinstance(row, dict)])
        if page == 1:
            self._plan_pages(listing, reply)
            return
        if listing.speculative and len(rows) < PER_PAGE:
            listing.end_page = min(listing.end_page or page, page)
        self._fill_window(listing)

    def _plan_pages(self, listing: _Listing, first: Page) -> None:
        total_pages = first.total_pages
        if total_pages is not None:
            if total_pages > self.limits.max_pages:
                self._past_bound(
                    f"GitLab counts {total_pages} pages, more than the limit of "
                    f"{self.limits.max_pages}, while {listing.listing.action}"
                )
                return
            listing.end_page = total_pages
            self._fill_window(listing)
            return
        if first.next_page is None:
            return  # a single page
        listing.speculative = True
        self._fill_window(listing)

    def _fill_window(self, listing: _Listing) -> None:
        window = self.concurrency if listing.speculative else 2 * self.concurrency
        while (
            not listing.failed
            and self._fatal is None
            and len(listing.in_flight) < window
            and (listing.end_page is None or listing.next_page <= listing.end_page)
        ):
            if listing.next_page > self.limits.max_pages:
                self._past_bound(
                    f"more than {self.limits.max_pages} pages while {listing.listing.action}"
                )
                return
            self._request_page(listing, listing.next_page)
            listing.next_page += 1

    def _past_bound(self, what: str) -> None:
        """A bound of :class:`CrawlLimits` was passed: the walk ends, saying which."""
        self.stop(Failure(FailureKind.LIMIT, what))

    def stop(self, failure: Failure) -> None:
        """End the walk: ``failure`` says why (a bound was passed, a callback gave up)."""
        self._fatal = self._fatal or failure

    def _page_failed(self, listing: _Listing, page: int, failure: Failure) -> None:
        listing.in_flight.discard(page)
        if listing.failed:
            return
        listing.failed = True
        listing.on_error(failure)

    # --- running -----------------------------------------------------------
    def run(self) -> None:
        """Process answers until nothing is pending; raises :class:`InstanceUnavailable`."""
        while self._backlog or self._in_pool:
            if self._fatal is not None and not self._in_pool:
                break  # stopped before any answer could say so: nothing more is sent
            self._feed_pool()
            finished = self._next_finished()
            if not finished and time.monotonic() >= self.deadline:
                self._fatal = self._fatal or Failure(
                    FailureKind.TIMEOUT,
                    f"the walk did not finish within {self.limits.walk_seconds:g} s",
                )
            for future in finished:
                then, on_error = self._in_pool.pop(future)
                self.done += 1
                self._settle(future, then, on_error)
            if self._on_progress is not None:
                self._on_progress(self.done, self.expected)
            if not self._backlog and not self._in_pool and self._parked:
                self.decide_refusals(False)  # nobody decided: a legacy token's
            if self._fatal is not None:
                break
        if self._fatal is not None:
            self._abandon()
            raise InstanceUnavailable(self._fatal)

    def _next_finished(self) -> list[Future[Any]]:
        """Every future finished by now, waiting for the first until the deadline
        (empty when it passed)."""
        try:
            first = self._finished.get(timeout=max(self.deadline - time.monotonic(), 0))
        except queue.Empty:
            return []
        finished = [first]
        while True:
            try:
                finished.append(self._finished.get_nowait())
            except queue.Empty:
                return finished

    def _settle(
        self,
        future: Future[Any],
        then: Callable[[Any], None],
        on_error: Callable[[Failure], None],
    ) -> None:
        try:
            reply = future.result()
        except ApiFailure as error:
            failure = error.failure
            if failure.stops_the_instance:
                if failure.kind not in PERMISSION_REFUSALS or self.refusals_are_partial is False:
                    self._fatal = self._fatal or failure
                elif self.refusals_are_partial is None:
                    self._parked.append((failure, on_error))
                else:
                    on_error(failure)
                return
            if failure.kind in TRANSIENT:
                self._transient_streak += 1
                if self._transient_streak >= BREAKER_THRESHOLD:
                    self._fatal = self._fatal or failure
                    return
            on_error(failure)
            return
        self._transient_streak = 0
        then(reply)

    def decide_refusals(self, partial: bool) -> None:
        """Now known: whether a refusal costs its call only (a fine-grained token) or the
        walk (a legacy one). Refusals that waited for this are settled accordingly."""
        self.refusals_are_partial = partial
        parked, self._parked = self._parked, []
        if not partial and parked:
            self._fatal = self._fatal or parked[0][0]
        for failure, on_error in parked if partial else ():
            on_error(failure)

    def _abandon(self) -> None:
        self._backlog.clear()
        for future in self._in_pool:
            future.cancel()
        wait(list(self._in_pool))
        self._in_pool.clear()

    def close(self) -> None:
        """Stop the workers (pending requests are cancelled)."""
        self._abandon()
        self._pool.shutdown(wait=True, cancel_futures=True)
