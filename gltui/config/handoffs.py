"""``[[handoffs]]`` in ``config.toml``: the remembered hand-off targets of each token.

::

    [[handoffs]]
    instance = "work"
    token = "project:acme/renovate:renovate"     # kind:place:name, survives rotation

    [[handoffs.targets]]
    ci_variable = { project = "acme/backend/worker", key = "RENOVATE_TOKEN" }

    [[handoffs.targets]]
    command = ["pass", "insert", "-m", "gitlab/renovate"]
    read_back = ["pass", "show", "gitlab/renovate"]

Read with the rest of the file (every problem named by its place, e.g.
``handoffs[0].targets[1].ci_variable.key``) and written the way every other change
to the file is (:mod:`gltui.config.save`: atomically, mode 600, under the file's
lock). A hand-off of an instance the file does not configure costs a warning, not
the whole configuration: renaming an instance must not lock the user out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gltui.config.model import ConfigError
from gltui.config.save import _read, _write
from gltui.domain.errors import ValidationError
from gltui.domain.handoff import Handoff, Target, check_token_key, parse_target, target_table
from gltui.storage import locked

_KEYS = ("instance", "token", "targets")


def parse_handoffs(
    path: Path, data: object, instances: Sequence[str]
) -> tuple[tuple[Handoff, ...], list[str]]:
    """The ``handoffs`` array, validated, and warnings about unused ones."""
    if not isinstance(data, list):
        raise ConfigError(path, "handoffs", "must be an array of tables: [[handoffs]]")
    found: list[Handoff] = []
    warnings: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, table in enumerate(data):
        where = f"handoffs[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(path, where, "must be a table")
        for key in table:
            if key not in _KEYS:
                known = ", ".join(_KEYS)
                raise ConfigError(path, f"{where}.{key}", f"unknown key; known keys: {known}")
        instance = table.get("instance")
        if not isinstance(instance, str) or not instance.strip():
            raise ConfigError(path, f"{where}.instance", "is required: the instance's name")
        token = table.get("token")
        if not isinstance(token, str):
            raise ConfigError(
                path, f"{where}.token", "is required, e.g. 'project:acme/renovate:renovate'"
            )
        try:
            check_token_key(token)
        except ValidationError as error:
            raise ConfigError(path, f"{where}.{error.field}", error.message) from None
        raw_targets = table.get("targets", [])
        if not isinstance(raw_targets, list):
            raise ConfigError(path, f"{where}.targets", "must be an array of tables")
        targets = []
        for number, raw in enumerate(raw_targets):
            field = f"{where}.targets[{number}]"
            if not isinstance(raw, dict):
                raise ConfigError(path, field, "must be a table")
            try:
                targets.append(parse_target(raw, field))
            except ValidationError as error:
                raise ConfigError(path, error.field, error.message) from None
        pair = (instance.strip(), token)
        if pair in seen:
            raise ConfigError(
                path, where, f"token {token!r} of {pair[0]!r} is already in handoffs[{seen[pair]}]"
            )
        seen[pair] = index
        if pair[0] not in instances:
            warnings.append(
                f"{path}: {where}: no instance is named {pair[0]!r}; its targets are unused"
            )
        found.append(Handoff(pair[0], token, tuple(targets)))
    return tuple(found), warnings


def remember_targets(path: Path, instance: str, token: str, targets: Sequence[Target]) -> int:
    """Add ``targets`` to the hand-off of ``token`` on ``instance`` (made when missing),
    skipping those it already has; returns how many were added. Every other table and
    key of the file stays (its comments do not: see :mod:`gltui.config.save`)."""
    check_token_key(token)
    with locked(path):
        data = _read(path)
        handoffs = data.setdefault("handoffs", [])
        if not isinstance(handoffs, list):
            raise ConfigError(path, "handoffs", "must be an array of tables: [[handoffs]]")
        entry: dict[str, Any] | None = next(
            (
                table
                for table in handoffs
                if isinstance(table, dict)
                and table.get("instance") == instance
                and table.get("token") == token
            ),
            None,
        )
        if entry is None:
            entry = {"instance": instance, "token": token, "targets": []}
            handoffs.append(entry)
        existing = entry.setdefault("targets", [])
        if not isinstance(existing, list):
            raise ConfigError(path, "handoffs.targets", "must be an array of tables")
        known = []
        for table in existing:
            try:
                known.append(parse_target(table) if isinstance(table, dict) else None)
            except ValidationError:
                known.append(None)
        added = 0
        for target in targets:
            if target not in known:
                existing.append(target_table(target))
                known.append(target)
                added += 1
        if added:
            _write(path, data)
        return added
