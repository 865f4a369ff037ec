"""Which lines of the well-known credential files hold a GitLab token (pure: text in).

Incident response asks "where is this token stored on this machine?": a leaked
value must be removed from every place that still holds it, and a token found in
``~/.netrc`` is one to rotate before it leaks. Each parser takes a file's *text*
(the reading, bounded, is :mod:`gltui.config.local_tokens`' job) and returns
:class:`Stored` findings: where (line and key, or the variable's name), the host
when the place names one, and the value wrapped in a :class:`Secret` at once, so
no finding can print it. Nothing here logs, stores or shows a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from gltui.domain.secret import Secret
from gltui.domain.token_shape import shape_of

GITLAB_VARIABLES = ("GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "CI_JOB_TOKEN", "GL_TOKEN")
"""Variables that hold a GitLab token by convention (glab, python-gitlab, CI)."""
PYTHON_GITLAB_KEYS = ("private_token", "oauth_token", "job_token")


@dataclass(frozen=True)
class Stored:
    """One token value found in one place (the value is never shown)."""

    where: str
    """``line 3 (password)``, ``[work] private_token``, ``$GITLAB_TOKEN``."""
    host: str | None
    value: Secret = field(repr=False, compare=False)
    gitlab_place: bool = True
    """The place is GitLab's own (glab, python-gitlab, gltui, a GitLab variable): its
    token is a GitLab one even without a prefix. ``~/.netrc`` and
    ``~/.git-credentials`` hold every forge's passwords, so only token-shaped values or
    GitLab hosts count there (:func:`is_gitlab`)."""


def is_gitlab(found: Stored, hosts: Iterable[str] = ()) -> bool:
    """Whether ``found`` is a GitLab token: a GitLab place, a GitLab prefix, or a host
    that is a configured instance's (``hosts``) or says ``gitlab``."""
    if found.gitlab_place or shape_of(found.value).type_prefix is not None:
        return True
    host = (found.host or "").lower()
    return bool(host) and (host in {h.lower() for h in hosts} or "gitlab" in host)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url.strip() if "//" in url else f"//{url.strip()}").hostname
    except ValueError:
        return None


_YAML_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[^\s:#][^:#]*?)\s*:(?:\s+(?P<value>.*?))?\s*$")


def parse_glab(text: str) -> list[Stored]:
    """``token:`` keys of glab's ``config.yml``, with the ``hosts:`` entry they are under.

    A line scan rather than a YAML parser: glab writes a simple, fixed layout, and
    the domain stays free of dependencies. Comments and empty values are skipped.
    """
    found, host, host_indent, in_hosts = [], None, None, False
    for number, line in enumerate(text.splitlines(), start=1):
        match = _YAML_KEY.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        indent, key = len(match.group("indent")), _unquote(match.group("key"))
        value = (match.group("value") or "").split(" #")[0].strip()
        if indent == 0:
            in_hosts, host, host_indent = key == "hosts", None, None
        elif in_hosts and (host_indent is None or indent <= host_indent) and not value:
            host, host_indent = key, indent
        if key == "token" and _unquote(value) and not value.startswith(("!!null", "~")):
            found.append(Stored(f"line {number} (token)", host, Secret(_unquote(value))))
    return found


_INI_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_INI_KEY = re.compile(r"^\s*(?P<key>[A-Za-z_]+)\s*[=:]\s*(?P<value>.*?)\s*$")


def parse_python_gitlab(text: str) -> list[Stored]:
    """``private_token``, ``oauth_token`` and ``job_token`` of a python-gitlab file,
    with the host of their section's ``url`` (which may come after the token).
    ``helper: /path`` values are commands, not stored tokens, and are skipped."""
    pending: list[tuple[str, str, Secret]] = []
    urls: dict[str, str] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("#", ";")):
            continue
        if heading := _INI_SECTION.match(line):
            section = heading.group("name").strip()
            continue
        match = _INI_KEY.match(line)
        if match is None:
            continue
        key, value = match.group("key").lower(), match.group("value")
        if key == "url":
            urls[section] = value
        elif key in PYTHON_GITLAB_KEYS and value and not value.startswith("helper:"):
            pending.append((section, f"line {number} ([{section}] {key})", Secret(value)))
    return [
        Stored(where, _host_of(urls[section]) if section in urls else None, value)
        for section, where, value in pending
    ]


def parse_git_credentials(text: str) -> list[Stored]:
    """The passwords of ``~/.git-credentials`` (``https://user:TOKEN@host``)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            parts = urlsplit(line.strip())
            password, host = parts.password, parts.hostname
        except ValueError:
            continue
        if password:
            where = f"line {number} (password)"
            found.append(Stored(where, host, Secret(unquote(password)), gitlab_place=False))
    return found


def _netrc_words(text: str) -> list[tuple[int, str]]:
    """Whitespace-separated words with their line numbers; ``macdef`` bodies (up to an
    empty line) and ``#`` comments skipped."""
    words: list[tuple[int, str]] = []
    in_macro = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_macro:
            in_macro = bool(line.strip())
            continue
        if line.lstrip().startswith("#"):
            continue
        for word in line.split():
            words.append((number, word))
            in_macro = in_macro or word == "macdef"  # its body starts on the next line
    return words


def parse_netrc(text: str) -> list[Stored]:
    """The ``password`` of each ``machine`` (or ``default``) entry of ``~/.netrc``."""
    found = []
    words = _netrc_words(text)
    host: str | None = None
    index = 0
    while index < len(words):
        word = words[index][1]
        following = words[index + 1][1] if index + 1 < len(words) else ""
        if word == "machine":
            host, index = following, index + 2
            continue
        if word == "default":
            host = None
        elif word == "password" and following:
            where = f"line {words[index + 1][0]} (password)"
            found.append(Stored(where, host, Secret(following), gitlab_place=False))
            index += 2
            continue
        index += 1
    return found


def parse_environment(environ: Mapping[str, str]) -> list[Stored]:
    """:data:`GITLAB_VARIABLES`, and any other variable whose value has a GitLab
    prefix; the host of ``GITLAB_URL`` (or ``CI_SERVER_URL``) when it is set."""
    url = environ.get("GITLAB_URL") or environ.get("CI_SERVER_URL") or ""
    host = _host_of(url) if url else None
    found = []
    for name in sorted(environ):
        value = environ[name].strip()
        if not value:
            continue
        known = name in GITLAB_VARIABLES
        if known or shape_of(Secret(value)).type_prefix is not None:
            found.append(Stored(f"${name}", host if known else None, Secret(value)))
    return found


_TOML_TABLE = re.compile(r"^\s*\[\[?(?P<name>[^\]]+)\]\]?\s*(?:#.*)?$")
_TOML_STRING = re.compile(
    r"^\s*(?P<key>[A-Za-z_]+)\s*=\s*(?P<quote>\"|')(?P<value>[^\"']*)(?P=quote)\s*(?:#.*)?$"
)


def parse_gltui_config(text: str) -> list[Stored]:
    """Inline ``token = "..."`` values of gltui's ``config.toml``, with the host of the
    same table's ``url``. (``token_env`` and ``token_command`` store no value.)"""
    tables: list[tuple[str | None, list[tuple[str, Secret]]]] = [(None, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        if _TOML_TABLE.match(line):
            tables.append((None, []))
            continue
        match = _TOML_STRING.match(line)
        if match is None:
            continue
        key, value = match.group("key"), match.group("value")
        if key == "url":
            tables[-1] = (value, tables[-1][1])
        elif key == "token" and value:
            tables[-1][1].append((f"line {number} (token)", Secret(value)))
    return [
        Stored(where, _host_of(url) if url else None, value)
        for url, rows in tables
        for where, value in rows
    ]
