"""One small JSON record in the data directory: read defensively, changed under its lock.

The successions record (:mod:`gltui.inventory.successions`) and the deployed-in record
(:mod:`gltui.inventory.deployed_store`) are both a short document gltui alone writes and
reads back. This is their file: written atomically with mode 600
(:func:`~gltui.storage.write_private`), changed under the file's lock so two gltui
processes cannot lose each other's change, and read the way gltui reads all its own
files (:mod:`gltui.local_files`): a file that cannot be used costs a notice and is set
aside as ``<name>.corrupt-<time>`` (never the caller's run), then counts as empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from gltui.local_files import STATE_LIMIT, Unreadable, give_up_on, read_json, unsaved
from gltui.notices import Notices
from gltui.storage import locked, write_private

Document = dict[str, object]


class RecordFile:
    """``directory/name``: a JSON object with ``schema``; anything else is damage."""

    def __init__(
        self, directory: Path, name: str, what: str, schema: int, notices: Notices | None = None
    ) -> None:
        self.path = directory / name
        self.what = what
        """The file in words, for notices ("the successions record")."""
        self.schema = schema
        self.notices = notices if notices is not None else Notices()

    def read(self) -> Document:
        """The document (``{}`` when absent or unusable: the notice says which)."""
        try:
            return self._load(holding_lock=False)
        except Unreadable:
            return {}

    def _load(self, *, holding_lock: bool) -> Document:
        try:
            found = read_json(self.path, STATE_LIMIT)
            if found is None:
                return {}
            document, read = found
            if not isinstance(document, dict) or document.get("schema") != self.schema:
                raise Unreadable(self.path, "is not a record this gltui can read", read.identity)
            return document
        except Unreadable as damage:
            moved = give_up_on(
                self.notices,
                self.what,
                damage,
                afterwards="gltui starts it afresh",
                left="gltui reads it as empty and cannot save it",
                lock=not holding_lock,
            )
            if moved:
                return {}
            raise

    def update(self, change: Callable[[Document], Document], cost: str) -> Document:
        """Apply ``change`` under the lock and write the result; returns the document
        now (saved or not: a failed save costs a notice naming ``cost``)."""
        try:
            with locked(self.path):
                document = change(self._load(holding_lock=True))
                document["schema"] = self.schema
                write_private(self.path, json.dumps(document, indent=1).encode())
                return document
        except (OSError, UnicodeError) as error:
            self.notices.warn(unsaved(self.what, self.path.parent, error, cost))
            return change(self.read())
