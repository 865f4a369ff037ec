"""The rotations and replacements gltui made, remembered: which token took whose place.

GitLab's listings do not say that a token was rotated into another
(``previous_personal_access_token_id`` shows only in the admin token-information API),
and a replacement gltui finished leaves no trace once the old token is revoked. So each
rotation and replacement gltui makes, and each link GitLab shows it, is recorded here:
instance, the two tokens' keys, how, and when. No secret: keys are ``family:id``.
:mod:`gltui.domain.replaced` reads the links to tell a replaced token from one that
expired; the dashboard, the review and ``gltui report --fail-on`` use them.

``successions.json`` in the data directory (atomic, mode 600, changed under its lock);
the newest :data:`KEEP` links are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from gltui.domain.replaced import Because, Succession
from gltui.inventory.record_file import Document, RecordFile
from gltui.notices import Notices

SCHEMA = 1
KEEP = 5000
"""Links kept, newest last (years of weekly rotations of hundreds of tokens)."""
_BECAUSE = {because.value: because for because in Because}


class SuccessionStore:
    """``successions.json`` in ``directory``."""

    def __init__(self, directory: Path, notices: Notices | None = None) -> None:
        self.file = RecordFile(
            directory, "successions.json", "the successions record", SCHEMA, notices
        )

    def all(self) -> list[Succession]:
        """Every recorded link, oldest first (damaged rows are skipped)."""
        return [link for link, _ in _rows(self.file.read())]

    def record(self, links: Iterable[Succession], at: datetime) -> list[Succession]:
        """Remember ``links`` (made at ``at``); a link already known is kept once.
        Returns every link now known."""
        fresh = list(links)

        def change(document: Document) -> Document:
            rows = [(link, when) for link, when in _rows(document) if link not in fresh]
            rows += [(link, at.isoformat()) for link in fresh]
            return {"links": [_row(link, when) for link, when in rows[-KEEP:]]}

        saved = self.file.update(change, "the link is remembered until gltui quits")
        return [link for link, _ in _rows(saved)]


def _row(link: Succession, at: str) -> dict[str, str]:
    return {
        "instance": link.instance,
        "old_key": link.old_key,
        "new_key": link.new_key,
        "because": link.because.value,
        "at": at,
    }


def _rows(document: Document) -> list[tuple[Succession, str]]:
    """The document's good rows with their times."""
    found = []
    rows = document.get("links")
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict):
            continue
        fields = [row.get(name) for name in ("instance", "old_key", "new_key", "because", "at")]
        if not all(isinstance(value, str) for value in fields):
            continue
        instance, old_key, new_key, because, at = (str(value) for value in fields)
        if because in _BECAUSE:
            found.append((Succession(instance, old_key, new_key, _BECAUSE[because]), at))
    return found


def record_succession(
    directory: Path,
    instance: str,
    old_key: str,
    new_key: str,
    because: Because,
    at: datetime,
    notices: Notices | None = None,
) -> list[Succession]:
    """Remember that ``new_key`` took ``old_key``'s place on ``instance`` (the hand-off
    and the dashboard call this after a rotation or a replacement). Blocking file I/O."""
    store = SuccessionStore(directory, notices)
    return store.record([Succession(instance, old_key, new_key, because)], at)
