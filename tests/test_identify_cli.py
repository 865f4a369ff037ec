"""``gltui identify`` as a subprocess against the sandbox, with a leak scan of everything
it writes: the value must appear nowhere but in the requests that needed it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from gltui.sandbox.server import RunningSandbox
from tests.conftest import call
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


def env_for(sandbox: RunningSandbox, tmp_path: Path, persona: str) -> dict[str, str]:
    token = getattr(sandbox.credentials, persona)
    return environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=token)


def assert_no_leak(value: str, tmp_path: Path, *outputs: subprocess.CompletedProcess[str]) -> None:
    """Not on stdout or stderr, and in no file gltui wrote (cache, data, logs)."""
    for done in outputs:
        assert value not in done.stdout
        assert value not in done.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path


def deploy_token(sandbox: RunningSandbox) -> tuple[int, str]:
    store = sandbox.store
    with store.lock:
        acme = next(g.id for g in store.groups.values() if g.path == "acme")
        token, value = store.add_deploy_token(
            ("group", acme), "leaked pull", ["read_repository"], None
        )
    return token.id, value


def test_a_pat_describes_itself(sandbox: RunningSandbox, tmp_path: Path) -> None:
    value = sandbox.credentials.developer
    log = tmp_path / "requests.log"
    env = env_for(sandbox, tmp_path, "maintainer")
    report = gltui("report", "--format", "json", env=env)  # a cached snapshot to match
    assert report.returncode == 0, report.stderr
    done = gltui("--log", str(log), "identify", "--json", env=env, stdin=value + "\n")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["found"]
    assert found["route"] == "self"
    assert found["kind"] == "personal"
    assert found["owner"] == "dev"
    assert found["active"] is True
    assert found["own"] is False
    assert found["scopes"] == ["api"]
    text = gltui("identify", env=env, stdin=value + "\n")
    assert text.returncode == 0
    assert "Found on" in text.stdout
    assert "kind" in text.stdout
    assert "personal_access_tokens/self" in log.read_text()  # the log exists and is scanned
    assert_no_leak(value, tmp_path, done, text, report)


def test_the_inventory_row_is_matched(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(sandbox, tmp_path, "admin")
    assert gltui("report", "--format", "json", env=env).returncode == 0
    done = gltui("identify", "--json", env=env, stdin=sandbox.credentials.developer + "\n")
    assert json.loads(done.stdout)["found"]["in_inventory"] is True


def test_a_value_on_argv_is_refused(sandbox: RunningSandbox, tmp_path: Path) -> None:
    value = sandbox.credentials.developer
    done = gltui("identify", value, env=env_for(sandbox, tmp_path, "maintainer"))
    assert done.returncode == 2
    assert "looks like a token" in done.stderr
    assert "stdin" in done.stderr
    assert_no_leak(value, tmp_path, done)
    assert call(sandbox.url, "GET", "/api/v4/user", token=value).status == 200  # nothing sent


def test_unknown_value_and_no_value(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = env_for(sandbox, tmp_path, "maintainer")
    unknown = "glpat-unknownunknownunk"
    done = gltui("identify", env=env, stdin=unknown + "\n")
    assert done.returncode == 1
    assert "Not found" in done.stdout
    assert_no_leak(unknown, tmp_path, done)
    assert gltui("identify", env=env, stdin="\n").returncode == 2


def test_deploy_token_needs_admin_rights(sandbox: RunningSandbox, tmp_path: Path) -> None:
    token_id, value = deploy_token(sandbox)
    plain = gltui("identify", "--json", env=env_for(sandbox, tmp_path, "maintainer"), stdin=value)
    assert plain.returncode == 1
    answer = json.loads(plain.stdout)
    assert answer["found"] is None
    assert any("administrator" in line for line in answer["advice"])
    admin = gltui("identify", "--json", env=env_for(sandbox, tmp_path, "admin"), stdin=value)
    assert admin.returncode == 0, admin.stderr
    found = json.loads(admin.stdout)["found"]
    assert (found["route"], found["kind"], found["id"]) == ("admin", "deploy", token_id)
    assert_no_leak(value, tmp_path, plain, admin)


def test_revoke_a_pat_by_itself_and_record_it(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = sandbox.store
    with store.lock:
        mara = next(u for u in store.users.values() if u.username == "mara")
        token, value = store.add_personal_token(
            mara.id, "pasted in chat", ["read_api"], date(2027, 1, 1)
        )
    env = env_for(sandbox, tmp_path, "readonly")
    refused = gltui("identify", "--revoke", env=env, stdin=value + "\n")
    assert refused.returncode == 2
    assert "not confirmed" in refused.stderr
    assert sandbox.store.pats[token.id].revoked is False
    done = gltui("identify", "--revoke", "--yes", "--json", env=env, stdin=value + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["revoked"] == {"route": "self", "verified": True, "detail": ""}
    assert sandbox.store.pats[token.id].revoked is True
    (line,) = (tmp_path / "data" / "revoked-by-value.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["event"] == "revoked by value"
    assert entry["id"] == token.id
    assert_no_leak(value, tmp_path, refused, done)


def test_admin_revokes_a_deploy_token(sandbox: RunningSandbox, tmp_path: Path) -> None:
    _, value = deploy_token(sandbox)
    env = env_for(sandbox, tmp_path, "admin")
    done = gltui("identify", "--revoke", "--yes", "--json", env=env, stdin=value)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["revoked"]["route"] == "admin"
    assert json.loads(done.stdout)["revoked"]["verified"] is True
    assert_no_leak(value, tmp_path, done)


def test_group_owner_revokes_an_unidentified_deploy_token(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    token_id, value = deploy_token(sandbox)
    env = env_for(sandbox, tmp_path, "maintainer")  # mara owns acme, is no admin
    done = gltui("identify", "--revoke", "--yes", env=env, stdin=value)
    assert done.returncode == 0, done.stderr
    assert "group acme" in done.stdout
    assert "verified" in done.stdout
    assert sandbox.store.deploy_tokens[token_id].revoked is True
    assert_no_leak(value, tmp_path, done)


def test_own_token_needs_the_stronger_confirmation(sandbox: RunningSandbox, tmp_path: Path) -> None:
    value = sandbox.credentials.maintainer
    env = env_for(sandbox, tmp_path, "maintainer")
    done = gltui("identify", "--revoke", "--yes", env=env, stdin=value)
    assert done.returncode == 2
    assert "gltui itself uses" in done.stderr
    assert "--including-own" in done.stderr
    assert call(sandbox.url, "GET", "/api/v4/user", token=value).status == 200
    assert_no_leak(value, tmp_path, done)
