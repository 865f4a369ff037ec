"""Replacements in progress: a new token made, the old one kept until the user says
the new one is deployed. Remembered across restarts (no secret: ids and names only)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from gltui.storage import locked, write_private


@dataclass(frozen=True)
class PendingReplacement:
    """One replacement waiting for the user's "deployed" before the old token goes."""

    instance: str
    old_key: str
    """The old token's :func:`~gltui.domain.changes.seen_key`."""
    old_name: str
    new_key: str
    started_at: datetime

    def to_json(self) -> dict[str, str]:
        """The stored form."""
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        return data


class PendingStore:
    """``pending-replacements.json`` in the data directory (atomic, mode 600)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "pending-replacements.json"

    def all(self) -> list[PendingReplacement]:
        """Every pending replacement; a damaged file reads as none (and is rewritten on
        the next change) rather than stopping the dashboard."""
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        found = []
        for row in rows if isinstance(rows, list) else []:
            try:
                found.append(
                    PendingReplacement(
                        instance=str(row["instance"]),
                        old_key=str(row["old_key"]),
                        old_name=str(row["old_name"]),
                        new_key=str(row["new_key"]),
                        started_at=datetime.fromisoformat(str(row["started_at"])),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        return found

    def _write(self, rows: list[PendingReplacement]) -> None:
        text = json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=1)
        write_private(self.path, text.encode())

    def add(self, pending: PendingReplacement) -> list[PendingReplacement]:
        """Remember a replacement (replacing an earlier one of the same old token);
        returns every pending replacement now."""
        with locked(self.path):
            rows = [
                row
                for row in self.all()
                if (row.instance, row.old_key) != (pending.instance, pending.old_key)
            ]
            rows.append(pending)
            self._write(rows)
        return rows

    def remove(self, old_tokens: Iterable[tuple[str, str]]) -> list[PendingReplacement]:
        """Forget the replacements of these (instance, old key) pairs, finished or
        abandoned, in one read and at most one write; returns those still pending."""
        gone = set(old_tokens)
        with locked(self.path):
            rows = self.all()
            kept = [row for row in rows if (row.instance, row.old_key) not in gone]
            if len(kept) != len(rows):
                self._write(kept)
        return kept
