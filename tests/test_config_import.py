"""``gltui config import`` and the config writer: python-gitlab's instances, nothing lost."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from gltui.config.load import load_config
from gltui.config.python_gitlab import candidate_paths, read_instances
from gltui.config.save import add_instances

PYTHON_GITLAB = """
[global]
default = work
ssl_verify = true

[work]
url = https://gitlab.example.com
private_token = glpat-aaaaaaaaaaaaaaaaaaaa
timeout = 7
ssl_verify = false

[home]
url = https://gitlab.com
private_token = helper: ~/bin/gitlab-token

[ci]
url = https://ci.example.com
job_token = whatever

[broken]
private_token = x
"""


def test_read_python_gitlab_sections(tmp_path: Path) -> None:
    source = tmp_path / "python-gitlab.cfg"
    source.write_text(PYTHON_GITLAB)
    tables, notes = read_instances(source)
    assert tables == [
        {
            "name": "work",
            "url": "https://gitlab.example.com",
            "token": "glpat-aaaaaaaaaaaaaaaaaaaa",
            "ssl_verify": False,
            "timeout": 7,
        },
        {
            "name": "home",
            "url": "https://gitlab.com",
            "token_command": [str(Path("~/bin/gitlab-token").expanduser())],
        },
    ]
    assert any("[ci]" in note and "skipped" in note for note in notes)
    assert any("[broken]" in note and "no url" in note for note in notes)
    assert not any("glpat-" in note for note in notes)


def test_candidate_paths_follow_python_gitlab(tmp_path: Path) -> None:
    paths = candidate_paths({"PYTHON_GITLAB_CFG": "/x/cfg", "XDG_CONFIG_HOME": "/xdg"}, tmp_path)
    assert paths == [
        Path("/x/cfg"),
        Path("/etc/python-gitlab.cfg"),
        tmp_path / ".python-gitlab.cfg",
        Path("/xdg/python-gitlab/config"),
    ]


def test_add_instances_keeps_what_the_user_wrote(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text(
        "[settings]\nexpiring_window_days = 21\n\n[[instances]]\nname = 'work'\n"
        "url = 'https://other.example'\ntoken_env = 'T'\n\n"
        "[templates.mine]\nscopes = ['read_api']\n"
    )
    added = add_instances(
        target,
        [
            {"name": "work", "url": "https://gitlab.example.com", "token_env": "W"},
            {"name": "again", "url": "https://other.example/", "token_env": "T"},  # same URL
        ],
    )
    assert added == ["work 2"]
    data = tomllib.loads(target.read_text())
    assert data["settings"] == {"expiring_window_days": 21}
    assert data["templates"] == {"mine": {"scopes": ["read_api"]}}
    assert [i["name"] for i in data["instances"]] == ["work", "work 2"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert (
        add_instances(
            target, [{"name": "x", "url": "https://gitlab.example.com", "token_env": "W"}]
        )
        == []
    )
    assert len(load_config(target, {}).instances) == 2  # still a valid configuration


def import_into(target: Path, source: Path) -> subprocess.CompletedProcess[str]:
    """``gltui --config TARGET config import --from SOURCE`` as a subprocess."""
    command = ["--config", str(target), "config", "import", "--from", str(source)]
    return subprocess.run(
        [sys.executable, "-m", "gltui", *command],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
        check=False,
    )


def test_cli_import(tmp_path: Path) -> None:
    source = tmp_path / "python-gitlab.cfg"
    source.write_text(PYTHON_GITLAB)
    target = tmp_path / "config.toml"
    done = import_into(target, source)
    assert done.returncode == 0, done.stderr
    assert "added to" in done.stdout
    assert "work, home" in done.stdout
    assert "glpat-" not in done.stdout + done.stderr
    names = [i.name for i in load_config(target, {}).instances]
    assert names == ["work", "home"]
    again = import_into(target, source)
    assert "nothing new" in again.stdout


def test_a_section_with_a_configured_url_is_skipped_with_the_reason(tmp_path: Path) -> None:
    source = tmp_path / "python-gitlab.cfg"
    source.write_text(
        "[a]\nurl = https://one.example\nprivate_token = x\n\n"
        "[b]\nurl = https://one.example/\nprivate_token = y\n\n"
        "[c]\nurl = https://two.example\nprivate_token = z\n"
    )
    config = tmp_path / "config.toml"
    config.write_text('[[instances]]\nname = "old"\nurl = "https://two.example"\ntoken_env = "T"\n')
    env = {**os.environ, "GLTUI_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-m", "gltui", "config", "import", "--from", str(source)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped 'b': https://one.example is already the section 'a' above" in done.stdout
    assert "skipped 'c': https://two.example is already the configured instance 'old'" in (
        done.stdout
    )
    assert "added to" in done.stdout
    assert [i.name for i in load_config(config, {"T": "t"}).instances] == ["old", "a"]
