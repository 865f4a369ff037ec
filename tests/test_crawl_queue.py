"""The crawl's coordinator at an administrator's scale: tens of thousands of queued
calls cost a tuple each until the pool has room, run in the order they were made, and
the coordinator learns of each finished call without scanning the rest."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import Failure, FailureKind
from gltui.inventory.crawl import Crawl, CrawlLimits, InstanceUnavailable


def unexpected(failure: Failure) -> None:
    pytest.fail(f"no call here fails: {failure.message}")


class Port:
    """Just what a crawl hands its calls: the walk's deadline slot."""

    walk_deadline: float | None = None


def test_twenty_thousand_calls_run_in_order_through_a_bounded_pool() -> None:
    crawl = Crawl(Port(), 1)  # type: ignore[arg-type]  # one worker: order is observable
    started: list[int] = []
    settled: list[int] = []
    most_in_pool = 0

    def work(n: int) -> Any:
        def run(_: object) -> int:
            started.append(n)
            return n

        return run

    def then(n: int) -> None:
        nonlocal most_in_pool
        most_in_pool = max(most_in_pool, crawl.calls_in_pool)
        settled.append(n)
        if n % 2 == 0 and n < 20_000:  # callbacks queue more, as a walk's do
            crawl.call(work(n + 20_001), then=then, on_error=unexpected)

    for n in range(20_000):
        crawl.call(work(n), then=then, on_error=unexpected)
    try:
        crawl.run()
    finally:
        crawl.close()
    assert started[:20_000] == list(range(20_000))
    assert sorted(settled) == sorted(started)
    assert len(settled) == 30_000
    assert crawl.done == crawl.expected == 30_000
    assert 1 <= most_in_pool <= crawl.pool_window == 2


def test_workers_never_exceed_the_concurrency() -> None:
    crawl = Crawl(Port(), 4)  # type: ignore[arg-type]
    running = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Barrier(4, timeout=10)

    def work(n: int) -> Any:
        def run(_: object) -> None:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            if n < 4:
                gate.wait()  # the first four meet: the pool really runs four at once
            with lock:
                running -= 1

        return run

    for n in range(200):
        crawl.call(work(n), then=lambda _: None, on_error=unexpected)
    try:
        crawl.run()
    finally:
        crawl.close()
    assert most == 4
    assert crawl.done == 200


def test_after_a_fatal_answer_the_backlog_is_never_sent() -> None:
    crawl = Crawl(Port(), 2)  # type: ignore[arg-type]
    ran: list[int] = []

    def work(n: int) -> Any:
        def run(_: object) -> None:
            ran.append(n)
            if n == 0:
                raise ApiFailure(Failure(FailureKind.BAD_TOKEN, "token revoked"))

        return run

    for n in range(10_000):
        crawl.call(work(n), then=lambda _: None, on_error=lambda _: None)
    try:
        with pytest.raises(InstanceUnavailable) as stopped:
            crawl.run()
    finally:
        crawl.close()
    assert stopped.value.failure.kind is FailureKind.BAD_TOKEN
    assert len(ran) <= 3 * crawl.pool_window  # what was already in the pool, not 10,000


def test_the_deadline_still_ends_a_walk_whose_calls_hang() -> None:
    release = threading.Event()
    crawl = Crawl(Port(), 2, limits=CrawlLimits(walk_seconds=0.2))  # type: ignore[arg-type]
    for _ in range(100):
        crawl.call(lambda _: release.wait(10), then=lambda _: None, on_error=unexpected)
    try:
        with pytest.raises(InstanceUnavailable) as stopped:
            crawl.run()
    finally:
        release.set()
        crawl.close()
    assert stopped.value.failure.kind is FailureKind.TIMEOUT
    assert "0.2 s" in stopped.value.failure.message


def test_a_walk_stopped_before_it_runs_sends_nothing_and_says_why() -> None:
    crawl = Crawl(Port(), 2)  # type: ignore[arg-type]
    ran: list[object] = []
    for _ in range(50):
        crawl.call(ran.append, then=lambda _: None, on_error=unexpected)
    crawl.stop(Failure(FailureKind.LIMIT, "more than 5 rows"))
    try:
        with pytest.raises(InstanceUnavailable) as stopped:
            crawl.run()  # at once: no answer is awaited for the walk's whole deadline
    finally:
        crawl.close()
    assert stopped.value.failure.message == "more than 5 rows"
    assert ran == []
