"""``gltui report`` as a subprocess, against a sandbox over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.reviews import ReviewLog
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import client


def report(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", "report", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
    env.update(
        GLTUI_CACHE_DIR=str(tmp_path / "cache"),
        GLTUI_DATA_DIR=str(tmp_path / "data"),
        GLTUI_CONFIG=str(tmp_path / "config.toml"),
    )
    env.update(extra)
    return env


def test_json_report_then_offline(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer)
    done = report("--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # progress goes to a terminal only
    document = json.loads(done.stdout)
    assert document["schema"] == 1
    (instance,) = document["instances"]
    assert instance["name"] == "127.0.0.1"
    assert instance["status"] == "fresh"
    assert instance["user"] == {"username": "mara", "is_admin": False}
    states = [token["state"] for token in instance["tokens"]]
    totals = document["totals"]
    assert totals["revoked"] == states.count("revoked")
    assert totals["expired"] == states.count("expired")
    assert totals["expiring"] == states.count("expiring")
    assert totals["active"] == states.count("active") + states.count("expiring")
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in done.stdout
    sandbox.stop()  # offline must not need the network
    offline = report("--format", "json", "--offline", env=env)
    assert offline.returncode == 0, offline.stderr
    cached = json.loads(offline.stdout)["instances"][0]
    assert cached["status"] == "cached"
    assert len(cached["tokens"]) == len(instance["tokens"])


def test_table_report(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
    done = report(env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["INSTANCE", "KIND", "STATE", "EXPIRES"]
    assert "127.0.0.1: fresh, root (admin), GitLab 19.6.0-ee" in done.stdout
    assert lines[-1].startswith("Active ")
    assert "[bold red]not bold[/]" in done.stdout  # names are printed literally


def test_failed_instance_exits_1_with_advice(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.expired)
    done = report(env=env)
    assert done.returncode == 1
    assert "failed: the token has expired" in done.stdout
    assert "what to do: The token gltui uses has expired" in done.stdout
    assert "Traceback" not in done.stderr


def test_no_instance_and_bad_environment(tmp_path: Path) -> None:
    done = report(env=environment(tmp_path))
    assert done.returncode == 2
    assert "no instance configured yet" in done.stderr
    assert "set GITLAB_URL and GITLAB_TOKEN, or try --demo" in done.stderr
    done = report(env=environment(tmp_path, GITLAB_URL="gitlab.example.com", GITLAB_TOKEN="x"))
    assert done.returncode == 2
    assert "is not an http(s) URL" in done.stderr
    done = report(env=environment(tmp_path, GITLAB_URL="https://gitlab.example.com"))
    assert done.returncode == 2
    assert "GITLAB_TOKEN: is not set" in done.stderr


def test_offline_without_snapshot(tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL="https://gitlab.example.com", GITLAB_TOKEN="x")
    done = report("--offline", env=env)
    assert done.returncode == 1
    assert "no snapshot yet for gitlab.example.com" in done.stderr


def test_demo_report(tmp_path: Path) -> None:
    done = report("--demo", "--format", "json", env=environment(tmp_path))
    assert done.returncode == 0, done.stderr
    names = [i["name"] for i in json.loads(done.stdout)["instances"]]
    assert names == ["gitlab.com (sandbox)", "self-managed (sandbox)"]
    assert not any((tmp_path / "cache").glob("*"))  # the demo writes nothing of the user's


def test_formats_filters_and_fail_on(tmp_path: Path) -> None:
    # the real clock on both sides: the report classifies with today's date
    with RunningSandbox(SandboxOptions()) as sandbox:
        run_formats_filters_and_fail_on(sandbox, tmp_path)


def run_formats_filters_and_fail_on(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer)
    done = report("--format", "csv", "--state", "revoked", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("instance,kind,id,name,state")
    assert len(lines) > 1
    assert all(",revoked," in line for line in lines[1:])
    done = report(
        "--format", "openmetrics", "--expiring-within", "14d", "--fail-on", "expiring", env=env
    )
    assert done.returncode == 3  # something is expiring: cron can alert on it
    assert done.stdout.rstrip().endswith("# EOF")
    assert 'name="expires in 14 days"' in done.stdout
    assert 'name="expires in 15 days"' not in done.stdout
    done = report("--format", "markdown", "--kind", "deploy", "--fail-on", "expired", env=env)
    assert done.returncode == 3
    assert "| deploy |" in done.stdout
    done = report("--kind", "group", "--state", "active", "--fail-on", "expired", env=env)
    assert done.returncode == 0  # nothing expired among active group tokens
    done = report("--format", "json", "--flag", "never-used", env=env)
    assert done.returncode == 0, done.stderr
    tokens = json.loads(done.stdout)["instances"][0]["tokens"]
    assert tokens
    assert all("never-used" in token["flags"] for token in tokens)
    assert "never used" in {token["name"] for token in tokens}
    bad = report("--expiring-within", "soon", env=env)
    assert bad.returncode == 2
    assert "not a number of days" in bad.stderr


def test_since_last_review_across_two_snapshots(tmp_path: Path) -> None:
    """Refresh, sign a review off (with a token GitLab will stop listing), change the
    instance, refresh again: the report lists only what changed, vanished included."""
    with RunningSandbox(SandboxOptions()) as sandbox:
        env = environment(
            tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer
        )
        first = report("--format", "json", env=env)
        assert first.returncode == 0, first.stderr
        seen = SnapshotCache(tmp_path / "cache").load("127.0.0.1")
        assert seen is not None
        gone = Token(
            instance="127.0.0.1",
            kind=TokenKind.PROJECT,
            id=424_242,
            name="inactive bot",
            scopes=("read_api",),
            revoked=False,
            expires_at=None,
            resource=Resource(ResourceType.PROJECT, 1, "acme/legacy"),
        )
        ReviewLog(tmp_path / "data").sign_off(
            [*seen.tokens, gone], datetime.now(UTC), 14, {"tokens": len(seen.tokens) + 1}
        )
        gl = client(sandbox, "maintainer")
        victim = next(t for t in seen.tokens if t.kind is TokenKind.PROJECT and not t.revoked)
        project = gl.projects.get(victim.resource.id if victim.resource else 0, lazy=True)
        project.access_tokens.delete(victim.id)
        created = project.access_tokens.create(
            {
                "name": "fresh reader",
                "scopes": ["read_api"],
                "expires_at": (datetime.now(UTC) + timedelta(days=300)).date().isoformat(),
            }
        )

        done = report("--format", "json", "--since-last-review", env=env)
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        changes = {(c["change"], c["name"]) for c in document["since_last_review"]["changes"]}
        assert changes == {
            ("new", "fresh reader"),
            ("revoked", victim.name),
            ("vanished", "inactive bot"),
        }
        assert document["since_last_review"]["baseline"]["source"] == "review"
        listed = {t["id"] for t in document["instances"][0]["tokens"]}
        assert listed == {created.id, victim.id}  # only what changed
        assert created.token not in done.stdout  # the new secret never reaches a report

        table = report("--since-last-review", "--offline", env=env)
        assert table.returncode == 0, table.stderr
        assert "vanished: 127.0.0.1 project inactive bot (acme/legacy)" in table.stdout
        assert "1 new, 1 revoked, 1 vanished" in table.stdout
