"""Replacements in progress: a new token made, the old one kept until the user says
the new one is deployed. Remembered across restarts (no secret: ids and names only).

Each one reminds the user of an old token still to revoke, so a damaged row costs
that row only: the good ones are kept, and the original file is copied aside before
the next write drops the damaged ones. A file that cannot be read at all is set
aside; one that cannot be saved costs a notice, and the replacement is remembered
until gltui quits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from gltui.local_files import (
    STATE_LIMIT,
    Read,
    Unreadable,
    copy_aside,
    give_up_on,
    read_json,
    shown,
    unsaved,
)
from gltui.notices import Notices
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


@dataclass(frozen=True)
class _Rows:
    """The file as read: its good rows, how many were damaged, and its bytes."""

    rows: list[PendingReplacement] = field(default_factory=list)
    damaged: int = 0
    read: Read | None = None


_WHAT = "the pending replacements file"
_FIELDS = ("instance", "old_key", "old_name", "new_key", "started_at")


class PendingStore:
    """``pending-replacements.json`` in the data directory (atomic, mode 600)."""

    def __init__(self, directory: Path, notices: Notices | None = None) -> None:
        self.path = directory / "pending-replacements.json"
        self.notices = notices if notices is not None else Notices()
        """Where trouble with this file is told (the dashboard passes its engine's)."""

    def all(self) -> list[PendingReplacement]:
        """Every pending replacement; damage costs a notice and the damaged rows (or the
        whole file, set aside), never the dashboard."""
        try:
            found = self._load(holding_lock=False)
        except Unreadable:
            return []
        if found.damaged:
            self.notices.warn(
                f"{_WHAT} ({shown(self.path)}) holds {found.damaged} damaged "
                f"row{'' if found.damaged == 1 else 's'}; gltui reads the rest"
            )
        return found.rows

    def _load(self, *, holding_lock: bool) -> _Rows:
        """The file's rows; a file that cannot be read at all is set aside. Raises
        :class:`Unreadable` when it stays in the way (a directory, a FIFO)."""
        try:
            found = read_json(self.path, STATE_LIMIT)
            if found is None:
                return _Rows()
            document, read = found
            if not isinstance(document, list):
                raise Unreadable(self.path, "is not a list of replacements", read.identity)
        except Unreadable as damage:
            moved = give_up_on(
                self.notices,
                _WHAT,
                damage,
                afterwards="pending replacements start afresh (the old tokens are untouched)",
                left="replacements are remembered until gltui quits",
                lock=not holding_lock,
            )
            if moved:
                return _Rows()
            raise
        rows = [row for row in map(_parse, document) if row is not None]
        return _Rows(rows, len(document) - len(rows), read)

    def _write(self, rows: list[PendingReplacement]) -> None:
        text = json.dumps([row.to_json() for row in rows], indent=1)  # ASCII: any name fits
        write_private(self.path, text.encode())

    def _update(
        self, change: Callable[[list[PendingReplacement]], list[PendingReplacement]]
    ) -> list[PendingReplacement]:
        """Apply ``change`` under the file's lock and write the result when it differs
        (or when damaged rows are to be dropped: the original is copied aside first).
        Returns the rows now pending, saved or not."""
        changed: list[PendingReplacement] | None = None
        try:
            with locked(self.path):
                found = self._load(holding_lock=True)
                changed = change(found.rows)
                if changed != found.rows or found.damaged:
                    if found.damaged and found.read is not None:
                        aside = copy_aside(self.path, found.read.data)
                        self.notices.warn(
                            f"{_WHAT} ({shown(self.path)}) held damaged rows; kept the "
                            f"original as {shown(aside.name)}"
                        )
                    self._write(changed)
        except (OSError, UnicodeError) as error:
            cost = "this change is remembered until gltui quits"
            self.notices.warn(unsaved(_WHAT, self.path.parent, error, cost))
            if changed is None:  # not even read under the lock: the best knowledge
                changed = change(self.all())
        return changed

    def add(self, pending: PendingReplacement) -> list[PendingReplacement]:
        """Remember a replacement (replacing an earlier one of the same old token);
        returns every pending replacement now."""
        old = (pending.instance, pending.old_key)
        return self._update(
            lambda rows: [row for row in rows if (row.instance, row.old_key) != old] + [pending]
        )

    def remove(self, old_tokens: Iterable[tuple[str, str]]) -> list[PendingReplacement]:
        """Forget the replacements of these (instance, old key) pairs, finished or
        abandoned, in one read and at most one write; returns those still pending."""
        gone = set(old_tokens)
        return self._update(
            lambda rows: [row for row in rows if (row.instance, row.old_key) not in gone]
        )


def _parse(row: object) -> PendingReplacement | None:
    """One stored row, or ``None`` when it is not one gltui wrote."""
    if not isinstance(row, dict) or not all(isinstance(row.get(key), str) for key in _FIELDS):
        return None
    try:
        started = datetime.fromisoformat(row["started_at"])
    except ValueError:
        return None
    return PendingReplacement(
        row["instance"], row["old_key"], row["old_name"], row["new_key"], started
    )
