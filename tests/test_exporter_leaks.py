"""A server that echoes gltui's own token into names, usernames, versions and errors:
nothing the exporter serves, logs or writes, and no calendar, holds it.

The same hostile instance as ``tests/test_leak_scan_hostile.py`` (which covers the other
commands); here ``gltui report --format ics`` and a running ``gltui exporter`` are scanned.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import HostileServer, Responder, hostile, json_answer
from tests.test_exporter_cli import exporter, refreshed, stop, wait_for
from tests.test_leak_scan_hostile import LEGACY, TOKEN, echoing, env_for

__all__ = ["hostile"]

Start = Callable[[Responder], HostileServer]


@pytest.mark.parametrize("token", [TOKEN, LEGACY], ids=["prefixed", "legacy"])
def test_an_echoed_token_reaches_no_metric_calendar_or_log(
    hostile: Start, tmp_path: Path, token: str
) -> None:
    elsewhere = hostile(lambda seen: json_answer("[]"))
    server = hostile(echoing(elsewhere))
    env = env_for(tmp_path, server.url, token)
    calendar = subprocess.run(
        [sys.executable, "-m", "gltui", "report", "--format", "ics"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert "Traceback" not in calendar.stderr
    assert "BEGIN:VEVENT" in calendar.stdout  # the echoing token is listed, and working
    log = tmp_path / "requests.jsonl"
    with exporter(env, tmp_path, "--interval", "60", before=("--log", str(log))) as running:
        found = wait_for("the first refresh", refreshed(running))
        served = {
            "metrics (OpenMetrics)": running.get("/metrics", "application/openmetrics-text")[2],
            "metrics (text)": running.get("/metrics")[2],
            "calendar": running.get("/calendar.ics")[2],
            "health": running.get("/healthz")[2],
        }
        assert stop(running) == 0
    texts = {name: body.decode(errors="replace") for name, body in served.items()}
    texts["ics report"] = calendar.stdout + calendar.stderr
    texts["exporter stderr"] = running.log()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode(errors="replace")
    assert any(name == "gltui_token_info" for name, _ in found)
    assert "echo [redacted]" in texts["metrics (OpenMetrics)"]  # it came back, scrubbed
    assert "echo [redacted]" in texts["calendar"].replace("\r\n ", "")
    assert elsewhere.seen == []
    for where, text in texts.items():
        assert token not in text, f"the token leaked into {where}"
