"""The last "where is it deployed?" scan of each instance, remembered (never a value).

``deployed.json`` in the data directory (atomic, mode 600, changed under its lock): per
instance, when it was scanned and each CI/CD variable found holding a token GitLab named
(:class:`~gltui.domain.deployed.Deployment`). A new scan of an instance replaces what the
last one found there (a variable deleted since is gone); other instances are kept. The
values themselves were only ever held in memory during the scan.

:func:`deployed_targets` is what the rotation hand-off asks: the variables holding a
token, to offer as the places to write its successor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from gltui.domain.changes import seen_key
from gltui.domain.deployed import Deployment, VariablePlace
from gltui.domain.handoff import CiVariableTarget
from gltui.domain.tokens import ResourceType, Token
from gltui.inventory.record_file import Document, RecordFile
from gltui.notices import Notices

SCHEMA = 1
_TYPES = {kind.value: kind for kind in ResourceType}


class DeployedStore:
    """``deployed.json`` in ``directory``."""

    def __init__(self, directory: Path, notices: Notices | None = None) -> None:
        self.file = RecordFile(
            directory, "deployed.json", "the deployed-in record", SCHEMA, notices
        )

    def all(self) -> list[Deployment]:
        """Every deployment found by the last scan of each instance."""
        return _deployments(self.file.read())

    def for_token(self, token: Token) -> list[Deployment]:
        """The variables the last scan found holding ``token``."""
        key = seen_key(token)
        return [d for d in self.all() if d.instance == token.instance and d.token_key == key]

    def replace_instance(
        self, instance: str, scanned_at: datetime, found: Iterable[Deployment]
    ) -> list[Deployment]:
        """Store a scan of ``instance``: its findings replace the last scan's there.
        Returns every deployment now known."""
        rows = [_row(d) for d in found if d.instance == instance]

        def change(document: Document) -> Document:
            instances = dict(_instances(document))
            instances[instance] = {"scanned_at": scanned_at.isoformat(), "found": rows}
            return {"instances": instances}

        return _deployments(self.file.update(change, "the scan's links are not kept"))

    def follow(self, instance: str, old_key: str, new_key: str) -> list[Deployment]:
        """The variables that held ``old_key`` now hold ``new_key`` (the hand-off wrote
        the successor there and read it back): say so until the next scan."""

        def change(document: Document) -> Document:
            instances = dict(_instances(document))
            entry = instances.get(instance)
            if isinstance(entry, dict) and isinstance(entry.get("found"), list):
                rows = [
                    {**row, "token_key": new_key}
                    if isinstance(row, dict) and row.get("token_key") == old_key
                    else row
                    for row in entry["found"]
                ]
                instances[instance] = {**entry, "found": rows}
            return {"instances": instances}

        return _deployments(self.file.update(change, "the moved links are not kept"))


def deployed_targets(
    token: Token, directory: Path, notices: Notices | None = None
) -> list[CiVariableTarget]:
    """The CI/CD variables the last scan found holding ``token``, as the rotation
    hand-off's targets (project or group path, key, environment scope; never created:
    they exist)."""
    return [
        CiVariableTarget(
            owner=d.place.resource_type,
            path=d.place.path,
            key=d.place.key,
            environment_scope=d.place.environment_scope,
        )
        for d in DeployedStore(directory, notices).for_token(token)
    ]


def _row(found: Deployment) -> dict[str, object]:
    place = found.place
    return {
        "token_key": found.token_key,
        "resource_type": place.resource_type.value,
        "resource_id": place.resource_id,
        "path": place.path,
        "key": place.key,
        "environment_scope": place.environment_scope,
        "seen_at": found.seen_at.isoformat(),
    }


def _instances(document: Document) -> dict[str, object]:
    instances = document.get("instances")
    return {str(k): v for k, v in instances.items()} if isinstance(instances, dict) else {}


def _deployments(document: Document) -> list[Deployment]:
    """Every readable row (a damaged one is skipped)."""
    found = []
    for instance, entry in _instances(document).items():
        rows = entry.get("found") if isinstance(entry, dict) else None
        for row in rows if isinstance(rows, list) else ():
            parsed = _parse(instance, row)
            if parsed is not None:
                found.append(parsed)
    return found


def _parse(instance: str, row: object) -> Deployment | None:
    if not isinstance(row, dict):
        return None
    texts = [row.get(name) for name in ("token_key", "path", "key", "environment_scope")]
    kind, ident, seen = row.get("resource_type"), row.get("resource_id"), row.get("seen_at")
    if not all(isinstance(text, str) for text in texts) or kind not in _TYPES:
        return None
    if type(ident) is not int or not isinstance(seen, str):
        return None
    try:
        seen_at = datetime.fromisoformat(seen)
    except ValueError:
        return None
    token_key, path, key, scope = (str(text) for text in texts)
    place = VariablePlace(_TYPES[str(kind)], ident, path, key, scope)
    return Deployment(instance, token_key, place, seen_at)
