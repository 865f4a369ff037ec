"""``gltui demo`` in a real terminal (tmux), used as a person would use it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SandboxFactory

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

SOCKET = f"gltui-e2e-{os.getpid()}"


def tmux(*args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False, timeout=10
    )
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-t", "e2e", "-p")


def wait_for(predicate: str | re.Pattern[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = screen()
        found = predicate.search(text) if isinstance(predicate, re.Pattern) else predicate in text
        if found:
            return text
        time.sleep(0.2)
    raise AssertionError(f"never saw {predicate!r} on screen:\n{text}")


def start(arguments: str, env: dict[str, str], height: int = 36) -> None:
    """Run ``gltui ARGUMENTS`` in a detached 120-column tmux session (exit code left on screen)."""
    command = f"{sys.executable} -m gltui {arguments}; echo GLTUI-EXIT=$?; sleep 30"
    size = ["-x", "120", "-y", str(height)]
    tmux("kill-server")  # a previous test's server may still be going away
    for attempt in range(3):
        done = subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "e2e", *size, command],
            # COLUMNS/LINES (set by some test runners) would override the window's size
            env={k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
            | {"TERM": "xterm-256color"},
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(0.5 * (attempt + 1))
    raise AssertionError(f"tmux would not start a session: {done.stderr}")


@pytest.fixture
def terminal() -> Iterator[None]:
    start("demo", dict(os.environ))
    try:
        yield
    finally:
        tmux("kill-server")


def test_demo_cards_filter_details_quit(terminal: None) -> None:
    report = subprocess.run(
        [sys.executable, "-m", "gltui", "report", "--demo", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    expected = json.loads(report.stdout)["totals"]
    text = wait_for(re.compile(r"self-managed \(sandbox\).*tokens · fresh"))
    assert re.search(r"gitlab\.com \(sandbox\).*tokens · fresh", text)

    def cards(screen_text: str) -> dict[str, int]:
        found = {}
        for card in ("active", "expiring", "revoked", "expired"):
            match = re.search(rf"(\d+) {card}", screen_text)
            found[card] = int(match.group(1)) if match else -1
        return found

    # the cards may be drawn a frame after the instance line says "fresh"
    deadline = time.monotonic() + 10
    while cards(text) != {card: expected[card] for card in cards(text)}:
        assert time.monotonic() < deadline, (cards(text), expected, text)
        time.sleep(0.2)
        text = screen()

    tmux("send-keys", "-t", "e2e", "/")
    # a person sees the field open before typing; keys sent in the same burst as "/" can
    # reach the table first (Textual routes queued keys before the focus moves)
    wait_for("filter: name, scopes")
    tmux("send-keys", "-t", "e2e", "-l", "jira")
    tmux("send-keys", "-t", "e2e", "Enter")
    text = wait_for("filter: jira")
    shown = re.search(r"(\d+) of (\d+) tokens", text)
    assert shown is not None
    assert 0 < int(shown.group(1)) < int(shown.group(2))

    tmux("send-keys", "-t", "e2e", "Enter")
    text = wait_for("GitLab page")
    assert "Name  jira" in text

    tmux("send-keys", "-t", "e2e", "Escape")
    wait_for("filter: jira")
    tmux("send-keys", "-t", "e2e", "q")
    text = wait_for("GLTUI-EXIT=")
    assert "GLTUI-EXIT=0" in text
    assert "Traceback" not in text


def test_q_quits_at_once_while_an_instance_hangs(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    slow = make_sandbox(latency_ms=20_000)  # every answer takes 20 s
    env = dict(
        os.environ,
        GITLAB_URL=slow.url,
        GITLAB_TOKEN=slow.credentials.admin,
        GLTUI_CACHE_DIR=str(tmp_path / "cache"),
        GLTUI_DATA_DIR=str(tmp_path / "data"),
    )
    start("", env, height=30)
    try:
        wait_for("loading")
        started = time.monotonic()
        tmux("send-keys", "-t", "e2e", "q")
        text = wait_for("GLTUI-EXIT=", timeout=10)
        assert time.monotonic() - started < 3
        assert "GLTUI-EXIT=0" in text
    finally:
        tmux("kill-server")
