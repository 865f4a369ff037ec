"""Write instances and templates into ``config.toml`` (tomli-w), atomically and mode 600.

The file is read back as data, changed, and written whole, under a lock so two
gltui processes cannot lose each other's change: every table and key the user
wrote survives, but TOML comments do not (tomli-w cannot keep them), so gltui only
writes when asked to (``gltui config import``, the instances screen, "save as
template").

A ``config.toml`` that is a symbolic link (to a dotfiles repository, say) is written
through the link: the file it points to is replaced, atomically, in its own
directory, and the link stays a link (:func:`~gltui.config.files.write_target`).
The lock stays beside the path gltui was given, which is what every gltui process
using that configuration agrees on.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from gltui.config.files import read_config_bytes, write_target
from gltui.config.model import ConfigError
from gltui.storage import locked, write_private


def _read(path: Path) -> dict[str, Any]:
    """The file as data (bounded and type-checked like :func:`load_config`'s read)."""
    raw = read_config_bytes(path)
    if raw is None:
        return {}
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(
            path, "", f"not valid TOML, so gltui will not rewrite it: {error}"
        ) from None


def _write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file (or the file its symbolic link points to) with ``data``."""
    write_private(write_target(path), tomli_w.dumps(data).encode())


def add_instances(
    path: Path, tables: list[dict[str, Any]], on_skip: Callable[[str], None] | None = None
) -> list[str]:
    """Append instance tables not already configured (same URL); returns the names added.

    A name already in use gets a numbered suffix rather than replacing anything; a table
    whose URL is already configured (or came earlier in ``tables``) is skipped, and
    ``on_skip`` hears why, in words: an import that adds nothing must say so.
    """
    with locked(path):
        return _add_instances(path, tables, on_skip or (lambda reason: None))


def _add_instances(
    path: Path, tables: list[dict[str, Any]], on_skip: Callable[[str], None]
) -> list[str]:
    data = _read(path)
    instances = data.setdefault("instances", [])
    if not isinstance(instances, list):
        raise ConfigError(path, "instances", "must be an array of tables: [[instances]]")
    urls = {
        str(i.get("url", "")).rstrip("/"): f"the configured instance {i.get('name', '?')!r}"
        for i in instances
        if isinstance(i, dict)
    }
    names = {str(i.get("name", "")) for i in instances if isinstance(i, dict)}
    added = []
    for table in tables:
        url = str(table["url"]).rstrip("/")
        if url in urls:
            on_skip(f"skipped {table['name']!r}: {url} is already {urls[url]}")
            continue
        name, number = str(table["name"]), 2
        while name in names:
            name, number = f"{table['name']} {number}", number + 1
        instances.append({**table, "name": name})
        names.add(name)
        urls[url] = f"the section {table['name']!r} above"
        added.append(name)
    if added:
        _write(path, data)
    return added


TOKEN_KEYS = ("token_env", "token_command", "token_keyring", "token")


def instance_tables(path: Path) -> list[dict[str, Any]]:
    """The ``[[instances]]`` tables as written (for editing forms)."""
    instances = _read(path).get("instances", [])
    return [dict(table) for table in instances if isinstance(table, dict)]


def _rewrite(path: Path, change: Any) -> None:
    with locked(path):
        _rewrite_unlocked(path, change)


def _rewrite_unlocked(path: Path, change: Any) -> None:
    data = _read(path)
    instances = data.get("instances", [])
    if not isinstance(instances, list):
        raise ConfigError(path, "instances", "must be an array of tables: [[instances]]")
    data["instances"] = change(instances)
    _write(path, data)


def replace_instance(path: Path, name: str, table: dict[str, Any]) -> None:
    """Update the instance called ``name``: the form's fields win, every other key of
    the user's (kinds, groups, timeout...) stays; a new token source replaces the old."""

    def change(instances: list[Any]) -> list[Any]:
        updated = []
        for existing in instances:
            if isinstance(existing, dict) and existing.get("name") == name:
                kept = {k: v for k, v in existing.items() if k not in TOKEN_KEYS}
                existing = {**kept, **table}
            updated.append(existing)
        return updated

    _rewrite(path, change)


def save_template(path: Path, template_id: str, table: dict[str, Any]) -> None:
    """Write ``[templates.<id>]`` (replacing a template of that id); every other table and
    key stays. The caller validates the table first (``template_from_config``)."""
    with locked(path):
        _save_template(path, template_id, table)


def _save_template(path: Path, template_id: str, table: dict[str, Any]) -> None:
    data = _read(path)
    templates = data.setdefault("templates", {})
    if not isinstance(templates, dict):
        raise ConfigError(path, "templates", "must be a table: [templates.<id>]")
    templates[template_id] = table
    _write(path, data)


def remove_instance(path: Path, name: str) -> None:
    """Drop the instance called ``name`` (its snapshot and history stay until removed)."""
    _rewrite(
        path,
        lambda instances: [
            i for i in instances if not (isinstance(i, dict) and i.get("name") == name)
        ],
    )
