"""Fault injection: each kind of trouble on one instance while another stays healthy.

Every scenario runs twice: through the headless report (``run_report``, JSON) and
through the dashboard (Pilot). Expected each time: the healthy instance completes,
the troubled one either recovers or says why and what to do, the dashboard answers
keys while the trouble lasts, and once the trouble ends a retry works.
"""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from textual.widgets import Static

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.report.command import run_report
from gltui.sandbox.faults import Fault
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from gltui.tui.app import GltuiApp
from gltui.tui.widgets.instances_bar import InstancesBar
from tests.conftest import NOW, fixed_clock
from tests.driving import ObservedApp, refreshed

COMPLETE, PARTIAL, FAILED = "complete", "partial", "failed"


@dataclass
class Trouble:
    """The troubled instance of one scenario: its sandbox and the URL gltui is given."""

    sandbox: RunningSandbox
    url: str
    undo: list[Callable[[], None]] = field(default_factory=list)

    def repair(self) -> None:
        """The trouble ends (faults cleared, the world put right)."""
        self.sandbox.app.faults.clear()
        for step in self.undo:
            step()


@dataclass(frozen=True)
class Scenario:
    name: str
    arrange: Callable[[Trouble], None]
    outcome: str
    kind: FailureKind | None = None
    timeout: float = 2.0

    def __str__(self) -> str:
        return self.name


def faults(*rules: tuple[Fault, dict[str, object]]) -> Callable[[Trouble], None]:
    def arrange(trouble: Trouble) -> None:
        for fault, where in rules:
            trouble.sandbox.app.faults.add(fault, **where)

    return arrange


def caller_token_changes(kind: str) -> Callable[[Trouble], None]:
    """gltui's own token is revoked (or expires) a few requests into the walk."""

    def arrange(trouble: Trouble) -> None:
        store = trouble.sandbox.store
        secret = trouble.sandbox.credentials.maintainer
        token = store.find_by_secret(secret)
        assert token is not None
        before = (token.revoked, token.expires_at)

        def restore() -> None:
            with store.lock:
                token.revoked, token.expires_at = before
                store.changed()

        trouble.undo.append(restore)
        trouble.sandbox.app.faults.add(Fault(kind), skip=4, times=1)

    return arrange


def instance_down(trouble: Trouble) -> None:
    """Nothing listens at the URL; later an instance comes up there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    trouble.url = f"http://127.0.0.1:{port}"

    def come_back() -> None:
        revived = RunningSandbox(SandboxOptions(port=port), clock=fixed_clock)
        revived.app.store = trouble.sandbox.app.store  # the same instance, back up
        revived.app.credentials = trouble.sandbox.app.credentials
        revived.start()
        trouble.sandbox.stop()
        trouble.sandbox = revived

    trouble.undo.append(come_back)


def tls_error(trouble: Trouble) -> None:
    """The URL says https but the server speaks plain HTTP: the handshake fails.
    The fix (the user corrects the URL or CA bundle) is modelled by the plain URL."""
    plain = trouble.url
    trouble.url = plain.replace("http://", "https://")

    def fix() -> None:
        trouble.url = plain

    trouble.undo.append(fix)


ACCESS_TOKENS: dict[str, object] = {"path": "/access_tokens"}
PATS: dict[str, object] = {"path": "/personal_access_tokens"}
SLOW, TOO_MANY, RESET = Fault("delay", seconds=0.4), Fault("status", 429), Fault("reset")
SCENARIOS = [
    Scenario(
        "latency spike", faults((Fault("delay", seconds=0.4), {**PATS, "times": 3})), COMPLETE
    ),
    Scenario(
        "timeouts", faults((Fault("delay", seconds=1.0), {})), FAILED, FailureKind.TIMEOUT, 0.3
    ),
    Scenario(
        "429 storm with Retry-After",
        faults((Fault("status", 429, retry_after=1), {"times": 2})),
        COMPLETE,
    ),
    Scenario(
        "429 storm without Retry-After", faults((Fault("status", 429), {"times": 4})), COMPLETE
    ),
    Scenario(
        "random 500/502/503",
        faults(
            (Fault("status", 500), {"times": 1}),
            (Fault("status", 502), {"times": 2, "skip": 3}),
            (Fault("status", 503), {"times": 2, "skip": 6}),
        ),
        COMPLETE,
    ),
    Scenario(
        "a project's 500 that does not pass",
        faults((Fault("status", 500), {"path": "/projects/1/access_tokens"})),
        PARTIAL,
        FailureKind.SERVER_ERROR,
    ),
    Scenario(
        "connection reset, then fine", faults((Fault("reset"), {**PATS, "times": 2})), COMPLETE
    ),
    Scenario(
        "connection reset every time",
        faults((Fault("reset"), PATS)),
        FAILED,
        FailureKind.UNREACHABLE,
    ),
    Scenario("malformed JSON", faults((Fault("garbage"), PATS)), PARTIAL, FailureKind.BAD_RESPONSE),
    Scenario(
        "truncated JSON",
        faults((Fault("truncated"), ACCESS_TOKENS)),
        PARTIAL,
        FailureKind.BAD_RESPONSE,
    ),
    Scenario("pages without pagination headers", faults((Fault("no_paging"), {})), COMPLETE),
    Scenario(
        "gltui's token revoked mid-session",
        caller_token_changes("revoke_caller"),
        FAILED,
        FailureKind.TOKEN_REVOKED,
    ),
    Scenario(
        "gltui's token expires mid-session",
        caller_token_changes("expire_caller"),
        FAILED,
        FailureKind.TOKEN_EXPIRED,
    ),
    Scenario(
        "403 on projects mid-walk",
        faults((Fault("status", 403), {**ACCESS_TOKENS, "skip": 1})),
        PARTIAL,
        FailureKind.FORBIDDEN,
    ),
    Scenario(
        "404 on projects mid-walk",
        faults((Fault("status", 404), {"path": "/deploy_tokens"})),
        PARTIAL,
        FailureKind.NOT_FOUND,
    ),
    Scenario("instance down", instance_down, FAILED, FailureKind.UNREACHABLE),
    Scenario("TLS error", tls_error, FAILED, FailureKind.TLS),
]


@pytest.fixture
def healthy() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxOptions(seed=2), clock=fixed_clock) as sandbox:
        yield sandbox


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    sandbox = RunningSandbox(SandboxOptions(), clock=fixed_clock).start()
    made = Trouble(sandbox, sandbox.url)
    yield made
    made.sandbox.stop()


def expected_count(sandbox: RunningSandbox) -> int:
    spec = InstanceSpec("probe", sandbox.url, Secret(sandbox.credentials.maintainer))
    return len(walk_instance(spec, NOW).tokens)


def engine_for(healthy: RunningSandbox, trouble: Trouble, timeout: float) -> InventoryEngine:
    token = Secret(trouble.sandbox.credentials.maintainer)
    return InventoryEngine(
        [
            InstanceSpec("healthy", healthy.url, Secret(healthy.credentials.admin)),
            InstanceSpec("troubled", trouble.url, token, timeout=timeout),
        ]
    )


def report(engine: InventoryEngine) -> tuple[int, dict[str, dict[str, object]]]:
    out, err = io.StringIO(), io.StringIO()
    code = run_report(engine, now=NOW, output_format="json", offline=False, out=out, err=err)
    assert "Traceback" not in err.getvalue()
    instances = {i["name"]: i for i in json.loads(out.getvalue())["instances"]}
    return code, instances


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_report_under_fault(scenario: Scenario, healthy: RunningSandbox, trouble: Trouble) -> None:
    full = expected_count(trouble.sandbox)
    healthy_count = len(
        walk_instance(InstanceSpec("h", healthy.url, Secret(healthy.credentials.admin)), NOW).tokens
    )
    scenario.arrange(trouble)
    code, instances = report(engine_for(healthy, trouble, scenario.timeout))
    assert instances["healthy"]["status"] == "fresh"
    assert len(instances["healthy"]["tokens"]) == healthy_count  # type: ignore[arg-type]
    troubled = instances["troubled"]
    if scenario.outcome == COMPLETE:
        assert code == 0
        assert troubled["status"] == "fresh"
        assert len(troubled["tokens"]) == full  # type: ignore[arg-type]
        assert troubled["problems"] == []
    elif scenario.outcome == PARTIAL:
        assert code == 0  # the report is complete apart from the named places
        assert troubled["status"] == "fresh"
        problems = troubled["problems"]
        assert problems
        assert all(p["kind"] == scenario.kind for p in problems)  # type: ignore[attr-defined]
        assert all(p["advice"] for p in problems)  # type: ignore[attr-defined]
        assert 0 < len(troubled["tokens"]) < full  # type: ignore[arg-type]
    else:
        assert code == 1
        failure = troubled["failure"]
        assert isinstance(failure, dict)
        assert failure["kind"] == scenario.kind
        assert failure["message"]
        assert failure["advice"]
    trouble.repair()
    code, instances = report(engine_for(healthy, trouble, scenario.timeout))
    assert code == 0
    assert instances["troubled"]["status"] == "fresh"
    assert len(instances["troubled"]["tokens"]) == full  # type: ignore[arg-type]


def bar_line(app: GltuiApp, name: str) -> str:
    text = str(app.dashboard.query_one(InstancesBar).render())
    return next(line for line in text.splitlines() if name in line)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
async def test_dashboard_under_fault(
    scenario: Scenario, healthy: RunningSandbox, trouble: Trouble
) -> None:
    scenario.arrange(trouble)
    given_url = trouble.url  # the URL gltui is configured with
    app = ObservedApp(engine_for(healthy, trouble, scenario.timeout), clock=fixed_clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        # the dashboard answers keys while the troubled instance is still being walked
        started = time.monotonic()
        await pilot.press("slash", "z", "z")
        status = app.dashboard.query_one("#view-status", Static)
        assert "filter: zz" in str(status.render())
        assert time.monotonic() - started < 1.0
        await pilot.press("escape")
        await refreshed(pilot, 1)
        assert "fresh" in bar_line(app, "healthy")
        line = bar_line(app, "troubled")
        if scenario.outcome == FAILED:
            assert scenario.kind is not None
            assert "failed: " in line
            assert Failure(scenario.kind, "").advice in line  # the kind's own remedy
        else:
            assert "failed" not in line
            assert "fresh" in line
            assert ("problems" in line) == (scenario.outcome == PARTIAL)
        trouble.repair()
        if trouble.url != given_url:  # the user fixed the URL
            app.dashboard.replace_engine(engine_for(healthy, trouble, scenario.timeout))
        else:
            await pilot.press("r")
        await refreshed(pilot, 2)
        line = bar_line(app, "troubled")
        assert "failed" not in line
        assert "fresh" in line


def test_more_than_10000_rows_without_totals(make_sandbox: Callable[..., RunningSandbox]) -> None:
    """GitLab leaves out X-Total/X-Total-Pages past 10,000 rows: the walk pages on until
    a short page and finds every token."""
    large = make_sandbox(scale=2000)
    spec = InstanceSpec("large", large.url, Secret(large.credentials.admin))
    found = walk_instance(spec, NOW)
    with large.store.lock:
        rows = len(large.store.pats)
        deploy = len(large.store.deploy_tokens)
    assert rows > 10_000
    assert found.ok
    assert found.problems == ()
    pat_rows = {t.identity for t in found.tokens if t.kind.shares_personal_token_ids}
    assert len(pat_rows) == rows
    assert sum(1 for t in found.tokens if t.kind is TokenKind.DEPLOY) == deploy
