"""``gltui config import``: instances from python-gitlab's own configuration file.

python-gitlab reads, in order, ``$PYTHON_GITLAB_CFG``, ``/etc/python-gitlab.cfg``,
``~/.python-gitlab.cfg`` and ``$XDG_CONFIG_HOME/python-gitlab/config``: INI files
with one section per GitLab (``url``, ``private_token``, ``ssl_verify``, ``timeout``).
A ``private_token = helper: /path/script`` becomes gltui's ``token_command``.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def candidate_paths(environ: Mapping[str, str], home: Path) -> list[Path]:
    """Where python-gitlab looks for its configuration."""
    paths = []
    if environ.get("PYTHON_GITLAB_CFG"):
        paths.append(Path(environ["PYTHON_GITLAB_CFG"]).expanduser())
    xdg = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    paths += [
        Path("/etc/python-gitlab.cfg"),
        home / ".python-gitlab.cfg",
        xdg / "python-gitlab" / "config",
    ]
    return paths


def _boolean_or_path(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    return value.strip()


def read_instances(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """gltui instance tables from one python-gitlab file, and notes about what was skipped."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as error:
        return [], [f"{path}: cannot read it ({type(error).__name__})"]
    tables, notes = [], []
    for section in parser.sections():
        if section == "global":
            continue
        values = parser[section]
        url = values.get("url", "").strip()
        if not url:
            notes.append(f"{path} [{section}]: no url, skipped")
            continue
        token = values.get("private_token", "").strip()
        if not token:
            reason = "no private_token (OAuth and job tokens cannot list tokens)"
            notes.append(f"{path} [{section}]: {reason}, skipped")
            continue
        table: dict[str, Any] = {"name": section, "url": url}
        if token.startswith("helper:"):
            table["token_command"] = [str(Path(token.removeprefix("helper:").strip()).expanduser())]
        else:
            table["token"] = token
            notes.append(f"[{section}]: its token is copied into gltui's config file (mode 600)")
        if "ssl_verify" in values:
            table["ssl_verify"] = _boolean_or_path(values["ssl_verify"])
        if values.get("timeout", "").strip().isdigit():
            table["timeout"] = int(values["timeout"])
        tables.append(table)
    return tables, notes
