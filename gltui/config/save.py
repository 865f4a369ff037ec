"""Write instances into ``config.toml`` (tomli-w), atomically and mode 600.

The file is read back as data, changed, and written whole: every table and key
the user wrote survives, but TOML comments do not (tomli-w cannot keep them), so
gltui only writes when asked to (``gltui config import``, the instances screen).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from gltui.config.model import ConfigError
from gltui.storage import write_private


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(
            path, "", f"not valid TOML, so gltui will not rewrite it: {error}"
        ) from None


def add_instances(path: Path, tables: list[dict[str, Any]]) -> list[str]:
    """Append instance tables not already configured (same URL); returns the names added.

    A name already in use gets a numbered suffix rather than replacing anything.
    """
    data = _read(path)
    instances = data.setdefault("instances", [])
    if not isinstance(instances, list):
        raise ConfigError(path, "instances", "must be an array of tables: [[instances]]")
    urls = {str(i.get("url", "")).rstrip("/") for i in instances if isinstance(i, dict)}
    names = {str(i.get("name", "")) for i in instances if isinstance(i, dict)}
    added = []
    for table in tables:
        if str(table["url"]).rstrip("/") in urls:
            continue
        name, number = str(table["name"]), 2
        while name in names:
            name, number = f"{table['name']} {number}", number + 1
        instances.append({**table, "name": name})
        names.add(name)
        urls.add(str(table["url"]).rstrip("/"))
        added.append(name)
    if added:
        write_private(path, tomli_w.dumps(data).encode())
    return added
