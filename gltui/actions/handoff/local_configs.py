"""glab's ``config.yml`` and python-gitlab's config file as hand-off targets.

When the token being rotated is the one glab or python-gitlab signs in with, its new
value belongs in their file. The files are found where ``gltui scan-local`` finds them
(:func:`gltui.config.local_tokens.places`) and changed as little as a person with an
editor would: the value of one entry (``hosts: <host>: token:`` in glab's YAML,
``[section] private_token =`` in python-gitlab's INI), every other byte kept (order,
comments, line endings, the file's mode), written atomically in the file's own
directory (through a symbolic link, to its target), and only if the file did not
change since it was read. Read back afterwards with the scan's own parsers
(:mod:`gltui.domain.stored_tokens`), so the check does not share the writer's code.

What cannot be written is said: no such host or section, a token glab keeps in the
system keyring, a python-gitlab ``helper:`` command (hand the value to that store
with a command target instead).
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gltui.config.files import read_config_bytes, write_target
from gltui.config.local_tokens import places, shown_path
from gltui.config.model import ConfigError
from gltui.domain.handoff import GlabTarget, PythonGitlabTarget
from gltui.domain.secret import Secret
from gltui.domain.stored_tokens import parse_glab, parse_python_gitlab
from gltui.storage import write_private

_YAML_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[^\s:#][^:#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$")
_YAML_TOKEN = re.compile(r"^(?P<lead>\s*token\s*:[ \t]*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]+)")
_INI_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_INI_TOKEN = re.compile(r"^(?P<lead>\s*private_token\s*[=:][ \t]*)(?P<value>\S(?:.*\S)?)?\s*$")
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]+")
"""A value YAML and INI both take as it is (every GitLab token format)."""


class LocalConfigError(Exception):
    """The entry cannot be found, read or written; the message says why (no value)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Entry:
    """Where the value sits: the file, the line and the value's span on it."""

    path: Path
    shown: str
    """The path as messages show it (``~/.config/glab-cli/config.yml``)."""
    data: bytes = field(repr=False)
    """The file as read (a write refuses to run if it changed since); it holds tokens,
    so no repr shows it."""
    line: int
    start: int
    end: int
    quote: str = ""
    value: Secret = field(default_factory=lambda: Secret(""), repr=False)

    def replaced(self, value: Secret) -> bytes:
        """The file with this entry's value replaced by ``value``, nothing else."""
        lines = self.data.decode("utf-8").splitlines(keepends=True)
        text = lines[self.line]
        lines[self.line] = text[: self.start] + _format(value, self.quote) + text[self.end :]
        return "".join(lines).encode("utf-8")


def _format(value: Secret, quote: str) -> str:
    raw = value.reveal()
    if not raw or any(character in raw for character in "\r\n\x00"):
        raise LocalConfigError("the new value cannot be written on one line")
    if quote == "'" and "'" not in raw:
        return f"'{raw}'"
    if quote == '"' or not _PLAIN.fullmatch(raw):
        return json.dumps(raw)  # a YAML double-quoted scalar; never needed for a token
    return raw


def _unquote(text: str) -> tuple[str, str]:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1], text[0]
    return text, ""


def _files(label: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    """The files ``gltui scan-local`` reads for ``label``, in its order."""
    return [place.path for place in places(environ, home, home / ".none") if place.label == label]


def _read(path: Path) -> str | None:
    try:
        data = read_config_bytes(path)
    except ConfigError as error:
        raise LocalConfigError(f"{error}") from None
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LocalConfigError(f"{path} is not UTF-8 text") from None


def glab_entry(text: str, host: str) -> tuple[int, int, int, str, str] | None:
    """``(line, start, end, quote, value)`` of ``hosts: <host>: token:``; ``None`` when
    the host has no token line."""
    in_hosts, current, host_indent = False, None, None
    for number, line in enumerate(text.splitlines()):
        match = _YAML_KEY.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        indent = len(match.group("indent"))
        key, _ = _unquote(match.group("key"))
        value = (match.group("value") or "").split(" #")[0].strip()
        if indent == 0:
            in_hosts, current, host_indent = key == "hosts", None, None
            continue
        if in_hosts and (host_indent is None or indent <= host_indent) and not value:
            current, host_indent = key, indent
            continue
        if current == host and key == "token":
            token = _YAML_TOKEN.match(line)
            if token is None:
                return None
            raw, quote = _unquote(token.group("value"))
            if raw.startswith(("!!null", "~")) or not raw:
                return None
            return number, token.start("value"), token.end("value"), quote, raw
    return None


def python_gitlab_entry(text: str, section: str) -> tuple[int, int, int, str, str] | None:
    """``(line, start, end, quote, value)`` of ``private_token`` in ``[section]``."""
    current = None
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith(("#", ";")):
            continue
        heading = _INI_SECTION.match(line)
        if heading:
            current = heading.group("name").strip()
            continue
        if current != section:
            continue
        token = _INI_TOKEN.match(line)
        if token is not None and token.group("value"):
            value = token.group("value")
            if value.startswith("helper:"):
                raise LocalConfigError(
                    f"python-gitlab reads [{section}]'s token from a helper command; hand the "
                    "value to that store with a command target instead"
                )
            return number, token.start("value"), token.end("value"), "", value
    return None


def find_entry(
    target: GlabTarget | PythonGitlabTarget, environ: Mapping[str, str], home: Path
) -> Entry:
    """The entry ``target`` names, in the first file that holds it."""
    glab = isinstance(target, GlabTarget)
    label = "glab" if glab else "python-gitlab"
    looked = []
    for path in _files(label, environ, home):
        text = _read(path)
        if text is None:
            continue
        shown = shown_path(path, home)
        looked.append(shown)
        if isinstance(target, GlabTarget):
            found = glab_entry(text, target.host)
        else:
            found = python_gitlab_entry(text, target.section)
        if found is not None:
            line, start, end, quote, value = found
            return Entry(path, shown, text.encode("utf-8"), line, start, end, quote, Secret(value))
    where = ", ".join(looked) or f"no {label} config file found"
    if isinstance(target, GlabTarget):
        raise LocalConfigError(
            f"glab has no token for {target.host} in its config ({where}); it may keep it in "
            "the system keyring (use a keyring target), or run glab auth login first"
        )
    raise LocalConfigError(f"python-gitlab has no private_token in [{target.section}] ({where})")


def write_entry(entry: Entry, value: Secret) -> None:
    """Replace the entry's value in place: atomically, the file's mode kept, and only
    if the file is still what was read."""
    data = entry.replaced(value)
    try:
        target = write_target(entry.path)
    except ConfigError as error:
        raise LocalConfigError(str(error)) from None
    current = _read(target)
    if current is None or current.encode("utf-8") != entry.data:
        raise LocalConfigError(f"{entry.shown} changed while gltui was rotating; not written")
    try:
        write_private(target, data, mode=stat.S_IMODE(target.stat().st_mode))
    except OSError as error:
        raise LocalConfigError(f"cannot write {entry.shown}: {error.strerror}") from None


def read_back(
    target: GlabTarget | PythonGitlabTarget, environ: Mapping[str, str], home: Path
) -> Secret | None:
    """The value the file holds now for ``target``, read with ``gltui scan-local``'s
    parsers (``None`` when they find none)."""
    label = "glab" if isinstance(target, GlabTarget) else "python-gitlab"
    for path in _files(label, environ, home):
        text = _read(path)
        if text is None:
            continue
        if isinstance(target, GlabTarget):
            rows = [row for row in parse_glab(text) if row.host == target.host]
        else:
            mark = f"([{target.section}] private_token)"
            rows = [row for row in parse_python_gitlab(text) if row.where.endswith(mark)]
        if rows:
            return rows[0].value
    return None
