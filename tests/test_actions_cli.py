"""``gltui revoke`` and ``gltui create`` as subprocesses against a real-clock sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import client
from tests.test_report_cli import environment


def gltui(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture
def live() -> Iterator[RunningSandbox]:
    """A sandbox on the real clock: the CLI computes expiries from today's date."""
    with RunningSandbox(SandboxOptions()) as sandbox:
        yield sandbox


def env_for(sandbox: RunningSandbox, tmp_path: Path, persona: str = "maintainer") -> dict[str, str]:
    token = getattr(sandbox.credentials, persona)
    return environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=token)


def pat_named(sandbox: RunningSandbox, name: str) -> dict[str, object]:
    rows = client(sandbox, "admin").personal_access_tokens.list(get_all=True)
    return next(t.attributes for t in rows if t.attributes["name"] == name)


def test_revoke_by_name_with_yes(live: RunningSandbox, tmp_path: Path) -> None:
    done = gltui("revoke", "--name", "k8s agent", "--yes", "--json", env=env_for(live, tmp_path))
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert result["name"] == "k8s agent"
    assert result["ok"] is True
    assert result["result"] == "revoked"
    assert pat_named(live, "k8s agent")["revoked"] is True


def test_revoke_asks_and_refuses_without_a_terminal(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path)
    done = gltui("revoke", "--name", "k8s agent", env=env, stdin="revoke\n")
    assert done.returncode == 2
    assert "add --yes" in done.stderr
    assert pat_named(live, "k8s agent")["revoked"] is False
    own = gltui("revoke", "--name", "gltui", "--yes", env=env)
    assert own.returncode == 2
    assert "--including-own" in own.stderr
    missing = gltui("revoke", "--id", "999999", "--yes", env=env)
    assert missing.returncode == 1
    assert "no token on this instance matches" in missing.stderr
    readonly = gltui("--readonly", "revoke", "--name", "k8s agent", "--yes", env=env)
    assert readonly.returncode == 2
    assert "read-only" in readonly.stderr
    assert pat_named(live, "k8s agent")["revoked"] is False


def test_revoke_refused_by_gitlab_exits_1(live: RunningSandbox, tmp_path: Path) -> None:
    done = gltui("revoke", "--name", "k8s agent", "--yes", env=env_for(live, tmp_path, "readonly"))
    assert done.returncode == 1
    assert done.stdout.startswith("FAILED\tpersonal\t")
    assert "lacks the api scope" in done.stdout


def test_create_prints_the_value_once_on_stdout_only(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path)
    done = gltui(
        "create", "--template", "jira-commits", "--project", "acme/website", "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    secret = created["token"]
    assert secret.startswith("glpat-")
    assert created["kind"] == "project"
    assert created["where"] == "acme/website"
    assert created["scopes"] == ["read_api"]
    assert secret not in done.stderr
    plain = gltui("create", "--template", "analytics-read", "--group", "acme", env=env)
    assert plain.returncode == 0, plain.stderr
    (value,) = plain.stdout.splitlines()
    assert value.startswith("glpat-")
    assert "shown once" in plain.stderr
    assert value not in plain.stderr
    for path in tmp_path.rglob("*"):  # nothing gltui wrote holds either value
        if path.is_file():
            text = path.read_text(errors="replace")
            assert secret not in text
            assert value not in text


def test_create_personal_as_non_admin_prints_the_form(tmp_path: Path) -> None:
    # GitLab 18 (before fine-grained tokens) lets a non-admin create no useful PAT over the API
    with RunningSandbox(SandboxOptions(version="18")) as live:
        env = env_for(live, tmp_path)
        done = gltui("create", "--template", "jira-commits", "--kind", "personal", env=env)
    assert done.returncode == 3
    assert done.stdout.strip() == (
        f"{live.url}/-/user_settings/personal_access_tokens?name=jira-commits&scopes=read_api"
    )
    assert "only administrators" in done.stderr


def test_create_mistakes_are_named(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path, "developer")
    above = gltui(  # mara is a Maintainer of platform/infra, not its Owner
        "create",
        "--template",
        "jira-commits",
        "--project",
        "platform/infra",
        "--role",
        "owner",
        env=env_for(live, tmp_path),
    )
    assert above.returncode == 1
    assert "role is higher than your own" in above.stderr
    assert above.stdout == ""
    unknown = gltui("create", "--template", "nope", env=env)
    assert unknown.returncode == 2
    assert "known: analytics-read" in unknown.stderr
    no_target = gltui("create", "--template", "jira-commits", "--kind", "project", env=env)
    assert no_target.returncode == 2
    assert "needs --project or --group" in no_target.stderr
    nowhere = gltui("create", "--template", "jira-commits", "--project", "no/such", env=env)
    assert nowhere.returncode == 1
    assert "no project 'no/such'" in nowhere.stderr
    bad_scope = gltui(
        "create", "--template", "analytics-read", "--kind", "deploy", "--project", "x/y", env=env
    )
    assert bad_scope.returncode == 2
    assert "kind" in bad_scope.stderr
