"""Hand-off targets: where a rotated or replaced token's new value goes (pure).

Rotation that breaks nothing writes the new value where it is used, proves it works
there, and only then lets the old token go (``gitlab-2026.md`` §2.2, §3.1: glab 7856
and 7435, spillkit, gitlab-token-updater). A target is one such place:

* a GitLab CI/CD variable of a project or group (its key and environment scope),
  updated through the API with its other settings untouched;
* a store command that receives the value on stdin (``pass insert -m ...``, ``vault kv
  put ...``, ``gh secret set ...``): an argv list, never a shell, never the value on argv;
* the system keyring (service, username);
* glab's ``config.yml`` entry of a host, or a section of python-gitlab's config file,
  when the token is theirs.

Targets are remembered per token in the configuration (``[[handoffs]]``), keyed by
:func:`handoff_key`: the token's kind, place and name. Not its id, which changes at
every rotation (GitLab's rotate makes a new row, ``gitlab-token-api.md`` §1.3): the
key of a token and of its successor are the same, so what was remembered for the
old one applies to the new one next time. Two live tokens with the same kind, place
and name share their targets (GitLab allows duplicate names; the hand-off then names
the one being rotated, by id, in every message).

Everything here is data and validation; the writes are ``gltui.actions.handoff``'s.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gltui.domain.errors import ValidationError
from gltui.domain.tokens import ResourceType, Token

DEFAULT_ENVIRONMENT_SCOPE = "*"
DEFAULT_COMMAND_SECONDS = 30.0
"""A password manager may ask for a passphrase: as long as ``token_command`` gets."""
COMMAND_SECONDS_RANGE = (1.0, 600.0)

_KEY = re.compile(r"[A-Za-z0-9_]{1,255}")
"""A CI/CD variable key (``Ci::HasVariable``: letters, digits and ``_``, 255 at most)."""
_SCOPE = re.compile(r"[a-zA-Z0-9_/${}. \-*]{1,255}")
"""An environment scope (``HasEnvironmentScope``'s characters)."""
_PATH = re.compile(r"[^\s:/][^\s:]*")
"""A project or group full path: no blanks, no ``:`` (GitLab paths have neither)."""


class TargetKind(StrEnum):
    """The places a new value can be handed to."""

    CI_VARIABLE = "ci_variable"
    COMMAND = "command"
    KEYRING = "keyring"
    GLAB = "glab"
    PYTHON_GITLAB = "python_gitlab"


@dataclass(frozen=True)
class CiVariableTarget:
    """A CI/CD variable of a project or group, one environment scope of it."""

    owner: ResourceType
    path: str
    """The project's or group's full path (``acme/backend/worker``)."""
    key: str
    environment_scope: str = DEFAULT_ENVIRONMENT_SCOPE
    create: bool = False
    """Create the variable when it does not exist (only when the user asked for it)."""
    masked: bool = True
    """For a variable gltui creates: masked in job logs (a token always qualifies)."""
    protected: bool = False
    """For a variable gltui creates: only on protected branches and tags."""

    @property
    def kind(self) -> TargetKind:
        return TargetKind.CI_VARIABLE


@dataclass(frozen=True)
class CommandTarget:
    """A command that stores the value it reads on stdin; ``read_back`` (optional)
    prints it back on its first stdout line, so the store can be verified."""

    argv: tuple[str, ...]
    read_back: tuple[str, ...] | None = None
    timeout: float = DEFAULT_COMMAND_SECONDS
    newline: bool = True
    """End the value with a newline on stdin (most stores read a line)."""

    @property
    def kind(self) -> TargetKind:
        return TargetKind.COMMAND


@dataclass(frozen=True)
class KeyringTarget:
    """An entry of the system keyring (the optional ``keyring`` extra)."""

    service: str
    username: str

    @property
    def kind(self) -> TargetKind:
        return TargetKind.KEYRING


@dataclass(frozen=True)
class GlabTarget:
    """glab's ``config.yml``: the ``token`` of one host."""

    host: str

    @property
    def kind(self) -> TargetKind:
        return TargetKind.GLAB


@dataclass(frozen=True)
class PythonGitlabTarget:
    """python-gitlab's configuration file: the ``private_token`` of one section."""

    section: str

    @property
    def kind(self) -> TargetKind:
        return TargetKind.PYTHON_GITLAB


Target = CiVariableTarget | CommandTarget | KeyringTarget | GlabTarget | PythonGitlabTarget


@dataclass(frozen=True)
class Handoff:
    """One ``[[handoffs]]`` table: the targets of one token of one instance."""

    instance: str
    token: str
    """:func:`handoff_key` of the token."""
    targets: tuple[Target, ...]


def describe_target(target: Target) -> str:
    """Where the value goes, in words (raw text: callers print it with ``printable``)."""
    if isinstance(target, CiVariableTarget):
        return (
            f"CI variable {target.key} of {target.owner.value} {target.path} "
            f"(scope {target.environment_scope})"
        )
    if isinstance(target, CommandTarget):
        return f"command {shlex.join(target.argv)}"
    if isinstance(target, KeyringTarget):
        return f"keyring {target.service}/{target.username}"
    if isinstance(target, GlabTarget):
        return f"glab's config ({target.host})"
    return f"python-gitlab's config [{target.section}]"


def place_of(target: Target) -> tuple[str, ...]:
    """Where ``target`` writes: two targets with the same place are one target (a CI
    variable remembered without ``create`` and given again with it, say)."""
    if isinstance(target, CiVariableTarget):
        return (target.kind, target.owner, target.path, target.key, target.environment_scope)
    if isinstance(target, CommandTarget):
        return (target.kind, *target.argv)
    if isinstance(target, KeyringTarget):
        return (target.kind, target.service, target.username)
    if isinstance(target, GlabTarget):
        return (target.kind, target.host)
    return (target.kind, target.section)


def merged(*groups: Iterable[Target]) -> list[Target]:
    """The targets of ``groups``, each place once, the first one of a place kept."""
    seen: set[tuple[str, ...]] = set()
    found: list[Target] = []
    for group in groups:
        for target in group:
            if place_of(target) not in seen:
                seen.add(place_of(target))
                found.append(target)
    return found


def handoff_key(token: Token) -> str | None:
    """``project:acme/renovate:renovate``: kind, place and name, the same for a token
    and its successor. The place is the project or group path of a resource or deploy
    token, else the owner's username; ``None`` when the listing named neither."""
    place: str | None = None
    if token.resource is not None:
        place = token.resource.path
    elif token.owner is not None:
        place = token.owner.username
    if not place:
        return None
    return f"{token.kind.value}:{place}:{token.name}"


def check_token_key(text: str, field: str = "token") -> str:
    """A :func:`handoff_key` as written in the config: ``kind:place:name`` (the name may
    hold ``:``, the kind and place cannot)."""
    parts = text.split(":", 2)
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise ValidationError(
            field,
            f"{text!r} is not kind:place:name, e.g. 'project:acme/renovate:renovate' or "
            "'personal:mara:ci deploy'",
        )
    return text


# --- the config form -----------------------------------------------------------------

_KIND_KEYS = tuple(kind.value for kind in TargetKind)
_COMMAND_EXTRAS = ("read_back", "timeout", "newline")
_CI_KEYS = ("project", "group", "key", "environment_scope", "create", "masked", "protected")


def _strings(value: object, field: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValidationError(field, f"must be {what}")
    if not all(isinstance(item, str) and item for item in value):
        raise ValidationError(field, f"must be {what}")
    return tuple(value)


def _text(value: object, field: str, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a non-empty string, e.g. {example!r}")
    return value.strip()


def _flag(table: Mapping[str, Any], key: str, field: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ValidationError(f"{field}.{key}", "must be true or false")
    return value


def ci_variable(
    owner: ResourceType,
    path: str,
    key: str,
    environment_scope: str = DEFAULT_ENVIRONMENT_SCOPE,
    *,
    create: bool = False,
    masked: bool = True,
    protected: bool = False,
    field: str = "ci_variable",
) -> CiVariableTarget:
    """A validated CI variable target (what the deployed-token scan feeds in, too)."""
    path = path.strip().strip("/")
    if not _PATH.fullmatch(path):
        raise ValidationError(
            f"{field}.{owner.value}", f"{path!r} is not a {owner.value} path, e.g. 'acme/website'"
        )
    if not _KEY.fullmatch(key):
        raise ValidationError(
            f"{field}.key", f"{key!r} is not a variable key (letters, digits and '_')"
        )
    scope = environment_scope.strip()
    if not _SCOPE.fullmatch(scope):
        raise ValidationError(
            f"{field}.environment_scope", f"{environment_scope!r} is not an environment scope"
        )
    return CiVariableTarget(owner, path, key, scope, create, masked, protected)


def _ci_target(value: object, field: str) -> CiVariableTarget:
    if not isinstance(value, dict):
        raise ValidationError(
            field, "must be a table, e.g. { project = 'acme/app', key = 'RENOVATE_TOKEN' }"
        )
    for key in value:
        if key not in _CI_KEYS:
            known = ", ".join(_CI_KEYS)
            raise ValidationError(f"{field}.{key}", f"unknown key; known keys: {known}")
    places = [name for name in ("project", "group") if name in value]
    if len(places) != 1:
        raise ValidationError(field, "name exactly one of project or group")
    owner = ResourceType(places[0])
    path = _text(value[places[0]], f"{field}.{places[0]}", "acme/website")
    key = _text(value.get("key"), f"{field}.key", "RENOVATE_TOKEN")
    scope = value.get("environment_scope", DEFAULT_ENVIRONMENT_SCOPE)
    scope = _text(scope, f"{field}.environment_scope", "*")
    return ci_variable(
        owner,
        path,
        key,
        scope,
        create=_flag(value, "create", field, False),
        masked=_flag(value, "masked", field, True),
        protected=_flag(value, "protected", field, False),
        field=field,
    )


def _timeout(value: object, field: str) -> float:
    low, high = COMMAND_SECONDS_RANGE
    what = f"a number from {low:g} to {high:g} (seconds)"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be {what}")
    if not low <= value <= high:  # NaN fails this too
        raise ValidationError(field, f"must be {what}")
    return float(value)


def parse_target(table: Mapping[str, Any], field: str = "target") -> Target:
    """One ``[[handoffs.targets]]`` table: exactly one of ``ci_variable``, ``command``,
    ``keyring``, ``glab``, ``python_gitlab`` (a command may add ``read_back``, ``timeout``
    and ``newline``). Raises :class:`ValidationError` naming the key."""
    given = [key for key in _KIND_KEYS if key in table]
    for key in table:
        if key not in _KIND_KEYS and key not in _COMMAND_EXTRAS:
            known = ", ".join(_KIND_KEYS + _COMMAND_EXTRAS)
            raise ValidationError(f"{field}.{key}", f"unknown key; known keys: {known}")
    if len(given) != 1:
        raise ValidationError(
            field,
            "name exactly one of ci_variable, command, keyring, glab or python_gitlab"
            + (f" (not {' and '.join(given)})" if given else ""),
        )
    kind = TargetKind(given[0])
    if kind is not TargetKind.COMMAND:
        extra = [key for key in _COMMAND_EXTRAS if key in table]
        if extra:
            raise ValidationError(f"{field}.{extra[0]}", "only a command target takes this")
    value = table[kind.value]
    where = f"{field}.{kind.value}"
    if kind is TargetKind.CI_VARIABLE:
        return _ci_target(value, where)
    if kind is TargetKind.COMMAND:
        argv = _strings(value, where, "a command as a list, e.g. ['pass', 'insert', '-m', 'x']")
        read_back = None
        if "read_back" in table:
            example = "a command as a list, e.g. ['pass', 'show', 'x']"
            read_back = _strings(table["read_back"], f"{field}.read_back", example)
        timeout = DEFAULT_COMMAND_SECONDS
        if "timeout" in table:
            timeout = _timeout(table["timeout"], f"{field}.timeout")
        return CommandTarget(argv, read_back, timeout, _flag(table, "newline", field, True))
    if kind is TargetKind.KEYRING:
        entry = _strings(value, where, "[service, username], e.g. ['gitlab', 'renovate']")
        if len(entry) != 2:
            raise ValidationError(where, "must be [service, username], e.g. ['gitlab', 'renovate']")
        return KeyringTarget(entry[0], entry[1])
    if kind is TargetKind.GLAB:
        return GlabTarget(_text(value, where, "gitlab.example.com"))
    return PythonGitlabTarget(_text(value, where, "work"))


def target_table(target: Target) -> dict[str, Any]:
    """The config form of ``target`` (what :func:`parse_target` reads back)."""
    if isinstance(target, CiVariableTarget):
        ci: dict[str, Any] = {target.owner.value: target.path, "key": target.key}
        ci["environment_scope"] = target.environment_scope
        if target.create:
            ci.update(create=True, masked=target.masked, protected=target.protected)
        return {"ci_variable": ci}
    if isinstance(target, CommandTarget):
        table: dict[str, Any] = {"command": list(target.argv)}
        if target.read_back is not None:
            table["read_back"] = list(target.read_back)
        if target.timeout != DEFAULT_COMMAND_SECONDS:
            table["timeout"] = target.timeout
        if not target.newline:
            table["newline"] = False
        return table
    if isinstance(target, KeyringTarget):
        return {"keyring": [target.service, target.username]}
    if isinstance(target, GlabTarget):
        return {"glab": target.host}
    return {"python_gitlab": target.section}


# --- the command-line form -----------------------------------------------------------

TARGET_SPEC_HELP = (
    "ci:PROJECT:KEY[:SCOPE], ci-group:GROUP:KEY[:SCOPE], 'command:ARGV...', "
    "keyring:SERVICE:USERNAME, glab:HOST, python-gitlab:SECTION"
)


def parse_target_spec(text: str, *, create: bool = False, field: str = "--target") -> Target:
    """A target as ``--target`` (and the dashboard's "add a target" field) writes it:
    :data:`TARGET_SPEC_HELP`. ``create``: a missing CI variable may be created. A
    command's words are split as a shell would split them, but no shell runs it."""
    kind, _, rest = text.strip().partition(":")
    kind = kind.strip().lower()
    if kind in ("ci", "ci-group"):
        parts = rest.split(":")
        if len(parts) not in (2, 3) or not all(part.strip() for part in parts):
            raise ValidationError(field, f"write {kind}:PATH:KEY or {kind}:PATH:KEY:SCOPE")
        owner = ResourceType.GROUP if kind == "ci-group" else ResourceType.PROJECT
        scope = parts[2] if len(parts) == 3 else DEFAULT_ENVIRONMENT_SCOPE
        return ci_variable(owner, parts[0], parts[1].strip(), scope, create=create, field=field)
    if kind == "command":
        try:
            argv = shlex.split(rest)
        except ValueError as error:
            raise ValidationError(field, f"cannot split the command: {error}") from None
        if not argv:
            raise ValidationError(field, "write command:ARGV..., e.g. 'command:pass insert -m x'")
        return CommandTarget(tuple(argv))
    if kind == "keyring":
        service, _, username = rest.partition(":")
        if not service.strip() or not username.strip():
            raise ValidationError(field, "write keyring:SERVICE:USERNAME")
        return KeyringTarget(service.strip(), username.strip())
    if kind == "glab" and rest.strip():
        return GlabTarget(rest.strip())
    if kind in ("python-gitlab", "python_gitlab") and rest.strip():
        return PythonGitlabTarget(rest.strip())
    raise ValidationError(field, f"{text!r} is not a target; write one of: {TARGET_SPEC_HELP}")
