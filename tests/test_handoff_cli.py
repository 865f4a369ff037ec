"""``gltui rotate`` and ``gltui replace`` as subprocesses against a real-clock sandbox:
exit codes per outcome, ``--json``, the value only with ``--print-value`` and then
once on stdout, remembered targets, and what is refused before anything changes."""

from __future__ import annotations

import json
import stat
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gltui.sandbox.server import RunningSandbox
from tests.conftest import client
from tests.handoff_helpers import read_from, store_into, variable
from tests.test_actions_cli import gltui, live
from tests.test_report_cli import environment

__all__ = ["live"]  # the fixture, imported for pytest

CI = "ci:acme/backend/worker:RENOVATE_TOKEN"


def setup(
    sandbox: RunningSandbox, tmp_path: Path, extra: str = "", persona: str = "maintainer"
) -> dict[str, str]:
    """A config naming the sandbox ``work`` (and ``extra`` tables), and the environment."""
    config = tmp_path / "config.toml"
    config.write_text(
        f"[[instances]]\nname = 'work'\nurl = '{sandbox.url}'\ntoken_env = 'WORK_TOKEN'\n{extra}"
    )
    config.chmod(0o600)
    return environment(
        tmp_path, WORK_TOKEN=getattr(sandbox.credentials, persona), HOME=str(tmp_path / "home")
    )


def everything_written(tmp_path: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace") for path in tmp_path.rglob("*") if path.is_file()
    )


def test_rotate_hands_off_and_reports_each_target_as_json(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    log = tmp_path / "api.log"
    done = gltui(
        "--log",
        str(log),
        "rotate",
        "--name",
        "renovate",
        "--target",
        CI,
        "--yes",
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "done"
    assert result["mode"] == "rotate"
    assert result["old_revoked"] is True
    assert result["signs_in"] == {"verified": True, "note": "signs in"}
    today = datetime.now(UTC).date()
    assert result["new"]["expires_at"] == (today + timedelta(days=90)).isoformat()
    assert result["targets"] == [
        {
            "kind": "ci_variable",
            "where": "CI variable RENOVATE_TOKEN of project acme/backend/worker (scope *)",
            "written": True,
            "verified": True,
            "error": None,
            "note": "updated; reads back equal",
        }
    ]
    assert "token" not in result
    value = variable(live, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
    assert value.startswith("glpat-")
    assert value not in done.stdout
    assert value not in done.stderr
    assert log.stat().st_size > 0
    assert value not in everything_written(tmp_path)  # log, config, history, records


def test_the_value_is_printed_once_on_stdout_only_when_asked(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    done = gltui("rotate", "--name", "renovate", "--target", CI, "--yes", "--print-value", env=env)
    assert done.returncode == 0, done.stderr
    value = variable(live, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
    assert done.stdout == value + "\n"  # alone: TOKEN=$(gltui rotate ...) is safe
    assert value not in done.stderr
    assert "ok\tci_variable\tCI variable RENOVATE_TOKEN" in done.stderr
    again = gltui(
        "rotate",
        "--name",
        "renovate",
        "--target",
        CI,
        "--yes",
        "--json",
        "--print-value",
        env=env,
    )
    assert again.returncode == 0, again.stderr
    document = json.loads(again.stdout)
    newer = variable(live, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
    assert document["token"] == newer
    assert again.stdout.count(newer) == 1
    assert newer not in again.stderr


def test_a_remembered_target_that_reads_back_something_else_exits_4(
    live: RunningSandbox, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("glpat-an-older-value-00000000\n")
    command = json.dumps(store_into(tmp_path / "stored"))
    read_back = json.dumps(read_from(elsewhere))
    env = setup(
        live,
        tmp_path,
        "[[handoffs]]\ninstance = 'work'\ntoken = 'personal:mara:renovate'\n"
        f"[[handoffs.targets]]\ncommand = {command}\nread_back = {read_back}\n",
    )
    done = gltui("rotate", "--name", "renovate", "--yes", env=env)
    assert done.returncode == 4, done.stderr
    assert done.stdout.startswith("MISMATCH\tcommand\tcommand sh -c")
    assert "1 of 1 targets read back something else" in done.stderr
    assert "the new value was not printed" in done.stderr
    stored = (tmp_path / "stored").read_text().strip()
    assert stored.startswith("glpat-")
    assert stored not in done.stdout + done.stderr


def test_replace_with_a_failing_target_keeps_the_old_token_and_exits_3(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    project = client(live, "admin").projects.get("acme/backend/worker")
    (old,) = [t for t in project.access_tokens.list(get_all=True) if t.name == "queue admin"]
    done = gltui(
        "replace",
        "--name",
        "queue admin",
        "--target",
        "ci:acme/backend/worker:QUEUE_ADMIN_TOKEN",
        "--target",
        "command:sh -c 'cat >/dev/null; exit 5'",
        "--yes",
        "--json",
        env=env,
    )
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "target_failed"
    assert result["old_kept"] is True
    assert [(t["kind"], t["written"], t["error"]) for t in result["targets"]] == [
        ("ci_variable", True, None),
        ("command", False, "command 'sh' exited with code 5"),
    ]
    states = {t.id: t.revoked for t in project.access_tokens.list(get_all=True)}
    assert states[old.id] is False  # it still serves
    pending = tmp_path / "data" / "pending-replacements.json"
    assert f"personal_access_token:{old.id}" in pending.read_text()
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert "pending replacement" in done.stderr


def test_a_target_that_cannot_take_the_value_changes_nothing(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    admin = client(live, "admin")
    before = {t.id: t.revoked for t in admin.personal_access_tokens.list(get_all=True)}
    done = gltui(
        "rotate",
        "--name",
        "renovate",
        "--target",
        "ci:acme/backend/worker:NOPE",
        "--yes",
        env=env,
    )
    assert done.returncode == 3
    assert done.stdout.startswith("FAILED\tci_variable\t")
    assert "gltui creates one only when asked" in done.stdout
    assert "nothing changed" in done.stderr
    after = {t.id: t.revoked for t in admin.personal_access_tokens.list(get_all=True)}
    assert after == before


def test_gitlab_refusing_exits_1(live: RunningSandbox, tmp_path: Path) -> None:
    env = setup(live, tmp_path, persona="readonly")
    done = gltui("rotate", "--name", "k8s agent", "--target", "command:cat", "--yes", env=env)
    assert done.returncode == 1, done.stderr
    assert "GitLab refused" in done.stderr
    assert "nothing changed" in done.stderr


def test_bad_usage_exits_2_and_changes_nothing(live: RunningSandbox, tmp_path: Path) -> None:
    env = setup(live, tmp_path)
    admin = client(live, "admin")
    before = {t.id: t.revoked for t in admin.personal_access_tokens.list(get_all=True)}
    nowhere = gltui("rotate", "--name", "renovate", "--yes", env=env)
    assert nowhere.returncode == 2
    assert "no target to hand the new value to" in nowhere.stderr
    bad = gltui("rotate", "--name", "renovate", "--target", "ci:acme", "--yes", env=env)
    assert bad.returncode == 2
    assert "--target: write ci:PATH:KEY or ci:PATH:KEY:SCOPE" in bad.stderr
    secret = live.credentials.developer
    leaked = gltui(
        "rotate", "--name", "renovate", "--target", f"command:echo {secret}", "--yes", env=env
    )
    assert leaked.returncode == 2
    assert "looks like it holds a token" in leaked.stderr
    assert secret not in leaked.stderr + leaked.stdout
    unconfirmed = gltui("rotate", "--name", "renovate", "--target", CI, env=env)
    assert unconfirmed.returncode == 2
    assert "add --yes" in unconfirmed.stderr
    own = gltui("rotate", "--name", "gltui", "--target", CI, "--yes", env=env)
    assert own.returncode == 2
    assert "the token gltui signs in with" in own.stderr
    after = {t.id: t.revoked for t in admin.personal_access_tokens.list(get_all=True)}
    assert after == before


def test_remember_adds_the_given_targets_to_the_config(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    done = gltui("rotate", "--name", "renovate", "--target", CI, "--remember", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    config = tmp_path / "config.toml"
    saved = tomllib.loads(config.read_text())
    assert saved["handoffs"] == [
        {
            "instance": "work",
            "token": "personal:mara:renovate",
            "targets": [
                {
                    "ci_variable": {
                        "project": "acme/backend/worker",
                        "key": "RENOVATE_TOKEN",
                        "environment_scope": "*",
                    }
                }
            ],
        }
    ]
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    again = gltui("rotate", "--name", "renovate", "--yes", "--json", env=env)  # remembered
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["targets"][0]["verified"] is True


def test_help_names_the_exit_codes() -> None:
    for command in ("rotate", "replace"):
        done = gltui(command, "--help", env=environment(Path("/nonexistent")))
        assert done.returncode == 0
        text = " ".join(done.stdout.split())
        assert "3 a target could not be written" in text
        assert "4 written, but a target read back something else" in text
