"""Every hand-off target kind's prepare, write and verify, against the sandbox over HTTP
(python-gitlab through gltui's guarded client) and real processes and files."""

from __future__ import annotations

import os
import select
import stat
import sys
import time
from pathlib import Path

import pytest

from gltui.actions.handoff.writers import KEYRING_MISSING, TargetFailed, Writers
from gltui.domain.handoff import (
    CommandTarget,
    GlabTarget,
    KeyringTarget,
    PythonGitlabTarget,
    ci_variable,
)
from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, ResourceType, Token, TokenKind
from gltui.sandbox.server import RunningSandbox
from tests.conftest import SandboxFactory, client
from tests.handoff_helpers import (
    NEW_VALUE,
    FakeKeyring,
    api,
    fake_keyring,
    read_from,
    store_into,
    token_value,
    variable,
)

__all__ = ["fake_keyring"]  # the fixture, imported for pytest

VALUE = Secret(NEW_VALUE)
PROJECT, GROUP = ResourceType.PROJECT, ResourceType.GROUP


def old_token(token_id: int = 1) -> Token:
    return Token(
        "work",
        TokenKind.PERSONAL,
        token_id,
        "renovate",
        ("api",),
        False,
        None,
        owner=Owner(2, "mara"),
    )


def writers(sandbox: RunningSandbox, persona: str = "maintainer", **options: object) -> Writers:
    return Writers(api(sandbox, persona), old_token(), sandbox.url, **options)  # type: ignore[arg-type]


# --- CI/CD variables ---------------------------------------------------------------------


def test_a_protected_masked_variable_is_updated_keeping_its_settings(
    sandbox: RunningSandbox,
) -> None:
    before = variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")
    target = ci_variable(PROJECT, "acme/backend/worker", "RENOVATE_TOKEN")
    write = writers(sandbox)
    assert write.prepare(target) == "exists (masked, protected)"
    assert write.write(target, VALUE) == "updated"
    check = write.verify(target, VALUE)
    assert (check.verified, check.note) == (True, "reads back equal")
    after = variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")
    assert after["value"] == NEW_VALUE
    assert {k: v for k, v in after.items() if k != "value"} == {
        k: v for k, v in before.items() if k != "value"
    }


def test_a_hidden_variable_is_written_but_not_verifiable(sandbox: RunningSandbox) -> None:
    target = ci_variable(PROJECT, "acme/website", "DEPLOY_BOT_TOKEN")
    write = writers(sandbox)
    assert "hidden" in write.prepare(target)
    write.write(target, VALUE)
    check = write.verify(target, VALUE)
    assert (check.verified, check.note) == (None, "written, not verifiable (hidden)")
    with sandbox.store.lock:  # GitLab never shows it again; the server holds it
        (row,) = [v for v in sandbox.store.variables.rows.values() if v.key == "DEPLOY_BOT_TOKEN"]
        assert row.value == NEW_VALUE
        assert row.hidden
        assert row.masked


def test_a_missing_variable_is_created_only_when_asked(sandbox: RunningSandbox) -> None:
    write = writers(sandbox)
    missing = ci_variable(PROJECT, "acme/backend/worker", "NEW_TOKEN", "production")
    with pytest.raises(TargetFailed) as refused:
        write.prepare(missing)
    assert refused.value.message == (
        "project acme/backend/worker has no variable NEW_TOKEN in scope production; gltui "
        "creates one only when asked (create = true, or --create-missing)"
    )
    wanted = ci_variable(PROJECT, "acme/backend/worker", "NEW_TOKEN", "production", create=True)
    assert write.prepare(wanted) == "missing: gltui creates it"
    assert write.write(wanted, VALUE) == "created"
    assert write.verify(wanted, VALUE).verified is True
    made = variable(sandbox, "acme/backend/worker", "NEW_TOKEN", "production")
    assert (made["masked"], made["protected"], made["environment_scope"]) == (
        True,
        False,
        "production",
    )


def test_one_environment_scope_is_written_and_the_other_kept(sandbox: RunningSandbox) -> None:
    staging = variable(sandbox, "acme/backend/api", "JIRA_TOKEN", "staging")["value"]
    target = ci_variable(PROJECT, "acme/backend/api", "JIRA_TOKEN", "production")
    write = writers(sandbox)
    write.prepare(target)
    write.write(target, VALUE)
    assert write.verify(target, VALUE).verified is True
    assert variable(sandbox, "acme/backend/api", "JIRA_TOKEN", "production")["value"] == NEW_VALUE
    assert variable(sandbox, "acme/backend/api", "JIRA_TOKEN", "staging")["value"] == staging


def test_roles_gitlab_requires_are_named(sandbox: RunningSandbox) -> None:
    write = writers(sandbox)
    with pytest.raises(TargetFailed, match="needs the Owner role"):  # Mara maintains platform
        write.prepare(ci_variable(GROUP, "platform", "AUDIT_TOKEN"))
    group = ci_variable(GROUP, "acme", "GROUP_CI_TOKEN")
    write.prepare(group)
    write.write(group, VALUE)
    assert write.verify(group, VALUE).verified is True
    developer = writers(sandbox, "developer")
    with pytest.raises(TargetFailed, match="needs the Maintainer role"):
        developer.prepare(ci_variable(PROJECT, "acme/backend/worker", "RENOVATE_TOKEN"))
    with pytest.raises(TargetFailed, match="no project no/such that you can see"):
        write.prepare(ci_variable(PROJECT, "no/such", "KEY"))


def test_a_variable_changed_meanwhile_fails_verification(sandbox: RunningSandbox) -> None:
    target = ci_variable(PROJECT, "acme/backend/worker", "QUEUE_ADMIN_TOKEN")
    write = writers(sandbox)
    write.prepare(target)
    write.write(target, VALUE)
    project = client(sandbox, "admin").projects.get("acme/backend/worker")
    project.variables.update("QUEUE_ADMIN_TOKEN", {"value": "someone-else-wrote-this"})
    check = write.verify(target, VALUE)
    assert check.verified is False
    assert "reads back a different value" in check.note
    assert NEW_VALUE not in check.note


# --- store commands ------------------------------------------------------------------------


def test_a_store_command_gets_the_value_on_stdin_and_reads_it_back(tmp_path: Path) -> None:
    stored = tmp_path / "stored"
    target = CommandTarget(tuple(store_into(stored)), tuple(read_from(stored)))
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    assert write.prepare(target) == "ready"
    assert write.write(target, VALUE) == "stored"
    assert stored.read_text() == NEW_VALUE + "\n"
    assert write.verify(target, VALUE).verified is True
    unverifiable = CommandTarget(tuple(store_into(stored)))
    check = write.verify(unverifiable, VALUE)
    assert (check.verified, check.note) == (None, "written, not verifiable (no read_back command)")


def test_a_store_command_that_fails_is_named_without_the_value() -> None:
    script = 'echo "store refused $(cat)" >&2; exit 3'
    target = CommandTarget(("sh", "-c", script))
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(TargetFailed) as failed:
        write.write(target, VALUE)
    assert failed.value.message == "command 'sh' exited with code 3: store refused [redacted]"
    with pytest.raises(TargetFailed, match="command 'no-such-store' was not found"):
        write.prepare(CommandTarget(("no-such-store", "insert")))


def test_a_store_command_that_hangs_is_killed_with_its_children_at_its_bound(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "child"
    script = f"sleep 60 & echo $! > {pidfile}; wait"  # a child that holds the pipes too
    target = CommandTarget(("sh", "-c", script), timeout=1.0)
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(TargetFailed) as failed:
        write.write(target, VALUE)
    assert failed.value.message == "command 'sh' gave no answer in 1 s; stopped it"
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    try:
        handle = os.pidfd_open(child)
    except ProcessLookupError:
        return  # gone and reaped already
    try:  # readable once the process has ended (an event, not a sleep)
        assert select.select([handle], [], [], 10)[0], "the store command's child survived"
    finally:
        os.close(handle)


def test_a_store_that_exits_0_but_reads_back_something_else_fails_verification(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("glpat-an-older-value-00000000\n")
    target = CommandTarget(tuple(store_into(tmp_path / "stored")), tuple(read_from(elsewhere)))
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    write.write(target, VALUE)
    check = write.verify(target, VALUE)
    assert check.verified is False
    assert check.note == "read_back reads back a different value (changed meanwhile?)"


# --- the keyring -------------------------------------------------------------------------


def test_the_keyring_holds_the_value_and_says_when_it_does_not(fake_keyring: FakeKeyring) -> None:
    target = KeyringTarget("gitlab", "renovate")
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    assert write.prepare(target) == "ready"
    write.write(target, VALUE)
    assert fake_keyring.stored[("gitlab", "renovate")] == NEW_VALUE
    assert write.verify(target, VALUE).verified is True
    fake_keyring.drops = True  # a backend that accepts and forgets
    fake_keyring.stored.clear()
    write.write(target, VALUE)
    assert write.verify(target, VALUE).verified is False
    fake_keyring.refuses = True
    with pytest.raises(TargetFailed, match="the keyring refused: KeyringError"):
        write.prepare(target)


def test_without_the_keyring_package_the_target_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    write = Writers(None, old_token(), "http://127.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(TargetFailed) as missing:
        write.prepare(KeyringTarget("gitlab", "renovate"))
    assert missing.value.message == KEYRING_MISSING


# --- glab's and python-gitlab's files ----------------------------------------------------------

GLAB = """\
# glab's own file: every byte but the token stays
git_protocol: ssh
hosts:
    gitlab.com:
        token: glpat-someone-elses-token-000
        api_host: gitlab.com
    127.0.0.1:
        token: {value}   # written by glab auth login
        api_protocol: http
        user: mara
"""


def _local(sandbox: RunningSandbox, home: Path) -> tuple[Writers, str, int]:
    """Writers for Mara's renovate token, whose value glab or python-gitlab holds."""
    old_value = token_value(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")
    port = api(sandbox)
    old_id = port.describe_by_value(Secret(old_value))["id"]
    environ = {"XDG_CONFIG_HOME": str(home / ".config")}
    write = Writers(port, old_token(old_id), sandbox.url, environ=environ, home=home)
    return write, old_value, old_id


def test_glabs_entry_is_rewritten_in_place_keeping_every_other_byte_and_the_mode(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    write, old_value, _ = _local(sandbox, tmp_path)
    config = tmp_path / ".config" / "glab-cli" / "config.yml"
    config.parent.mkdir(parents=True)
    config.write_text(GLAB.format(value=old_value))
    config.chmod(0o640)
    target = GlabTarget("127.0.0.1")
    assert write.prepare(target) == "found in ~/.config/glab-cli/config.yml"
    assert old_value not in repr(write)  # the file it read holds tokens
    write.write(target, VALUE)
    assert config.read_text() == GLAB.format(value=NEW_VALUE)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    assert write.verify(target, VALUE).verified is True
    assert [p.name for p in config.parent.iterdir()] == ["config.yml"]  # no temporary left


def test_a_local_file_holding_another_token_is_not_overwritten(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    write, _, old_id = _local(sandbox, tmp_path)
    config = tmp_path / ".config" / "glab-cli" / "config.yml"
    config.parent.mkdir(parents=True)
    original = GLAB.format(value=sandbox.credentials.developer)
    config.write_text(original)
    with pytest.raises(TargetFailed, match=rf"holds another token \(#\d+\), not #{old_id}"):
        write.prepare(GlabTarget("127.0.0.1"))
    with pytest.raises(TargetFailed, match=r"glab has no token for gitlab\.example\.com"):
        write.prepare(GlabTarget("gitlab.example.com"))
    with pytest.raises(TargetFailed, match=r"names gitlab\.com there, not this instance"):
        write.prepare(GlabTarget("gitlab.com"))
    assert config.read_text() == original


def test_python_gitlabs_section_is_rewritten_in_place(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    write, old_value, _ = _local(sandbox, tmp_path)
    config = tmp_path / ".python-gitlab.cfg"
    text = (
        "[global]\ndefault = work\n\n; the work instance\n[work]\n"
        f"url = {sandbox.url}\nprivate_token = {old_value}\napi_version = 4\n\n"
        "[helped]\nurl = https://gitlab.example.com\nprivate_token = helper: /usr/bin/pass-gl\n"
    )
    config.write_text(text)
    config.chmod(0o600)
    target = PythonGitlabTarget("work")
    write.prepare(target)
    write.write(target, VALUE)
    assert config.read_text() == text.replace(old_value, NEW_VALUE)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert write.verify(target, VALUE).verified is True
    with pytest.raises(TargetFailed, match="helper command"):
        write.prepare(PythonGitlabTarget("helped"))
    with pytest.raises(TargetFailed, match=r"no private_token in \[absent\]"):
        write.prepare(PythonGitlabTarget("absent"))


def test_a_group_variable_scope_an_old_gitlab_ignores_is_refused(
    make_sandbox: SandboxFactory,
) -> None:
    old_gitlab = make_sandbox(version="16.5.0")  # group routes ignore filter before 16.9
    write = writers(old_gitlab)
    with pytest.raises(TargetFailed, match="an update would change the wrong variable"):
        write.prepare(ci_variable(GROUP, "acme/backend", "RELEASE_TOKEN", "*"))
    exact = ci_variable(GROUP, "acme/backend", "RELEASE_TOKEN", "release/*")
    write.prepare(exact)
    write.write(exact, VALUE)
    assert write.verify(exact, VALUE).verified is True
