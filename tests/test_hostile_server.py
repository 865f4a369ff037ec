"""A hostile GitLab: what the server says is shown literally, never obeyed.

The server chooses its version string, the usernames, token names and scopes, and
its error messages. Here they carry terminal escapes (an OSC 52 clipboard write, a
title change, C1 controls), Rich markup and the caller's own token. The real
command line runs as a subprocess against the sandbox (``config check``, ``report``,
``revoke``, ``create``); none of those bytes may reach its stdout or stderr raw, the
escaped form must be there instead, and the echoed token must be redacted. The
dashboard is driven with Pilot: its instance line and its notifications must show
the same words literally.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gltui.domain.secret import Secret
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.faults import Fault
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from gltui.tui.widgets.instances_bar import InstancesBar
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import call, fixed_clock
from tests.driving import ObservedApp, ready
from tests.test_report_cli import environment

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
"""Write "evil" to the user's clipboard."""
TITLE = "\x1b]0;owned\x07"
"""Retitle the terminal window."""
C1 = "\x9b2J\x9d0;c1 title\x9c"
"""The same tricks with 8-bit controls: CSI (clear screen), OSC ... ST."""
VERSION = f"18.6.2{OSC52}{TITLE}{C1}"
USERNAME = f"mara{TITLE}[bold red]b[/] [@click=app.quit]q[/]"
SCOPE = f"read_api{OSC52}"
MARKUP_NAME = "[bold]quietly[/bold] [@click=app.quit]stay[/]"
RAW = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d")


def hostile_message(token: str) -> str:
    """An error message that echoes the caller's token between escape sequences."""
    return f"refused{OSC52} for {token}{C1}"


def gltui(*args: str, env: dict[str, str]) -> tuple[str, str, int]:
    """Run the real command line; stdout and stderr as text, after checking their bytes."""
    done = subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    for stream in (done.stdout, done.stderr):
        assert b"\x1b" not in stream
        assert b"\x07" not in stream
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    for text in (stdout, stderr):
        for control in RAW:  # C1 controls arrive UTF-8 encoded: look for the code points
            assert control not in text, (control, text)
        assert not any("\x80" <= ch <= "\x9f" for ch in text)
    return stdout, stderr, done.returncode


@pytest.fixture
def live() -> Iterator[RunningSandbox]:
    """A sandbox on the real clock (the command line computes expiries from today)."""
    with RunningSandbox(SandboxOptions()) as sandbox:
        yield sandbox


def lie_about_identity(sandbox: RunningSandbox) -> None:
    """``/metadata`` and ``/version`` answer VERSION; ``/user`` answers USERNAME."""
    faults = sandbox.app.faults
    for path in ("/api/v4/metadata", "/api/v4/version"):
        faults.add(Fault("rewrite", field="version", text=VERSION), path=path)
    faults.add(Fault("rewrite", field="username", text=USERNAME), path="/api/v4/user")


def env_for(sandbox: RunningSandbox, tmp_path: Path) -> dict[str, str]:
    token = sandbox.credentials.maintainer
    return environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=token)


def add_hostile_token(sandbox: RunningSandbox, name: str, *, revoked: bool = False) -> int:
    """A token of Mara's (the maintainer persona) with ``name``; returns its id."""
    with sandbox.store.lock:
        mara = next(u for u in sandbox.store.users.values() if u.username == "mara")
        token, _ = sandbox.store.add_personal_token(
            mara.id, name, ["read_api", SCOPE], date(2099, 1, 1), revoked=revoked
        )
        sandbox.store.changed()
    return token.id


def test_sandbox_rewrite_fault_plays_the_hostile_server(live: RunningSandbox) -> None:
    """The fault these tests rely on does what it says (and refuses to be half-given)."""
    lie_about_identity(live)
    token = live.credentials.maintainer
    assert call(live.url, "GET", "/api/v4/metadata", token=token).json()["version"] == VERSION
    assert call(live.url, "GET", "/api/v4/user", token=token).json()["username"] == USERNAME
    live.app.faults.add(Fault("status", status=422, text="said"), path="/api/v4/projects")
    reply = call(live.url, "GET", "/api/v4/projects", token=token)
    assert (reply.status, reply.json()) == (422, {"message": "said"})
    with pytest.raises(ValueError, match="names the field"):
        Fault("rewrite", field="version")


def test_config_check_prints_version_username_and_scopes_escaped(
    live: RunningSandbox, tmp_path: Path
) -> None:
    lie_about_identity(live)
    with live.store.lock:
        own = live.store.find_by_secret(live.credentials.maintainer)
        assert own is not None
        own.scopes = [*own.scopes, SCOPE]
    stdout, _, _ = gltui("config", "check", env=env_for(live, tmp_path))
    assert "GitLab 18.6.2\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;owned\\x07\\x9b2J" in stdout
    assert "signed in as mara\\x1b]0;owned\\x07[bold red]b[/]" in stdout
    assert "read_api\\x1b]52;c;ZXZpbA==\\x07" in stdout


def test_config_check_scrubs_and_escapes_a_refusal(live: RunningSandbox, tmp_path: Path) -> None:
    token = live.credentials.maintainer
    live.app.faults.add(Fault("status", status=422, text=hostile_message(token)), path="/user")
    stdout, stderr, code = gltui("config", "check", env=env_for(live, tmp_path))
    assert code == 1
    assert token not in stdout + stderr
    assert "refused\\x1b]52;c;ZXZpbA==\\x07 for [redacted]\\x9b2J" in stdout


def test_report_table_escapes_what_the_server_says(live: RunningSandbox, tmp_path: Path) -> None:
    lie_about_identity(live)
    add_hostile_token(live, f"deploy{OSC52}{C1}")
    stdout, _, code = gltui("report", env=env_for(live, tmp_path))
    assert code == 0
    assert "deploy\\x1b]52;c;ZXZpbA==\\x07\\x9b2J" in stdout
    assert "GitLab 18.6.2\\x1b]52;c;" in stdout


def test_revoke_escapes_and_scrubs_gitlab_refusals(live: RunningSandbox, tmp_path: Path) -> None:
    env, token = env_for(live, tmp_path), live.credentials.maintainer
    target = add_hostile_token(live, f"ci{TITLE}{C1}")
    live.app.faults.add(
        Fault("status", status=422, text=hostile_message(token)), method="DELETE", times=1
    )
    stdout, stderr, code = gltui("revoke", "--id", str(target), "--yes", env=env)
    assert code == 1
    assert f"ci\\x1b]0;owned\\x07\\x9b2J\\x9d0;c1 title\\x9c (#{target})" in stderr
    assert stdout.startswith("FAILED\tpersonal\t")
    assert "refused\\x1b]52;c;ZXZpbA==\\x07 for [redacted]" in stdout
    assert token not in stdout + stderr
    # a refusal before any token is listed: the walk's failure, said on stderr
    live.app.faults.add(Fault("status", status=422, text=hostile_message(token)), path="/user")
    stdout, stderr, code = gltui("revoke", "--id", str(target), "--yes", env=env)
    assert code == 1
    assert "refused\\x1b]52;c;ZXZpbA==\\x07 for [redacted]" in stderr
    assert token not in stdout + stderr


def test_create_escapes_and_scrubs_gitlab_refusals(live: RunningSandbox, tmp_path: Path) -> None:
    lie_about_identity(live)
    token = live.credentials.maintainer
    live.app.faults.add(
        Fault("status", status=422, text=hostile_message(token)),
        method="POST",
        path="access_tokens",
    )
    stdout, stderr, code = gltui(
        "create",
        "--template",
        "jira-commits",
        "--project",
        "acme/website",
        env=env_for(live, tmp_path),
    )
    assert code == 1
    assert stdout == ""
    assert "gltui create: " in stderr
    assert "refused\\x1b]52;c;ZXZpbA==\\x07 for [redacted]\\x9b2J" in stderr
    assert token not in stderr


def hostile_app(sandbox: RunningSandbox) -> ObservedApp:
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    return ObservedApp(InventoryEngine([spec]), clock=fixed_clock)


async def test_the_instance_line_shows_version_and_username_escaped(
    sandbox: RunningSandbox,
) -> None:
    lie_about_identity(sandbox)
    app = hostile_app(sandbox)
    async with app.run_test(size=(200, 30)) as pilot:
        await ready(pilot)
        line = str(app.screen.query_one(InstancesBar).render())
        assert "GitLab 18.6.2\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;owned\\x07\\x9b2J" in line
        assert "mara\\x1b]0;owned\\x07[bold red]b[/] [@click=app.quit]q[/]" in line
        assert not any(control in line for control in RAW)


async def test_notifications_show_markup_in_names_literally(sandbox: RunningSandbox) -> None:
    add_hostile_token(sandbox, MARKUP_NAME, revoked=True)
    app = hostile_app(sandbox)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"quietly", "enter")
        await pilot.pause()
        rows = app.dashboard.query_one(TokenTable).rows
        assert [row.token.name for row in rows] == [MARKUP_NAME]
        await pilot.press("d")  # a revoked token: "Already revoked: ..." as a notification
        await app.seen.until("a notification", lambda: bool(app.seen.notifications))
        await pilot.pause()  # the toast is mounted on the screen
        (toast,) = app.screen.query("Toast")  # Textual's toast widget, found by its type name
        assert MARKUP_NAME in str(toast.render())  # the text as shown: markup not obeyed
        assert app.is_running  # the [@click=app.quit] in the name did nothing


def test_create_prints_a_hostile_token_value_escaped(live: RunningSandbox, tmp_path: Path) -> None:
    """A real token is printable ASCII (printed as it is); a "value" with escapes is not."""
    live.app.faults.add(
        Fault("rewrite", field="token", text=f"glpat-made{OSC52}"),
        method="POST",
        path="access_tokens",
    )
    args = ("create", "--template", "jira-commits", "--project", "acme/website")
    stdout, _, code = gltui(*args, env=env_for(live, tmp_path))
    assert code == 0
    assert stdout == "glpat-made\\x1b]52;c;ZXZpbA==\\x07\n"
