"""``gltui create`` and ``gltui config check`` with fine-grained tokens, as subprocesses
against sandboxes on the real clock (19.6, and 18 for the web form)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import client
from tests.test_actions_cli import gltui
from tests.test_report_cli import environment

TEMPLATES = """
[templates.ci-reader]
title = "CI job reader"
scopes = ["read_api"]
read_only = true
granular_note = "jobs of the chosen project, and who the account is"

[[templates.ci-reader.granular_scopes]]
access = "selected_memberships"
permissions = ["read_job"]

[[templates.ci-reader.granular_scopes]]
access = "user"
permissions = ["read_user"]

[templates.typo]
granular_scopes = [{ access = "user", permissions = ["read_jobz"] }]
"""


@pytest.fixture
def current() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxOptions(version="19.6")) as sandbox:
        yield sandbox


def env_for(sandbox: RunningSandbox, tmp_path: Path, persona: str = "maintainer") -> dict[str, str]:
    (tmp_path / "config.toml").write_text(TEMPLATES)
    token = getattr(sandbox.credentials, persona)
    return environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=token)


def test_a_user_creates_a_fine_grained_token_and_sees_its_value_once(
    current: RunningSandbox, tmp_path: Path
) -> None:
    env = env_for(current, tmp_path)
    done = gltui(
        "create", "--template", "ci-reader", "--kind", "personal", "--project", "acme/website",
        "--json", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["kind"] == "personal"
    assert created["token"].startswith("glpat-")
    assert created["token"] not in done.stderr
    record = client(current, "admin").personal_access_tokens.get(created["id"]).attributes
    assert record["granular"] is True
    permissions = {entry["access"]: entry["permissions"] for entry in record["granular_scopes"]}
    assert permissions == {"selected_memberships": ["read_job"], "user": ["read_user"]}


def test_fine_grained_needs_the_project_it_reaches(current: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(current, tmp_path)
    done = gltui("create", "--template", "ci-reader", "--kind", "personal", env=env)
    assert done.returncode == 2
    assert "choose the project or group the fine-grained token may reach" in done.stderr
    legacy = gltui("create", "--template", "ci-reader", "--kind", "personal", "--legacy", env=env)
    assert legacy.returncode == 3  # the legacy token: GitLab's form, as before
    assert legacy.stdout.strip().endswith("personal_access_tokens?name=ci-reader&scopes=read_api")


def test_gitlabs_refusal_of_a_permission_is_said(current: RunningSandbox, tmp_path: Path) -> None:
    done = gltui("create", "--template", "typo", env=env_for(current, tmp_path))
    assert done.returncode == 1
    assert "GitLab refused a permission or boundary of the fine-grained token" in done.stderr
    assert done.stdout == ""


def test_before_19_2_the_form_stays(tmp_path: Path) -> None:
    with RunningSandbox(SandboxOptions(version="18")) as old:
        env = env_for(old, tmp_path)
        form = gltui("create", "--template", "ci-reader", "--kind", "personal", env=env)
        asked = gltui(
            "create", "--template", "ci-reader", "--fine-grained", "--project", "acme/website",
            env=env,
        )  # fmt: skip
    assert form.returncode == 3
    assert form.stdout.strip() == (
        f"{old.url}/-/user_settings/personal_access_tokens?name=ci-reader&scopes=read_api"
    )
    assert asked.returncode == 1
    assert "need GitLab 19.2 or later" in asked.stderr
    assert "--legacy makes a legacy token" in asked.stderr


def test_config_check_on_a_read_only_fine_grained_token(
    current: RunningSandbox, tmp_path: Path
) -> None:
    done = gltui("config", "check", env=env_for(current, tmp_path, "fine_grained"))
    assert done.returncode == 0, done.stdout
    assert "fine-grained: " in done.stdout
    assert "problem:" not in done.stdout  # it reads everything gltui lists
    (acting,) = [line for line in done.stdout.splitlines() if "lacks for acting" in line]
    for permission in ("revoke_personal_access_token", "delete_deploy_token"):
        assert permission in acting
    create = gltui(
        "create", "--template", "ci-reader", "--kind", "personal", "--project", "acme/website",
        env=env_for(current, tmp_path, "fine_grained"),
    )  # fmt: skip
    assert create.returncode == 1
    assert "create_user_personal_access_token" in create.stderr
