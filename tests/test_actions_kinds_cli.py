"""``gltui revoke`` and ``gltui create`` for the kinds of issue 15, as subprocesses against a
real-clock sandbox: triggers revoke, runners are refused (GitLab would delete the runner),
and a group's service account gets a token from a template with ``--account``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import client
from tests.test_actions_cli import env_for, gltui


@pytest.fixture
def live() -> Iterator[RunningSandbox]:
    """A sandbox on the real clock: the CLI computes expiries from today's date."""
    with RunningSandbox(SandboxOptions()) as sandbox:
        yield sandbox


def acme_account(sandbox: RunningSandbox) -> tuple[int, str]:
    (bot,) = client(sandbox, "maintainer").groups.get("acme").service_accounts.list()
    return bot.id, bot.username


def test_a_trigger_is_revoked_by_kind_and_name(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path)
    done = gltui("revoke", "--kind", "trigger", "--name", "old hook", "--yes", "--json", env=env)
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert (result["kind"], result["name"], result["ok"]) == ("trigger", "old hook", True)
    assert result["where"] == "acme/website"
    triggers = client(live, "maintainer").projects.get("acme/website").triggers.list(get_all=True)
    assert "old hook" not in {t.description for t in triggers}


def test_agent_and_service_account_tokens_are_revoked_as_the_walk_found_them(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = env_for(live, tmp_path)
    agent = gltui("revoke", "--kind", "cluster_agent", "--name", "secondary", "--yes", env=env)
    assert agent.returncode == 0, agent.stderr
    assert agent.stdout.startswith("revoked\tcluster_agent\t")
    bot = ("revoke", "--kind", "service_account", "--name", "release (next)", "--yes", "--json")
    done = gltui(*bot, env=env)
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert (result["where"], result["ok"]) == ("acme", True)
    user_id, _ = acme_account(live)
    listed = client(live, "maintainer").http_list(
        f"/groups/acme/service_accounts/{user_id}/personal_access_tokens", get_all=True
    )
    assert isinstance(listed, list)
    assert next(t for t in listed if t["name"] == "release (next)")["revoked"] is True


def test_a_runner_is_never_revoked(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path)
    done = gltui("revoke", "--kind", "runner", "--name", "website docker", "--yes", env=env)
    assert done.returncode == 2
    assert "revoke is not available for runners" in done.stderr
    assert "Reset its token instead" in done.stderr
    assert done.stdout == ""
    found = client(live, "maintainer").http_list("/runners", get_all=True)
    assert isinstance(found, list)
    assert "website docker" in {r["description"] for r in found}  # nothing was deleted


def test_create_a_token_for_a_groups_service_account(live: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(live, tmp_path)
    user_id, username = acme_account(live)
    common = ("create", "--template", "jira-commits", "--kind", "service_account")
    missing = gltui(*common, "--group", "acme", env=env)
    assert missing.returncode == 2
    assert "needs --account" in missing.stderr
    assert f"{username} (#{user_id})" in missing.stderr
    unknown = gltui(*common, "--group", "acme", "--account", "nobody", env=env)
    assert unknown.returncode == 2
    assert "has no service account 'nobody'" in unknown.stderr
    done = gltui(*common, "--group", "acme", "--account", username, "--json", env=env)
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["kind"] == "service_account"
    assert made["where"] == "acme"
    assert made["scopes"] == ["read_api"]
    assert made["token"].startswith("glpat-")
    by_id = gltui(*common, "--group", "acme", "--account", str(user_id), env=env)
    assert by_id.returncode == 0, by_id.stderr
    assert by_id.stdout.strip().startswith("glpat-")  # the value alone on stdout
    assert by_id.stdout.strip() not in by_id.stderr
    listed = client(live, "maintainer").http_list(
        f"/groups/acme/service_accounts/{user_id}/personal_access_tokens", get_all=True
    )
    assert isinstance(listed, list)
    assert made["id"] in {t["id"] for t in listed}


def test_a_developer_cannot_list_the_accounts(live: RunningSandbox, tmp_path: Path) -> None:
    done = gltui(
        "create",
        "--template",
        "jira-commits",
        "--kind",
        "service_account",
        "--group",
        "acme",
        "--account",
        "x",
        env=env_for(live, tmp_path, "developer"),
    )
    assert done.returncode == 1
    assert "needs the Owner role there" in done.stderr
