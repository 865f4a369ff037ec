"""``gltui scan-local``: every well-known place in a fake HOME, no value ever shown, and
``--identify`` against the sandbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gltui.config.local_tokens import scan
from gltui.domain.stored_tokens import (
    parse_environment,
    parse_git_credentials,
    parse_glab,
    parse_gltui_config,
    parse_netrc,
    parse_python_gitlab,
)
from gltui.sandbox.server import RunningSandbox
from tests.test_identify_cli import assert_no_leak, gltui
from tests.test_report_cli import environment

GLAB = "glpat-glabglabglabglabglab1"
PYGL = "glpat-pythonpythonpython22"
OAUTH = "oauthvalueoauthvalue333"
CRED = "glpat-credcredcredcredcred4"
NETRC = "glpat-netrcnetrcnetrcnetrc5"
GLTUI = "glpat-gltuigltuigltuigltui6"
ENV = "glpat-envenvenvenvenvenven7"
OTHER = "glpat-otherotherotherother8"
GITHUB = "ghp_not_a_gitlab_password9"
ALL = (GLAB, PYGL, OAUTH, CRED, NETRC, GLTUI, ENV, OTHER, GITHUB)


def test_glab_hosts_and_tokens() -> None:
    text = (
        "git_protocol: ssh\n"
        "hosts:\n"
        "    gitlab.com:\n"
        "        api_protocol: https\n"
        f"        token: {GLAB}\n"
        "    git.example.org:\n"
        "        token: 'glpat-quotedquotedquoted'\n"
        "        user: me\n"
        "    empty.example.org:\n"
        "        token:\n"
    )
    found = parse_glab(text)
    assert [(f.where, f.host) for f in found] == [
        ("line 5 (token)", "gitlab.com"),
        ("line 7 (token)", "git.example.org"),
    ]
    assert found[0].value.reveal() == GLAB
    assert found[1].value.reveal() == "glpat-quotedquotedquoted"
    assert GLAB not in repr(found)


def test_python_gitlab_keys_and_url_after_token() -> None:
    text = (
        "[global]\ndefault = work\n"
        f"[work]\nprivate_token = {PYGL}\nurl = https://gitlab.work.example\n"
        f"[ci]\nurl = https://ci.example\njob_token: {OAUTH}\n"
        "[helper]\nurl = https://h.example\nprivate_token = helper: /bin/pass\n"
    )
    found = parse_python_gitlab(text)
    assert [(f.where, f.host) for f in found] == [
        ("line 4 ([work] private_token)", "gitlab.work.example"),
        ("line 8 ([ci] job_token)", "ci.example"),
    ]


def test_git_credentials_and_netrc() -> None:
    creds = parse_git_credentials(
        f"https://oauth2:{CRED}@gitlab.example.com\nnot a url\nhttps://nobody@h.example\n"
    )
    assert [(f.where, f.host, f.value.reveal()) for f in creds] == [
        ("line 1 (password)", "gitlab.example.com", CRED)
    ]
    netrc = parse_netrc(
        "# a comment password nope\n"
        "machine github.com login me password x\n"
        "macdef init\npassword inside-a-macro\n\n"
        f"machine gitlab.example.com\n  login me\n  password {NETRC}\n"
        "default login anon password anon\n"
    )
    assert [(f.where, f.host) for f in netrc] == [
        ("line 2 (password)", "github.com"),
        ("line 8 (password)", "gitlab.example.com"),
        ("line 9 (password)", None),
    ]
    assert netrc[1].value.reveal() == NETRC


def test_gltui_config_and_environment() -> None:
    text = (
        '[[instances]]\nname = "a"\nurl = "https://a.example"\n'
        f'token = "{GLTUI}"\n[[instances]]\nname = "b"\ntoken_env = "B"\n'
    )
    (found,) = parse_gltui_config(text)
    assert (found.where, found.host, found.value.reveal()) == ("line 4 (token)", "a.example", GLTUI)
    env = parse_environment(
        {"GITLAB_URL": "https://e.example", "GL_TOKEN": "old-unprefixed", "X": OTHER, "Y": "plain"}
    )
    assert [(f.where, f.host) for f in env] == [("$GL_TOKEN", "e.example"), ("$X", None)]


def fake_home(tmp_path: Path) -> Path:
    """Every place, each holding one token (and some things that are not GitLab's)."""
    home = tmp_path / "home"
    (home / ".config" / "glab-cli").mkdir(parents=True)
    (home / ".config" / "glab-cli" / "config.yml").write_text(
        f"hosts:\n  gitlab.com:\n    token: {GLAB}\n"
    )
    (home / ".python-gitlab.cfg").write_text(
        f"[work]\nurl = https://w.example\nprivate_token = {PYGL}\noauth_token = {OAUTH}\n"
    )
    (home / ".git-credentials").write_text(
        f"https://me:{GITHUB}@github.com\nhttps://me:{CRED}@gitlab.example.com\n"
    )
    (home / ".netrc").write_text(f"machine gitlab.example.com login me password {NETRC}\n")
    return home


def scan_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = environment(tmp_path, HOME=str(fake_home(tmp_path)), **extra)
    for name in ("XDG_CONFIG_HOME", "PYTHON_GITLAB_CFG", "GLAB_CONFIG_DIR", "NETRC"):
        env.pop(name, None)
    (tmp_path / "config.toml").write_text(
        f'[[instances]]\nname = "g"\nurl = "https://g.example"\ntoken = "{GLTUI}"\n'
    )
    return env


def test_every_place_listed_and_no_value_shown(tmp_path: Path) -> None:
    env = scan_env(tmp_path, GITLAB_TOKEN=ENV, SOMETHING=OTHER)
    done = gltui("scan-local", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "~/.config/glab-cli/config.yml line 3 (token) for gitlab.com: personal" in done.stdout
    assert "~/.python-gitlab.cfg line 3 ([work] private_token) for w.example" in done.stdout
    assert (
        "~/.python-gitlab.cfg line 4 ([work] oauth_token) for w.example: no GitLab" in done.stdout
    )
    assert "~/.git-credentials line 2 (password) for gitlab.example.com" in done.stdout
    assert "github.com" not in done.stdout  # not a GitLab token
    assert "~/.netrc line 1 (password) for gitlab.example.com" in done.stdout
    assert f"{tmp_path / 'config.toml'} line 4 (token) for g.example" in done.stdout
    assert any(line.startswith("environment $GITLAB_TOKEN") for line in lines)
    assert any(line.startswith("environment $SOMETHING") for line in lines)
    assert "--identify" in done.stdout
    as_json = gltui("scan-local", "--json", env=env)
    document = json.loads(as_json.stdout)
    assert len(document["rows"]) == 8
    assert document["identify"] is False
    assert all("identified" not in row for row in document["rows"])
    for value in ALL:
        assert_no_leak(value, tmp_path / "cache", done, as_json)
        assert_no_leak(value, tmp_path / "data", done, as_json)


def test_unreadable_places_are_one_line_each(tmp_path: Path) -> None:
    env = scan_env(tmp_path)
    home = Path(env["HOME"])
    (home / ".netrc").unlink()
    os.mkfifo(home / ".netrc")  # would block a naive open() for ever
    (home / ".git-credentials").write_bytes(b"\xff\xfe" + CRED.encode())
    (home / ".python-gitlab.cfg").write_bytes(b"x" * (2 << 20))
    done = gltui("scan-local", env=env)
    assert done.returncode == 0, done.stderr
    cannot = [line for line in done.stdout.splitlines() if line.startswith("Cannot read")]
    assert len(cannot) == 3, done.stdout
    assert "~/.netrc (netrc): is a FIFO (named pipe), not a regular file" in done.stdout
    assert "~/.git-credentials (git credentials): not UTF-8 text" in done.stdout
    assert "larger than 1 MiB" in done.stdout
    assert "gitlab.com: personal" in done.stdout  # the other places are still listed
    assert CRED not in done.stdout + done.stderr


def test_xdg_and_overrides(tmp_path: Path) -> None:
    home = tmp_path / "h"
    (tmp_path / "glab").mkdir()
    (tmp_path / "glab" / "config.yml").write_text(f"hosts:\n  x.example:\n    token: {GLAB}\n")
    (tmp_path / "n").write_text(f"machine gitlab.internal password {NETRC}\n")
    environ = {"GLAB_CONFIG_DIR": str(tmp_path / "glab"), "NETRC": str(tmp_path / "n")}
    result = scan(environ, home, tmp_path / "none.toml")
    assert [(row.place, row.found.host) for row in result.rows] == [
        (str(tmp_path / "glab" / "config.yml"), "x.example"),
        (str(tmp_path / "n"), "gitlab.internal"),
    ]
    (tmp_path / "n").write_text("machine intranet.example password hunter2\n")
    assert scan(environ, home, tmp_path / "none.toml").rows[1:] == []
    hosts = scan(environ, home, tmp_path / "none.toml", hosts=["intranet.example"])
    assert [row.found.host for row in hosts.rows[1:]] == ["intranet.example"]  # a configured host


def test_identify_with_consent(sandbox: RunningSandbox, tmp_path: Path) -> None:
    developer = sandbox.credentials.developer
    admin = sandbox.credentials.admin  # an admin's inventory holds dev's token too
    env = environment(
        tmp_path, HOME=str(tmp_path / "home"), GITLAB_URL=sandbox.url, GITLAB_TOKEN=admin
    )
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("NETRC", None)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".netrc").write_text(f"machine 127.0.0.1 login dev password {developer}\n")
    assert gltui("report", "--format", "json", env=env).returncode == 0  # a snapshot to link
    log = tmp_path / "requests.log"
    plain = gltui("--log", str(log), "scan-local", env=env)
    assert "not identified" not in plain.stdout
    assert "stored in" not in plain.stdout
    assert not log.exists() or log.read_text() == ""  # no consent: not a single request
    done = gltui("scan-local", "--identify", env=env)
    assert done.returncode == 0, done.stderr
    assert "updates its last-used time" in done.stderr
    assert "stored in ~/.netrc line 1 (password); expires" in done.stdout
    assert "of dev" in done.stdout
    assert "(password); expires in" in done.stdout
    assert ", in the inventory" in done.stdout
    assert "stored in environment $GITLAB_TOKEN" in done.stdout
    as_json = json.loads(gltui("scan-local", "--identify", "--json", env=env).stdout)
    netrc = next(row for row in as_json["rows"] if row["place"] == "~/.netrc")
    assert netrc["identified"]["owner"] == "dev"
    assert netrc["identified"]["in_inventory"] is True
    for written in (tmp_path / "cache", tmp_path / "data"):  # not the fake HOME's files
        assert_no_leak(developer, written, plain, done)
        assert_no_leak(admin, written, plain, done)
