"""``gltui exporter`` as a subprocess over a sandbox: scrape it, break the instance,
stop it. Every wait has a deadline; sleeps are only short polls."""

from __future__ import annotations

import argparse
import io
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from icalendar import Calendar
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from gltui.cli.parser import build_parser, duration
from gltui.report.calendar import event_uid
from gltui.report.serve import ExporterServer, parse_listen
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import NOW
from tests.test_report_cli import environment, report

OPENMETRICS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)  # what Prometheus sends
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
T = TypeVar("T")


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str
    stderr: Path

    def get(self, path: str, accept: str = "") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, headers={"Accept": accept})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (local)
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def samples(self, *, openmetrics: bool = True) -> Samples:
        status, _, body = self.get("/metrics", OPENMETRICS_ACCEPT if openmetrics else "")
        assert status == 200
        parse = parse_om if openmetrics else parse_text
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in parse(body.decode())
            for sample in family.samples
        }

    def log(self) -> str:
        return self.stderr.read_text()


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = 20.0) -> T:
    """Poll ``probe`` until it returns something truthy, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def first_line(process: subprocess.Popen[str], seconds: float = 20.0) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=seconds):
            raise AssertionError("the exporter printed no address line")
    return process.stdout.readline()


@contextmanager
def exporter(
    env: dict[str, str], tmp_path: Path, *args: str, before: tuple[str, ...] = ()
) -> Iterator[Running]:
    stderr = tmp_path / "exporter.stderr"
    with stderr.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gltui", *before, "exporter", "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
            env=env,
        )
    try:
        line = first_line(process)
        yield Running(process, json.loads(line)["url"], stderr)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def series(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: value for (metric, labels), value in samples.items() if metric == name}


def refreshed(running: Running, count: int = 1) -> Callable[[], Samples | None]:
    def probe() -> Samples | None:
        found = running.samples()
        done = series(found, "gltui_exporter_refreshes_total").get(frozenset(), 0)
        return found if done >= count else None

    return probe


def stop(running: Running, signum: int = signal.SIGTERM) -> int:
    running.process.send_signal(signum)
    return running.process.wait(timeout=15)


def test_a_scrape_matches_the_report(tmp_path: Path) -> None:
    with RunningSandbox(SandboxOptions()) as sandbox:  # the real clock, as the exporter's
        env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
        listed = report("--format", "json", env=env)
        assert listed.returncode == 0, listed.stderr
        log = tmp_path / "requests.jsonl"
        with exporter(env, tmp_path, "--interval", "60", before=("--log", str(log))) as running:
            found = wait_for("the first refresh", refreshed(running))
            text = running.samples(openmetrics=False)
            _, headers, calendar = running.get("/calendar.ics")
            health = running.get("/healthz")
            missing, wrong = running.get("/nope"), running.get("/metrics?x=1", "text/plain")
            assert stop(running) == 0
        stderr = running.log()
    document = json.loads(listed.stdout)
    (instance,) = document["instances"]
    where = instance["name"]
    tokens = [t for t in instance["tokens"] if t["state"] != "revoked"]

    def ident(t: dict[str, object]) -> frozenset[tuple[str, str]]:
        return frozenset({"instance": where, "kind": str(t["kind"]), "id": str(t["id"])}.items())

    info = series(found, "gltui_token_info")
    assert {
        frozenset((k, v) for k, v in labels if k in ("instance", "kind", "id")) for labels in info
    } == {ident(t) for t in tokens}
    assert len(info) == len(tokens)
    days = series(found, "gltui_token_days_left")
    assert days == {ident(t): t["days_left"] for t in tokens if t["expires_at"] is not None}
    counts = {
        dict(labels)["state"]: value for labels, value in series(found, "gltui_tokens").items()
    }
    assert counts == document["totals"]
    gl = frozenset({("instance", where)})
    assert series(found, "gltui_instance_up") == {gl: 1}
    assert series(found, "gltui_instance_requests_total")[gl | {("code", "200")}] >= 1
    # the text format says the same
    assert {k: v for k, v in text.items() if k[0] == "gltui_token_info"} == {
        k: v for k, v in found.items() if k[0] == "gltui_token_info"
    }
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = {str(event["UID"]) for event in Calendar.from_ical(calendar).walk("VEVENT")}
    assert events == {
        event_uid(where, t["kind"], t["id"])
        for t in tokens
        if t["state"] in ("active", "expiring") and t["expires_at"]
    }
    assert health[0] == 200
    assert missing[0] == 404
    assert wrong[0] == 200
    # read-only: every request the exporter made was a GET
    methods = {json.loads(line)["method"] for line in log.read_text().splitlines()}
    assert methods == {"GET"}
    # no token value anywhere it writes
    everything = json.dumps(
        [sorted(map(str, found.items())), calendar.decode(), stderr, log.read_text()]
    )
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in everything
    assert "Traceback" not in stderr
    assert "refresh 1 in" in stderr


def test_an_instance_that_goes_down_keeps_its_tokens_with_up_0(tmp_path: Path) -> None:
    sandbox = RunningSandbox(SandboxOptions()).start()
    try:
        env = environment(
            tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer
        )
        with exporter(env, tmp_path, "--interval", "0.5") as running:
            before = wait_for("the first refresh", refreshed(running))
            tokens = series(before, "gltui_token_expiry_timestamp_seconds")
            assert tokens
            where = dict(next(iter(series(before, "gltui_instance_up"))))["instance"]
            gl = frozenset({("instance", where)})
            success = series(before, "gltui_instance_last_success_timestamp_seconds")[gl]
            sandbox.stop()  # the instance goes away

            def down() -> Samples | None:
                found = running.samples()
                return found if series(found, "gltui_instance_up") == {gl: 0} else None

            after = wait_for("gltui_instance_up 0", down)
            assert series(after, "gltui_token_expiry_timestamp_seconds") == tokens
            counts = {dict(k)["state"]: v for k, v in series(after, "gltui_tokens").items()}
            everyone = counts["active"] + counts["revoked"] + counts["expired"]
            assert series(after, "gltui_instance_tokens_not_refreshed") == {gl: everyone}
            assert series(after, "gltui_instance_failure") == {gl | {("reason", "unreachable")}: 1}
            assert series(after, "gltui_instance_last_success_timestamp_seconds")[gl] == success
            assert running.get("/healthz")[0] == 200  # the exporter is fine; GitLab is not
            assert stop(running) == 0
    finally:
        sandbox.stop()
    stderr = running.log()
    assert "Traceback" not in stderr
    assert f"{where} DOWN (cannot connect" in stderr
    assert "serving" in stderr
    assert stderr.strip().endswith("gltui exporter: stopped")


def test_sigterm_during_a_slow_refresh_still_exits_0(tmp_path: Path) -> None:
    with RunningSandbox(SandboxOptions(latency_ms=300)) as sandbox:
        env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
        with exporter(env, tmp_path) as running:
            status, _, body = running.get("/healthz")  # answers while the first walk runs
            assert status == 200
            assert body.startswith(b"starting")
            started = time.monotonic()
            assert stop(running) == 0
            assert time.monotonic() - started < 5
    assert "Traceback" not in running.log()


def test_sigint_exits_0_too(tmp_path: Path) -> None:
    with RunningSandbox(SandboxOptions()) as sandbox:
        env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
        with exporter(env, tmp_path, "--interval", "60") as running:
            wait_for("the first refresh", refreshed(running))
            assert stop(running, signal.SIGINT) == 0
    assert "Traceback" not in running.log()


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", "exporter", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    done = run(env=environment(tmp_path))
    assert done.returncode == 2
    assert "gltui exporter: no instance configured yet" in done.stderr
    env = environment(tmp_path, GITLAB_URL="https://gitlab.example.com", GITLAB_TOKEN="x")
    for bad in (
        ["--listen", "nowhere"],
        ["--listen", "::1:80"],
        ["--interval", "0"],
        ["--interval", "soon"],
    ):
        done = run(*bad, env=env)
        assert done.returncode == 2, bad
        assert "Traceback" not in done.stderr
    with RunningSandbox(SandboxOptions()) as sandbox:  # its port is taken
        port = sandbox.url.rsplit(":", 1)[1]
        done = run("--listen", f"127.0.0.1:{port}", env=env)
    assert done.returncode == 1
    assert f"gltui exporter: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert os.environ.get("GITLAB_TOKEN") is None  # the fixtures keep the real ones out


def test_listen_addresses_and_durations() -> None:
    assert parse_listen("127.0.0.1:9841") == ("127.0.0.1", 9841)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen(":9841") == ("0.0.0.0", 9841)  # noqa: S104 (asked for)
    for bad in ("9841", "::1:9841", "host:port", "127.0.0.1:70000"):
        with pytest.raises(ValueError, match=r"HOST:PORT|port|brackets"):
            parse_listen(bad)
    assert [duration(text) for text in ("600", "10m", "1h", "30s", "0.5")] == [
        600,
        600,
        3600,
        30,
        0.5,
    ]
    for bad in ("0", "-1", "soon", "1y", "400d"):
        with pytest.raises(argparse.ArgumentTypeError):
            duration(bad)
    args = build_parser().parse_args(["exporter"])
    assert args.listen == ("127.0.0.1", 9841)
    assert args.interval == 600


def test_ipv6_listening_shows_brackets() -> None:
    from gltui.inventory.engine import InventoryEngine
    from gltui.report.exporter import Exporter

    exp = Exporter(InventoryEngine([]), interval=60, clock=lambda: NOW, log=io.StringIO())
    try:
        server = ExporterServer(("::1", 0), exp)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        assert server.url.startswith("http://[::1]:")
    finally:
        server.server_close()
