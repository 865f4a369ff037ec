"""The rate gate slows every worker down before GitLab has to say 429."""

from __future__ import annotations

from gltui.adapters.gitlab_api import RateGate
from gltui.adapters.wire import Reply


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_no_headers_no_waiting() -> None:
    fake = FakeTime()
    gate = RateGate(reserve=4, clock=fake.clock, sleep=fake.sleep)
    for _ in range(100):
        gate.wait()
    assert fake.slept == []


def test_waits_for_the_reset_when_the_budget_is_low() -> None:
    fake = FakeTime()
    gate = RateGate(reserve=4, clock=fake.clock, sleep=fake.sleep)
    gate.observe({"RateLimit-Remaining": "6", "RateLimit-Reset": "1003"})
    gate.wait()  # 6 left: go (5 now)
    gate.wait()  # 5 left: go (4 now)
    assert fake.slept == []
    gate.wait()  # 4 left = the reserve for the other workers: wait for the window
    assert fake.slept == [3.0]
    assert gate.waited == 3.0
    gate.wait()  # budget unknown until the next answer: go
    assert fake.slept == [3.0]


def test_a_stale_reset_does_not_sleep() -> None:
    fake = FakeTime()
    gate = RateGate(reserve=4, clock=fake.clock, sleep=fake.sleep)
    gate.observe({"RateLimit-Remaining": "0", "RateLimit-Reset": "900"})
    gate.wait()
    assert fake.slept == []


def test_pauses_are_capped() -> None:
    fake = FakeTime()
    gate = RateGate(reserve=1, clock=fake.clock, sleep=fake.sleep)
    gate.observe({"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(fake.now) + 3600)})
    gate.wait()
    assert fake.slept == [60.0]


def test_reply_header_int() -> None:
    reply = Reply([], {"X-Total-Pages": "7", "X-Next-Page": "", "X-Page": "x"})
    assert reply.header_int("X-Total-Pages") == 7
    assert reply.header_int("X-Next-Page") is None
    assert reply.header_int("X-Page") is None
    assert reply.header_int("Missing") is None
