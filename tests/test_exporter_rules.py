"""The shipped alert rules: promtool's checks and unit tests, then a real Prometheus
server scraping a real exporter over the sandbox and evaluating them.

promtool and prometheus come from Debian's ``prometheus`` package, which ``make test``
installs when missing; without it these tests skip and say so.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.report.metrics import ExporterFacts, InstanceStatus, instance_families, token_families
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.test_exporter_cli import Running, exporter, refreshed, series, stop, wait_for
from tests.test_report_cli import environment

RULES_DIR = Path(__file__).parent.parent / "contrib" / "prometheus"
RULES = RULES_DIR / "gltui-alerts.yml"
RULE_TESTS = RULES_DIR / "gltui-alerts.test.yml"
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
INSTALL = "install Debian's prometheus package (`make test` does: apt-get install prometheus)"
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason=f"no promtool: {INSTALL}")
needs_prometheus = pytest.mark.skipif(PROMETHEUS is None, reason=f"no prometheus: {INSTALL}")
DAY = 86400


@needs_promtool
def test_promtool_checks_the_rules() -> None:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 8 rules found" in done.stdout


@needs_promtool
def test_promtool_unit_tests_pass() -> None:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "test", "rules", RULE_TESTS.name],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=RULES_DIR,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_rules_read_only_metrics_the_exporter_publishes() -> None:
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    tokens = tuple(
        Token("gl", TokenKind.PERSONAL, i, "ci", ("api",), False, expiry)
        for i, expiry in ((1, now.date()), (2, None), (3, datetime(2027, 1, 1, tzinfo=UTC)))
    )
    served = InstanceInventory("gl", "https://gl", now, tokens=tokens)
    status = InstanceStatus(
        "gl",
        "https://gl",
        60,
        served=served,
        up=False,
        last_success=now,
        last_refresh=now,
        duration=1.0,
        failure=Failure(FailureKind.TIMEOUT, "slow"),
        requests={"200": 1},
    )
    families = [
        *token_families([status], now),
        *instance_families([status], ExporterFacts(1, now, 1.0)),
    ]
    published = {sample.name for family in families for sample in family.samples}
    used = set(re.findall(r"\bgltui_[a-z_]+", RULES.read_text()))
    assert used
    assert used <= published, used - published


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Prometheus:
    """A real Prometheus server on a free port, with a temporary config and storage."""

    def __init__(self, tmp_path: Path, target: str) -> None:
        config = tmp_path / "prometheus.yml"
        config.write_text(
            json.dumps(  # JSON is YAML
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(RULES)],
                    "scrape_configs": [
                        {
                            "job_name": "gltui",
                            "honor_labels": True,
                            "static_configs": [{"targets": [target]}],
                        }
                    ],
                }
            )
        )
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = tmp_path / "prometheus.log"
        assert PROMETHEUS is not None
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address={self.url.removeprefix('http://')}",
                    "--log.level=warn",
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def api(self, path: str, **query: str) -> Any:
        address = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(address, timeout=5) as answer:  # noqa: S310 (local)
            document = json.loads(answer.read())
        assert document["status"] == "success"
        return document["data"]

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except OSError:
            return False

    def alerts(self, name: str, state: str = "firing") -> set[str]:
        """``kind/id`` (or the instance) of each alert ``name`` in ``state``."""
        return {
            _key(alert["labels"]) if "id" in alert["labels"] else alert["labels"]["instance"]
            for alert in self.api("alerts")["alerts"]
            if alert["labels"]["alertname"] == name and alert["state"] == state
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def prometheus_for() -> Iterator[list[Prometheus]]:
    started: list[Prometheus] = []
    yield started
    for server in started:
        server.stop()


def _key(labels: dict[str, str]) -> str:
    return f"{labels['kind']}/{labels['id']}"


def expected(running: Running) -> dict[str, set[str]]:
    """Which tokens each token alert should name, from the exporter's own figures."""
    found = running.samples()
    now = time.time()
    expiry = {
        _key(dict(k)): v for k, v in series(found, "gltui_token_expiry_timestamp_seconds").items()
    }
    replaced = {_key(dict(k)) for k in series(found, "gltui_token_replaced")}
    info = {_key(dict(k)): dict(k) for k in series(found, "gltui_token_info")}
    left = {key: at - now for key, at in expiry.items() if key not in replaced}
    return {
        "GltuiTokenExpiresWithin14Days": {k for k, s in left.items() if 3 * DAY <= s < 14 * DAY},
        "GltuiTokenExpiresWithin3Days": {k for k, s in left.items() if 0 < s < 3 * DAY},
        "GltuiTokenExpiredNotReplaced": {k for k, s in left.items() if -30 * DAY < s <= 0},
        "GltuiTokenNeverExpiresBroad": {
            k
            for k, labels in info.items()
            if labels["risk"] in ("write", "admin") and k not in expiry
        },
    }


@needs_prometheus
def test_a_real_prometheus_scrapes_the_exporter_and_fires_the_alerts(
    tmp_path: Path, prometheus_for: list[Prometheus]
) -> None:
    sandbox = RunningSandbox(SandboxOptions()).start()  # the real clock, like Prometheus'
    try:
        env = environment(
            tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer
        )
        with exporter(env, tmp_path, "--interval", "1") as running:
            wait_for("the exporter's first refresh", refreshed(running))
            want = expected(running)
            for name, ids in want.items():
                assert ids, f"the sandbox seeds tokens for {name}"
            server = Prometheus(tmp_path, running.url.removeprefix("http://"))
            prometheus_for.append(server)
            wait_for("prometheus to be ready", server.ready)

            def all_firing() -> bool:
                return all(server.alerts(name) == ids for name, ids in want.items())

            wait_for("every token alert to fire", all_firing, seconds=15)
            (up,) = server.api("query", query="gltui_instance_up")["result"]
            assert up["metric"]["instance"] == "127.0.0.1"  # honor_labels: gltui's name
            assert up["value"][1] == "1"
            assert not server.alerts("GltuiInstanceDown", "pending")

            sandbox.stop()  # the instance goes down
            wait_for(
                "GltuiInstanceDown to be pending",
                lambda: server.alerts("GltuiInstanceDown", "pending") == {"127.0.0.1"},
                seconds=15,
            )
            assert all_firing()  # its tokens are still served, so their alerts hold
            assert stop(running) == 0
    finally:
        sandbox.stop()
