"""Hand-off targets as data: the config's ``[[handoffs]]`` (every mistake named by its
place), ``--target`` specs, the key that survives rotation, and remembering targets."""

from __future__ import annotations

import stat
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from gltui.actions.handoff.targets import offer_for, remember, targets_for
from gltui.config.handoffs import remember_targets
from gltui.config.load import load_config
from gltui.config.model import ConfigError
from gltui.domain.errors import ValidationError
from gltui.domain.handoff import (
    CiVariableTarget,
    CommandTarget,
    GlabTarget,
    Handoff,
    KeyringTarget,
    PythonGitlabTarget,
    ci_variable,
    describe_target,
    handoff_key,
    merged,
    parse_target,
    parse_target_spec,
    place_of,
    target_table,
)
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind

W = "[[instances]]\nname = 'work'\nurl = 'https://gitlab.example.com'\ntoken_env = 'T'\n"
FULL = (
    W
    + """
[settings]
rotation_days = 60

[[handoffs]]
instance = "work"
token = "project:acme/renovate:renovate"

[[handoffs.targets]]
ci_variable = { project = "acme/backend/worker", key = "RENOVATE_TOKEN", environment_scope = "*" }

[[handoffs.targets]]
ci_variable.group = "acme"
ci_variable.key = "GROUP_TOKEN"
ci_variable.environment_scope = "release/*"
ci_variable.create = true
ci_variable.protected = true

[[handoffs.targets]]
command = ["pass", "insert", "-m", "gitlab/renovate"]
read_back = ["pass", "show", "gitlab/renovate"]
timeout = 60

[[handoffs.targets]]
keyring = ["gitlab", "renovate"]

[[handoffs.targets]]
glab = "gitlab.example.com"

[[handoffs.targets]]
python_gitlab = "work"
"""
)
EXPECTED = (
    CiVariableTarget(ResourceType.PROJECT, "acme/backend/worker", "RENOVATE_TOKEN"),
    CiVariableTarget(
        ResourceType.GROUP, "acme", "GROUP_TOKEN", "release/*", create=True, protected=True
    ),
    CommandTarget(
        ("pass", "insert", "-m", "gitlab/renovate"), ("pass", "show", "gitlab/renovate"), 60.0
    ),
    KeyringTarget("gitlab", "renovate"),
    GlabTarget("gitlab.example.com"),
    PythonGitlabTarget("work"),
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def project_token(token_id: int = 7, name: str = "renovate") -> Token:
    return Token(
        "work",
        TokenKind.PROJECT,
        token_id,
        name,
        ("api",),
        False,
        None,
        owner=Owner(99, "project_5_bot_x"),
        resource=Resource(ResourceType.PROJECT, 5, "acme/renovate"),
    )


def test_every_target_kind_is_read_from_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), {})
    assert config.settings.rotation_days == 60
    (handoff,) = config.handoffs
    assert handoff == Handoff("work", "project:acme/renovate:renovate", EXPECTED)
    assert config.warnings == ()
    for target in EXPECTED:  # what gltui writes back, it reads back the same
        assert parse_target(target_table(target)) == target
    assert [describe_target(t) for t in EXPECTED] == [
        "CI variable RENOVATE_TOKEN of project acme/backend/worker (scope *)",
        "CI variable GROUP_TOKEN of group acme (scope release/*)",
        "command pass insert -m gitlab/renovate",
        "keyring gitlab/renovate",
        "glab's config (gitlab.example.com)",
        "python-gitlab's config [work]",
    ]
    assert load_config(write(tmp_path, W), {}).settings.rotation_days == 90


@pytest.mark.parametrize(
    ("table", "where", "message"),
    [
        (
            "ci_variable = { project = 'a/b' }",
            "handoffs[0].targets[0].ci_variable.key",
            "non-empty",
        ),
        (
            "ci_variable = { project = 'a/b', key = 'BAD-KEY' }",
            "handoffs[0].targets[0].ci_variable.key",
            "not a variable key",
        ),
        (
            "ci_variable = { project = 'a/b', group = 'a', key = 'K' }",
            "handoffs[0].targets[0].ci_variable",
            "exactly one of project or group",
        ),
        (
            "ci_variable = { project = 'a/b', key = 'K', scope = '*' }",
            "handoffs[0].targets[0].ci_variable.scope",
            "unknown key",
        ),
        (
            "ci_variable = { project = 'a/b', key = 'K', create = 'yes' }",
            "handoffs[0].targets[0].ci_variable.create",
            "true or false",
        ),
        ("command = 'pass insert x'", "handoffs[0].targets[0].command", "a command as a list"),
        ("command = ['cat']\ntimeout = 0", "handoffs[0].targets[0].timeout", "from 1 to 600"),
        ("command = ['cat']\ntimeout = nan", "handoffs[0].targets[0].timeout", "from 1 to 600"),
        ("keyring = ['gitlab']", "handoffs[0].targets[0].keyring", "[service, username]"),
        ("glab = 'h'\nread_back = ['x']", "handoffs[0].targets[0].read_back", "only a command"),
        ("glab = 'h'\nkeyring = ['a', 'b']", "handoffs[0].targets[0]", "not keyring and glab"),
        ("vault = 'x'", "handoffs[0].targets[0].vault", "unknown key"),
    ],
)
def test_a_bad_target_is_named_by_its_place(
    tmp_path: Path, table: str, where: str, message: str
) -> None:
    text = (
        W
        + "[[handoffs]]\ninstance = 'work'\ntoken = 'personal:mara:x'\n"
        + f"[[handoffs.targets]]\n{table}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), {})
    assert caught.value.where == where
    assert message in caught.value.message


def test_handoff_tables_themselves_are_checked(tmp_path: Path) -> None:
    base = "[[handoffs]]\ninstance = 'work'\ntoken = '{token}'\n"
    with pytest.raises(ConfigError, match=r"handoffs\[0\]\.token: 'renovate' is not kind:place"):
        load_config(write(tmp_path, W + base.format(token="renovate")), {})
    twice = base.format(token="personal:mara:x") * 2
    with pytest.raises(ConfigError, match=r"already in handoffs\[0\]"):
        load_config(write(tmp_path, W + twice), {})
    with pytest.raises(ConfigError, match=r"handoffs\[0\]\.where: unknown key"):
        load_config(write(tmp_path, W + base.format(token="personal:m:x") + "where = 1\n"), {})
    elsewhere = load_config(
        write(tmp_path, W + base.format(token="personal:m:x").replace("'work'", "'home'")), {}
    )
    assert "no instance is named 'home'; its targets are unused" in elsewhere.warnings[0]


def test_target_specs_as_the_command_line_writes_them() -> None:
    assert parse_target_spec("ci:acme/app:TOKEN") == ci_variable(
        ResourceType.PROJECT, "acme/app", "TOKEN"
    )
    assert parse_target_spec("ci-group:acme:TOKEN:production", create=True) == ci_variable(
        ResourceType.GROUP, "acme", "TOKEN", "production", create=True
    )
    assert parse_target_spec("command:vault kv put secret/gl 'token=-'") == CommandTarget(
        ("vault", "kv", "put", "secret/gl", "token=-")
    )
    assert parse_target_spec("keyring:gitlab:ci") == KeyringTarget("gitlab", "ci")
    assert parse_target_spec("glab:gitlab.com") == GlabTarget("gitlab.com")
    assert parse_target_spec("python-gitlab:work") == PythonGitlabTarget("work")
    for bad, said in (
        ("ci:acme", "write ci:PATH:KEY"),
        ("ci:acme:KEY:a:b", "write ci:PATH:KEY"),
        ("command:", "write command:ARGV"),
        ("command:'unclosed", "cannot split"),
        ("keyring:gitlab", "keyring:SERVICE:USERNAME"),
        ("s3:bucket", "is not a target"),
        ("ci:acme app:KEY", "is not a project path"),
    ):
        with pytest.raises(ValidationError, match=said):
            parse_target_spec(bad)


def test_the_key_survives_rotation_and_names_kind_place_and_name() -> None:
    token = project_token()
    assert handoff_key(token) == "project:acme/renovate:renovate"
    assert handoff_key(replace(token, id=8)) == handoff_key(token)  # the successor
    personal = replace(token, kind=TokenKind.PERSONAL, resource=None, owner=Owner(2, "mara"))
    assert handoff_key(personal) == "personal:mara:renovate"
    assert handoff_key(replace(personal, owner=None)) is None
    named = replace(token, name="a: b")
    assert handoff_key(named) == "project:acme/renovate:a: b"


def test_targets_for_a_token_remembered_first_then_deployed_ones() -> None:
    token = project_token()
    ci, keyring = EXPECTED[0], EXPECTED[3]
    handoffs = [
        Handoff("work", "project:acme/renovate:renovate", (ci,)),
        Handoff("home", "project:acme/renovate:renovate", (keyring,)),  # another instance
        Handoff("work", "project:acme/renovate:other", (keyring,)),
    ]
    assert targets_for(token, handoffs) == [ci]
    assert targets_for(replace(token, id=99), handoffs, [ci, keyring]) == [ci, keyring]


def test_remembering_adds_targets_once_and_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    token = project_token()
    new = KeyringTarget("gitlab", "second")
    assert remember(path, token, [EXPECTED[0], new]) == 1  # the first is known already
    assert remember(path, token, [new]) == 0
    saved = tomllib.loads(path.read_text())
    assert saved["settings"] == {"rotation_days": 60}
    assert saved["instances"][0]["name"] == "work"
    (handoff,) = load_config(path, {}).handoffs
    assert handoff.targets == (*EXPECTED, new)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = project_token(name="other")
    remember_targets(path, "work", handoff_key(other) or "", [new])
    assert len(load_config(path, {}).handoffs) == 2
    offer = offer_for(token, path)
    assert offer.rotation_days == 60
    assert offer.targets == (*EXPECTED, new)
    broken = write(tmp_path, "[handoffs\n")
    assert offer_for(token, broken).problem is not None


def test_one_place_is_one_target() -> None:
    ci = EXPECTED[0]
    asked = replace(ci, create=True)  # given again on the command line, with create
    assert merged([ci], [asked, EXPECTED[3]], [EXPECTED[3]]) == [ci, EXPECTED[3]]
    assert place_of(ci) == place_of(asked)
    assert place_of(ci) != place_of(replace(ci, environment_scope="production"))
