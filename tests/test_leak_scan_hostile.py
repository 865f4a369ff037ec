"""A server that echoes gltui's own token everywhere it can: the token never reaches
another listener, the terminal, a file, a screenshot or an exception text, in any mode.

The hostile instance puts the token it is sent into usernames, the version, token
names, error messages and a redirect's ``Location``; every command gltui has is run
against it (each report format, ``config check``, ``revoke``, ``create``, the
dashboard with its API log), and everything gltui wrote or printed is scanned.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gltui.adapters.log import RequestLog
from gltui.domain.secret import Secret
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, ready, refresh, settle
from tests.hostile import Answer, HostileServer, Responder, Seen, hostile, json_answer

__all__ = ["hostile"]

TOKEN = "glpat-EchoMeIfYouCan0123456"
LEGACY = "a1b2c3d4e5f6g7h8i9j0"  # a token from before prefixes: only its value is known

Start = Callable[[Responder], HostileServer]


def echoing(elsewhere: HostileServer) -> Responder:
    def respond(seen: Seen) -> Answer:
        said = seen.headers.get("private-token", "none")
        path = seen.path.split("?")[0]
        if path == "/api/v4/user":
            return json_answer(json.dumps({"id": 1, "username": f"u-{said}", "is_admin": False}))
        if path in ("/api/v4/metadata", "/api/v4/version"):
            return json_answer(json.dumps({"version": f"18.0 {said}"}))
        if path == "/api/v4/personal_access_tokens/self":
            return json_answer(json.dumps({"message": f"404 {said} not found"}), 404)
        if path == "/api/v4/personal_access_tokens":
            rows = [
                {
                    "id": 1,
                    "name": f"echo {said}",
                    "scopes": ["api"],
                    "revoked": False,
                    "expires_at": "2027-01-01",
                    "description": said,
                    "user_id": 1,
                },
            ]
            return json_answer(json.dumps(rows), **{"X-Total-Pages": "1"})
        if seen.method in ("DELETE", "POST", "PUT") or path.startswith("/api/v4/projects/"):
            return Answer(307, headers={"Location": f"{elsewhere.url}/{said}?token={said}"})
        if path.startswith("/api/v4/groups"):
            return json_answer(json.dumps({"error": f"bad {said}", "message": said}), 403)
        return json_answer("[]")

    return respond


def env_for(tmp_path: Path, url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
    env.update(
        GLTUI_CACHE_DIR=str(tmp_path / "cache"),
        GLTUI_DATA_DIR=str(tmp_path / "data"),
        GLTUI_CONFIG=str(tmp_path / "config.toml"),
        GITLAB_URL=url,
        GITLAB_TOKEN=token,
        COLUMNS="200",
    )
    return env


COMMANDS = [
    *(["report", "--format", name] for name in ("table", "json", "csv", "markdown", "openmetrics")),
    ["report", "--offline"],
    ["config", "check"],
    ["revoke", "--id", "1", "--yes"],
    ["create", "--template", "analytics-read", "--kind", "project", "--project", "a/b"],
    ["create", "--template", "analytics-read", "--kind", "personal"],
]


@pytest.mark.parametrize("token", [TOKEN, LEGACY], ids=["prefixed", "legacy"])
def test_no_mode_lets_an_echoed_token_out(hostile: Start, tmp_path: Path, token: str) -> None:
    elsewhere = hostile(lambda seen: json_answer("[]"))
    server = hostile(echoing(elsewhere))
    env = env_for(tmp_path, server.url, token)
    printed: dict[str, str] = {}
    for command in COMMANDS:
        log = tmp_path / f"log-{len(printed)}.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "gltui", "--log", str(log), *command],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert "Traceback" not in done.stderr, (command, done.stderr)
        printed[" ".join(command)] = done.stdout + done.stderr
    assert len(server.seen) > len(COMMANDS)  # the server was asked, and echoed
    assert "[redacted]" in printed["report --format json"]  # the echo came back, scrubbed
    assert elsewhere.seen == []
    files = {
        str(p): p.read_bytes().decode(errors="replace") for p in tmp_path.rglob("*") if p.is_file()
    }
    assert any("snapshot-" in name for name in files)
    for where, text in {**printed, **files}.items():
        assert token not in text, f"the token leaked into {where}"


async def test_the_dashboard_shows_no_echoed_token(
    hostile: Start, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    elsewhere = hostile(lambda seen: json_answer("[]"))
    server = hostile(echoing(elsewhere))
    log = RequestLog()
    engine = InventoryEngine(
        [InstanceSpec("echo", server.url, Secret(TOKEN))],
        cache=SnapshotCache(tmp_path / "cache"),
        history=History(tmp_path / "data"),
        request_log=log,
    )
    app = ObservedApp(engine, clock=fixed_clock, request_log=log)
    shots = []
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await refresh(pilot)
        shots.append(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        shots.append(app.export_screenshot())
        await pilot.press("escape", "at")
        await settle(pilot)
        shots.append(app.export_screenshot())  # notifications show as toasts here
    assert len(log.records()) == len(server.seen) > 0
    assert elsewhere.seen == []
    haystacks = {f"screen {i}": shot for i, shot in enumerate(shots)}
    haystacks["log records"] = caplog.text
    haystacks["api log"] = "\n".join(record.line() for record in log.records())
    for path in tmp_path.rglob("*"):
        if path.is_file():
            haystacks[str(path)] = path.read_bytes().decode(errors="replace")
    for where, text in haystacks.items():
        assert TOKEN not in text, f"the token leaked into {where}"
