"""Reading the well-known places where GitLab tokens are stored on this machine.

The opt-in ``gltui scan-local`` reads glab's ``config.yml``, python-gitlab's
configuration files, ``~/.git-credentials``, ``~/.netrc``, the environment and
gltui's own ``config.toml``. Every file is read like gltui's config
(:func:`~gltui.config.files.read_config_bytes`: regular files only, at most 1 MiB,
never blocking on a FIFO), so a hostile or huge path costs one line of the answer,
not a hang; what lines hold a token is :mod:`gltui.domain.stored_tokens`' pure
parsing. Values stay in :class:`~gltui.domain.secret.Secret` and are never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gltui.config.files import read_config_bytes
from gltui.config.model import ConfigError
from gltui.config.python_gitlab import candidate_paths
from gltui.domain.stored_tokens import (
    Stored,
    is_gitlab,
    parse_environment,
    parse_git_credentials,
    parse_glab,
    parse_gltui_config,
    parse_netrc,
    parse_python_gitlab,
)

Parser = Callable[[str], list[Stored]]


@dataclass(frozen=True)
class Place:
    """A file that may hold tokens, and how to read its lines."""

    label: str
    """What it is: ``glab``, ``python-gitlab``, ``netrc``, ..."""
    path: Path
    parse: Parser


@dataclass(frozen=True)
class Row:
    """One GitLab token found: where it is stored (never its value)."""

    place: str
    """The file (``~``-relative when under the home) or ``environment``."""
    found: Stored


@dataclass
class Scan:
    """The rows, and one line for each place that exists but could not be read."""

    rows: list[Row] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    """The files that existed and were read (to say what was looked at)."""


def places(environ: Mapping[str, str], home: Path, gltui_config: Path) -> list[Place]:
    """The files to read, in the order the answer lists them."""
    xdg = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    glab_dirs = (
        [Path(environ["GLAB_CONFIG_DIR"]).expanduser()] if "GLAB_CONFIG_DIR" in environ else []
    )
    glab_dirs += [xdg / "glab-cli", home / ".config" / "glab-cli"]
    found = [Place("glab", directory / "config.yml", parse_glab) for directory in glab_dirs]
    found += [
        Place("python-gitlab", path, parse_python_gitlab) for path in candidate_paths(environ, home)
    ]
    found += [
        Place("git credentials", home / ".git-credentials", parse_git_credentials),
        Place("git credentials", xdg / "git" / "credentials", parse_git_credentials),
        Place("netrc", Path(environ.get("NETRC") or home / ".netrc"), parse_netrc),
        Place("gltui", gltui_config, parse_gltui_config),
    ]
    unique: dict[Path, Place] = {}
    for place in found:
        unique.setdefault(place.path, place)  # $XDG_CONFIG_HOME is often ~/.config
    return list(unique.values())


def shown_path(path: Path, home: Path) -> str:
    """``~/.netrc`` rather than ``/home/someone/.netrc``: shorter, and the same on
    every machine of a shared runbook."""
    try:
        return f"~/{path.relative_to(home)}"
    except ValueError:
        return str(path)


def scan(
    environ: Mapping[str, str], home: Path, gltui_config: Path, hosts: Iterable[str] = ()
) -> Scan:
    """Every GitLab token stored in the well-known places (``hosts``: the configured
    instances' hosts, so a netrc password for one of them counts too)."""
    known = list(hosts)
    result = Scan()
    for place in places(environ, home, gltui_config):
        where = shown_path(place.path, home)
        try:
            data = read_config_bytes(place.path)
        except ConfigError as error:
            result.unreadable.append(f"{where} ({place.label}): {error.message}")
            continue
        if data is None:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            result.unreadable.append(f"{where} ({place.label}): not UTF-8 text")
            continue
        result.read.append(where)
        rows = [found for found in place.parse(text) if is_gitlab(found, known)]
        result.rows += [Row(where, found) for found in rows]
    result.rows += [Row("environment", found) for found in parse_environment(environ)]
    return result
