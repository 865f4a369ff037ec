"""Refresh many instances in parallel, with the cache in front and history behind.

:meth:`InventoryEngine.cached` answers at once from snapshots (first paint);
:meth:`InventoryEngine.refresh` walks every instance in parallel, each on its
own pool, and a failed instance falls back to its last snapshot so the user
keeps seeing their tokens with the failure shown beside them.

Local files are for later: trouble saving or reading them is told on
:attr:`InventoryEngine.notices` and never costs the tokens just fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from gltui.domain.failures import Failure, FailureKind
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.local_files import shown
from gltui.notices import Notices

if TYPE_CHECKING:
    from gltui.adapters.log import RequestLog
    from gltui.domain.changes import Baseline
    from gltui.domain.summary import ExpirySummary
    from gltui.inventory.cache import History, SnapshotCache
    from gltui.inventory.reviews import ReviewLog

# The walk (and the adapters and python-gitlab behind it), its thread pool and the
# review baseline load on first use, inside the functions: the dashboard's first frame
# from the cache needs none of them, and a cold start paid for importing them (issue 19).

Walker = Callable[[InstanceSpec, datetime, Callable[[Progress], None] | None], InstanceInventory]


class InventoryEngine:
    """The one object the UI and the reports ask for tokens."""

    def __init__(
        self,
        specs: Sequence[InstanceSpec],
        *,
        cache: SnapshotCache | None = None,
        history: History | None = None,
        reviews: ReviewLog | None = None,
        walker: Walker | None = None,
        notices: Notices | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError("instance names must be unique")
        self.request_log = request_log
        """Where every request of every instance is logged (the dashboard's ``@``)."""
        self.specs = tuple(
            replace(spec, request_log=request_log) if request_log is not None else spec
            for spec in specs
        )
        self.cache = cache
        self.history = history
        self.reviews = reviews
        self._walker = walker
        """How an instance is walked; ``None``: :func:`~gltui.inventory.walk.walk_instance`."""
        self.notices = notices if notices is not None else Notices()
        """Local trouble (a file not saved, a damaged one set aside), from any thread:
        ``gltui report`` prints it on stderr, the dashboard notifies it."""
        for store in (cache, history, reviews):
            if store is not None:  # one channel for everything this engine's stores say
                store.notices = self.notices

    def cached(self) -> Inventory:
        """The last snapshots, without any network call (missing ones are left out)."""
        if self.cache is None:
            return Inventory()
        found = (self.cache.load(spec.name) for spec in self.specs)
        return Inventory(tuple(snapshot for snapshot in found if snapshot is not None))

    def baseline(self, now: datetime) -> Baseline | None:
        """What a review compares with: the last sign-off, else a week of history."""
        from gltui.inventory.reviews import review_baseline

        return review_baseline(self.reviews, self.history, (s.name for s in self.specs), now)

    def cached_heads(self) -> list[tuple[InstanceInventory, ExpirySummary]] | None:
        """Every instance's head file (the first screen), or ``None`` unless all have one
        (then :meth:`cached` is the way to the first paint)."""
        if self.cache is None or not self.specs:
            return None
        heads = [self.cache.load_head(spec.name) for spec in self.specs]
        if any(head is None for head in heads):
            return None
        return [head for head in heads if head is not None]

    def refresh(
        self,
        now: datetime,
        on_progress: Callable[[Progress], None] | None = None,
        on_instance: Callable[[InstanceInventory], None] | None = None,
    ) -> Inventory:
        """Walk every instance in parallel; one failing never stops the others.

        ``on_instance`` hears about each instance as soon as it is done (from its
        worker thread), so a dashboard can show a fast instance before a slow one.
        """
        from concurrent.futures import ThreadPoolExecutor

        if not self.specs:
            return Inventory()

        def one(spec: InstanceSpec) -> InstanceInventory:
            result = self._refresh_one(spec, now, on_progress)
            if on_instance is not None:
                on_instance(result)
            return result

        with ThreadPoolExecutor(len(self.specs), thread_name_prefix="gltui-instance") as pool:
            results = list(pool.map(one, self.specs))
        return Inventory(tuple(results))

    def _refresh_one(
        self, spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        if self._walker is not None:
            walker = self._walker
        else:
            from gltui.inventory.walk import walk_instance

            walker = walk_instance
        try:
            fresh = walker(spec, now, on_progress)
        except Exception as error:  # a bug for one instance must not hide the others
            failure = Failure(FailureKind.BAD_RESPONSE, f"gltui failed: {type(error).__name__}")
            fresh = InstanceInventory(spec.name, spec.url, now, failure=failure)
        if fresh.ok:
            if any(problem.scope is not None for problem in fresh.problems):
                fresh = carry_over(fresh, self._previous(spec))
            self._keep(fresh, now)
            return fresh
        previous = self._previous(spec)
        if previous is None:
            return fresh
        # keep showing what we knew, with today's failure beside it
        return replace(
            previous, failure=fresh.failure, identity=fresh.identity or previous.identity
        )

    def _previous(self, spec: InstanceSpec) -> InstanceInventory | None:
        """The last snapshot of ``spec``'s instance, if any could be read."""
        try:
            return self.cache.load(spec.name) if self.cache is not None else None
        except Exception as error:  # the failure beside no tokens beats no answer at all
            kind = type(error).__name__
            self.notices.warn(
                f"could not read the snapshot of {shown(spec.name)}: gltui hit {kind}"
            )
            return None

    def _keep(self, fresh: InstanceInventory, now: datetime) -> None:
        """Save the snapshot and today's history line. The stores turn the trouble they
        expect into notices; anything else (a bug) must not cost the fetched tokens
        either, so it becomes a notice here."""
        name = shown(fresh.name)
        if self.cache is not None:
            try:
                self.cache.save(fresh)
            except Exception as error:
                kind = type(error).__name__
                self.notices.warn(f"could not save the snapshot of {name}: gltui hit {kind}")
        if self.history is not None:
            try:
                self.history.record(fresh, now)
            except Exception as error:
                kind = type(error).__name__
                self.notices.warn(f"could not record the history of {name}: gltui hit {kind}")


def carry_over(fresh: InstanceInventory, previous: InstanceInventory | None) -> InstanceInventory:
    """``fresh`` plus the tokens ``previous`` had where this walk could not look.

    A walk that got through with problems on some projects or groups (a 403, a 5xx,
    an unreadable row) did not see their tokens; that is not the same as their being
    gone. Each such token is kept from the last snapshot, marked "not refreshed:
    <reason>", so the dashboard still shows it, the review does not call it vanished
    and the history keeps it.
    """
    if previous is None:
        return fresh
    seen = {token.identity for token in fresh.tokens}
    scoped = [problem for problem in fresh.problems if problem.scope is not None]
    carried = []
    for token in previous.tokens:
        if token.identity in seen:
            continue
        for problem in scoped:
            assert problem.scope is not None
            if problem.scope.covers(token):
                reason = token.not_refreshed or f"not refreshed: {problem.failure.message}"
                carried.append(replace(token, not_refreshed=reason, instance=fresh.name))
                break
    if not carried:
        return fresh
    return replace(fresh, tokens=fresh.tokens + tuple(carried))
