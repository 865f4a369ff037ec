"""The command line, run as a user runs it: a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import gitlab

from gltui import __version__

GLTUI = Path(sys.executable).parent / "gltui"


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_console_script_is_installed() -> None:
    done = subprocess.run([str(GLTUI), "--version"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, f"gltui {__version__}")


def test_help_lists_the_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "demo" in done.stdout
    assert "sandbox" in done.stdout


def test_sandbox_prints_its_json_line_fast_and_serves() -> None:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "gltui", "sandbox", "--port", "0", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.monotonic() - started
        contract = json.loads(line)
        assert elapsed < 2.0, f"JSON line took {elapsed:.2f}s"
        assert contract["url"].startswith("http://127.0.0.1:")
        assert contract["version"] == "19.6.0-ee"
        assert set(contract["tokens"]) == {
            "admin",
            "maintainer",
            "developer",
            "readonly",
            "expired",
            "revoked",
            "fine_grained",  # since 19.2: a read-only fine-grained token
        }
        gl = gitlab.Gitlab(contract["url"], private_token=contract["tokens"]["readonly"])
        assert gl.personal_access_tokens.get("self").scopes == ["read_api"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_sandbox_ctrl_c_exits_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gltui", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    json.loads(process.stdout.readline())
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stderr == ""


def test_sandbox_options_are_applied() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gltui", "sandbox", "--version", "16", "--scale", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        contract = json.loads(process.stdout.readline())
        assert contract["version"] == "16.11.10-ee"
        gl = gitlab.Gitlab(contract["url"], private_token=contract["tokens"]["maintainer"])
        assert len(gl.projects.list(get_all=True, min_access_level=40)) > 40
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_sandbox_bad_options_get_one_line() -> None:
    for args, fragment in (
        (["--version", "9.1"], "version '9.1' is not X.Y.Z"),
        (["--scale", "huge"], "scale must be small, large or a number"),
    ):
        done = run("sandbox", *args)
        assert done.returncode == 2
        assert fragment in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    done = run("sandbox", "--fail-rate", "2")
    assert done.returncode == 2
    assert "must be between 0 and 1" in done.stderr


def test_sandbox_port_in_use() -> None:
    first = subprocess.Popen(
        [sys.executable, "-m", "gltui", "sandbox"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout is not None
        port = json.loads(first.stdout.readline())["url"].rsplit(":", 1)[1]
        done = run("sandbox", "--port", port)
        assert done.returncode == 1
        assert f"cannot listen on port {port}" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        first.terminate()
        first.communicate(timeout=10)


def test_dashboard_without_an_instance_explains_what_to_do() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITLAB_")}
    done = subprocess.run(
        [sys.executable, "-m", "gltui"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "no instance configured yet. Add one to" in done.stderr
    assert "set GITLAB_URL and GITLAB_TOKEN" in done.stderr
    assert "gltui demo" in done.stderr
