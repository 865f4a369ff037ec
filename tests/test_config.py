"""The configuration file: every shape it may take, every mistake named precisely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gltui.config.load import config_path, load_config
from gltui.config.model import ConfigError, TokenSource
from gltui.config.secrets import TokenSourceError, resolve_token
from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import TokenKind
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.wiring.specs import instance_spec
from tests.conftest import NOW

FULL = """
[settings]
expiring_window_days = 30
stale_after_days = 60
theme = "gruvbox"

[settings.keys]
refresh = "f5"

[[instances]]
name = "work"
url = "https://gitlab.example.com/"
token_env = "WORK_TOKEN"
timeout = 5
concurrency = 4
readonly = true
colour = "#ff8700"
kinds = ["personal", "project"]
groups = ["acme"]
projects = ["platform/infra"]

[[instances]]
name = "home"
url = "https://gitlab.com"
token_command = ["pass", "show", "gitlab/home"]

[templates.grafana]
title = "Grafana"
kinds = ["personal"]
scopes = ["read_api"]
lifetime_days = 90
read_only = true
"""


W = "[[instances]]\nname = 'w'\nurl = 'https://g.example'\n"
"""The start of a minimal instance table, for the cases below."""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_full_example(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), {})
    assert config.settings.expiring_window_days == 30
    assert config.settings.theme == "gruvbox"
    assert config.settings.keys == (("refresh", "f5"),)
    work, home = config.instances
    assert work.url == "https://gitlab.example.com"
    assert work.token == TokenSource(env="WORK_TOKEN")
    assert (work.timeout, work.concurrency, work.readonly) == (5.0, 4, True)
    assert work.kinds == frozenset({TokenKind.PERSONAL, TokenKind.PROJECT})
    assert (work.groups, work.projects) == (("acme",), ("platform/infra",))
    assert home.token.command == ("pass", "show", "gitlab/home")
    assert [t.id for t in config.templates] == ["grafana"]
    assert config.warnings == ()


def test_absent_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nothing.toml", {})
    assert config.instances == ()


def test_path_precedence(tmp_path: Path) -> None:
    assert config_path("/x/given.toml", {"GLTUI_CONFIG": "/y/env.toml"}) == Path("/x/given.toml")
    assert config_path(None, {"GLTUI_CONFIG": "/y/env.toml"}) == Path("/y/env.toml")
    assert config_path(None, {}).name == "config.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[instances]]\nname = 'a'\nurl = \n",
            "not valid TOML: Invalid value (at line 3, column 7)",
        ),
        ("[setings]\n", "setings: unknown key; did you mean 'settings'?"),
        (
            "[settings]\nexpiring_window_day = 3\n",
            "settings.expiring_window_day: unknown key; did you mean",
        ),
        (
            "[settings]\nexpiring_window_days = 0\n",
            "settings.expiring_window_days: must be a whole number from 1 to 3650 (days)",
        ),
        ("[settings]\nexpiring_window_days = 'x'\n", "must be a whole number from 1"),
        ("instances = 3\n", "instances: must be an array of tables"),
        (
            "[[instances]]\nurl = 'https://g.example'\ntoken_env = 'T'\n",
            "instances[0].name: is required",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'gitlab.example.com'\ntoken_env = 'T'\n",
            "instances[0] (w).url: 'gitlab.example.com' is not an http(s) URL",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'https://g.example/api/v4'\ntoken_env = 'T'\n",
            "without /api/v4",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'https://g.example'\n",
            "say where the token comes from",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'https://g.example'\ntoken_env = 'T'\ntoken = 'x'\n",
            "choose one token source, not token_env and token",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'https://g.example'\ntokn_env = 'T'\n",
            "instances[0].tokn_env: unknown key; did you mean 'token_env'?",
        ),
        (
            W + "token_env = 'T'\nkinds = ['robot']\n",
            "unknown kind 'robot'",
        ),
        (
            W + "token_env = 'T'\nssl_verify = '/no/ca.pem'\n",
            "CA bundle '/no/ca.pem' does not exist",
        ),
        (
            W + "token_env = 'T'\nconcurrency = 0\n",
            "concurrency: must be a whole number from 1 to 64",
        ),
        (
            "[[instances]]\nname = 'w'\nurl = 'https://a.example'\ntoken_env = 'T'\n"
            "[[instances]]\nname = 'w'\nurl = 'https://b.example'\ntoken_env = 'T'\n",
            "two instances are named 'w'",
        ),
        (
            "[templates.t]\nscopes = ['read_user']\nkinds = ['project']\n",
            "templates.t.scopes: project access tokens cannot hold 'read_user'",
        ),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"name = '\xff'\n")
    with pytest.raises(ConfigError, match="is not UTF-8"):
        load_config(path, {})


def test_environment_adds_an_instance(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, FULL), {"GITLAB_URL": "https://git.example.org/", "GITLAB_TOKEN": "x"}
    )
    assert [i.name for i in config.instances] == ["work", "home", "git.example.org"]
    assert config.instances[-1].token == TokenSource(env="GITLAB_TOKEN")
    same = load_config(
        write(tmp_path, FULL), {"GITLAB_URL": "https://gitlab.com", "GITLAB_TOKEN": "x"}
    )
    assert len(same.instances) == 2  # already configured: not added twice
    with pytest.raises(ConfigError, match="GITLAB_TOKEN: is not set"):
        load_config(tmp_path / "absent.toml", {"GITLAB_URL": "https://g.example"})


def test_inline_token_readable_by_others_warns(tmp_path: Path) -> None:
    text = W + "token = 'glpat-abcdefabcdefabcdef12'\n"
    loud = load_config(write(tmp_path, text, 0o644), {})
    assert len(loud.warnings) == 1
    assert "chmod 600" in loud.warnings[0]
    assert "glpat-" not in loud.warnings[0]
    assert "glpat-" not in repr(loud)
    quiet = load_config(write(tmp_path, text, 0o600), {})
    assert quiet.warnings == ()


def test_token_from_environment() -> None:
    assert resolve_token(TokenSource(env="T"), {"T": " glpat-x \n"}).reveal() == "glpat-x"
    with pytest.raises(TokenSourceError, match="T is not set or empty"):
        resolve_token(TokenSource(env="T"), {})


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_token_from_a_command() -> None:
    assert (
        resolve_token(TokenSource(command=python("print('glpat-fromcmd\\nsecond')"))).reveal()
        == "glpat-fromcmd"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (python("import sys; print('glpat-leaky'); sys.exit(3)"), "failed with exit code 3"),
        (python("pass"), "printed nothing"),
        (("no-such-password-manager",), "'no-such-password-manager' was not found"),
    ],
)
def test_token_command_failures(command: tuple[str, ...], message: str) -> None:
    with pytest.raises(TokenSourceError, match=message) as caught:
        resolve_token(TokenSource(command=command))
    assert "glpat-" not in str(caught.value)


def test_token_command_timeout() -> None:
    with pytest.raises(TokenSourceError, match=r"no answer in 0\.3 s"):
        resolve_token(TokenSource(command=python("import time; time.sleep(5)")), timeout=0.3)


def test_a_missing_token_fails_its_instance_only(sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, f"[[instances]]\nname = 'w'\nurl = '{sandbox.url}'\ntoken_env = 'NOPE'\n"),
        {},
    )
    spec = instance_spec(config.instances[0], {})
    inventory = walk_instance(spec, NOW)
    assert inventory.failure is not None
    assert inventory.failure.kind is FailureKind.NO_TOKEN
    assert "NOPE is not set" in inventory.failure.message
    assert "gltui config check" in inventory.failure.advice


def gltui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_cli_config_path(tmp_path: Path) -> None:
    done = gltui("--config", str(tmp_path / "mine.toml"), "config", "path")
    assert (done.returncode, done.stdout.strip()) == (0, str(tmp_path / "mine.toml"))


def test_cli_config_check(sandbox: RunningSandbox, tmp_path: Path) -> None:
    text = f"""
[[instances]]
name = "work"
url = "{sandbox.url}"
token_env = "WORK_TOKEN"

[[instances]]
name = "ro"
url = "{sandbox.url}"
token_env = "RO_TOKEN"
readonly = true

[[instances]]
name = "admin"
url = "{sandbox.url}"
token_env = "ADMIN_TOKEN"
"""
    env = dict(
        os.environ,
        WORK_TOKEN=sandbox.credentials.maintainer,
        RO_TOKEN=sandbox.credentials.readonly,
        ADMIN_TOKEN=sandbox.credentials.admin,
    )
    done = gltui("--config", str(write(tmp_path, text)), "config", "check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ work" in done.stdout
    assert "signed in as mara, GitLab 19.6.0-ee" in done.stdout
    assert "token 'gltui': api; expires" in done.stdout
    assert "✓ admin" in done.stdout
    assert "more than gltui needs" in done.stdout  # admin_mode
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in done.stdout + done.stderr
    env["WORK_TOKEN"] = sandbox.credentials.expired
    done = gltui("--config", str(write(tmp_path, text)), "config", "check", env=env)
    assert done.returncode == 1
    assert "✗ work" in done.stdout
    assert "what to do: The token gltui uses has expired" in done.stdout


def test_cli_broken_config_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[[instances]\n")
    for args in (("config", "check"), ("report",)):
        done = gltui("--config", str(path), *args)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
        assert f"{path}: not valid TOML" in done.stderr
        assert "Traceback" not in done.stderr


def test_report_reads_the_config(sandbox: RunningSandbox, tmp_path: Path) -> None:
    text = (
        f"[[instances]]\nname = 'work'\nurl = '{sandbox.url}'\n"
        "token_env = 'WORK_TOKEN'\nkinds = ['personal']\n"
    )
    env = dict(os.environ, WORK_TOKEN=sandbox.credentials.maintainer)
    done = gltui("--config", str(write(tmp_path, text)), "report", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    (instance,) = json.loads(done.stdout)["instances"]
    assert instance["name"] == "work"
    assert {token["kind"] for token in instance["tokens"]} == {"personal"}


def test_secret_type_never_shows_itself() -> None:
    assert "abc" not in repr(Secret("abc"))
    assert "abc" not in f"{Secret('abc')}"


def test_the_readme_example_is_a_valid_configuration(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    config = load_config(
        write(tmp_path, example.replace("/etc/ssl/certs/work-ca.pem", str(ca))), {}
    )
    assert [i.name for i in config.instances] == ["work", "gitlab.com"]
    assert config.settings.keys == (("refresh", "f5"),)
    assert [t.id for t in config.templates] == ["grafana"]


def test_keyring_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    config = load_config(write(tmp_path, W + "token_keyring = ['gitlab', 'work']\n"), {})
    source = config.instances[0].token
    assert source.keyring == ("gitlab", "work")
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    with pytest.raises(TokenSourceError, match=r"pip install 'gltui\[keyring\]'"):
        resolve_token(source)

    class KeyringError(Exception):
        pass

    stored = {("gitlab", "work"): "glpat-from-the-keyring-0"}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: stored.get((service, user))  # type: ignore[attr-defined]
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = KeyringError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    assert resolve_token(source).reveal() == "glpat-from-the-keyring-0"
    with pytest.raises(TokenSourceError, match="no entry gitlab/home"):
        resolve_token(TokenSource(keyring=("gitlab", "home")))


def test_keyring_entry_shape(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"must be \[service, username\]"):
        load_config(write(tmp_path, W + "token_keyring = ['gitlab']\n"), {})


def test_an_instance_colour_reaches_the_dashboard_and_a_bad_one_is_refused(
    tmp_path: Path,
) -> None:
    from gltui.config.load import load_config
    from gltui.config.model import ConfigError
    from gltui.tui.dashboard_state import PALETTE, DashboardState
    from gltui.wiring.specs import instance_specs

    path = tmp_path / "config.toml"
    path.write_text(
        '[[instances]]\nname = "a"\nurl = "https://a.example"\ntoken_env = "T"\ncolour = "#f80"\n'
        '[[instances]]\nname = "b"\nurl = "https://b.example"\ntoken_env = "T"\n'
    )
    state = DashboardState(instance_specs(load_config(path, {"T": "t"}), {"T": "t"}), 14)
    assert state.colour_of(0) == "#f80"
    assert state.colour_of(1) == PALETTE[1]
    path.write_text(
        '[[instances]]\nname = "a"\nurl = "https://a.example"\ntoken_env = "T"\n'
        'colour = "reddish"\n'
    )
    with pytest.raises(ConfigError, match="colour"):
        load_config(path, {"T": "t"})
