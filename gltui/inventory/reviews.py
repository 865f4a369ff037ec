"""Review sign-offs: when the user last reviewed their tokens, and what they saw.

A sign-off stores every token as the review saw it (a :class:`Seen` row: no
secret), so the next review can say what changed, including tokens GitLab has
since stopped listing. A short log of earlier sign-offs (time and counts) is
kept beside it. Writes are atomic and private, like every gltui file.

A file gltui cannot read whole (damaged, of the wrong shape, of another schema) is
set aside as ``reviews.json.corrupt-<time>`` with a notice, and the review falls
back to the history: a sign-off's value is all of it or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gltui.domain.changes import Baseline, Seen, seen, seen_key
from gltui.domain.tokens import Token
from gltui.inventory.cache import History
from gltui.local_files import STATE_LIMIT, Unreadable, give_up_on, read_json
from gltui.notices import Notices
from gltui.storage import locked, write_private

REVIEW_SCHEMA = 1
KEEP_SIGN_OFFS = 52
"""A year of weekly reviews in the log (only the newest one's tokens are kept)."""
FALLBACK_DAYS = 7
"""Without any sign-off, a review compares with the history of a week ago."""


@dataclass(frozen=True)
class SignOff:
    """One past review: when, and how much it saw."""

    at: datetime
    counts: Mapping[str, int]


@dataclass(frozen=True)
class _Record:
    """The sign-off file, checked: the last sign-off, the log, and the log's stored rows."""

    last: Baseline | None
    log: list[SignOff]
    rows: list[dict[str, Any]]


_NOTHING = _Record(None, [], [])
_WHAT = "the review sign-off file"


class ReviewLog:
    """The sign-off file in the data directory."""

    def __init__(self, directory: Path, notices: Notices | None = None) -> None:
        self.path = directory / "reviews.json"
        self.notices = notices if notices is not None else Notices()
        """Where trouble with this file is told (an engine shares its own)."""

    def _record(self, *, holding_lock: bool) -> _Record:
        """The file's contents (nothing when absent); one that cannot be read is set
        aside. Raises :class:`Unreadable` when it stays in the way (a directory, a FIFO,
        a file that cannot be moved): a sign-off must not be written over it."""
        try:
            found = read_json(self.path, STATE_LIMIT)
            if found is None:
                return _NOTHING
            document, read = found
            record = _parse(document)
            if isinstance(record, str):
                raise Unreadable(self.path, record, read.identity)
            return record
        except Unreadable as damage:
            moved = give_up_on(
                self.notices,
                _WHAT,
                damage,
                afterwards="the next review compares with the history",
                left="reviews compare with the history and cannot be signed off",
                lock=not holding_lock,
            )
            if moved:
                return _NOTHING
            raise

    def _read(self) -> _Record:
        try:
            return self._record(holding_lock=False)
        except Unreadable:
            return _NOTHING

    def last(self) -> Baseline | None:
        """The newest sign-off's view of every token; ``None`` before the first (or if
        the file is damaged: a review then falls back to history rather than failing)."""
        return self._read().last

    def sign_offs(self) -> list[SignOff]:
        """Every logged sign-off, oldest first."""
        return self._read().log

    def sign_off(
        self,
        tokens: Iterable[Token],
        now: datetime,
        window: int,
        counts: Mapping[str, int],
        *,
        keep_instances: Mapping[str, Mapping[str, Seen]] | None = None,
    ) -> None:
        """Record a review at ``now`` of ``tokens``, with the counts it showed.

        ``keep_instances``: what the previous sign-off saw of instances that could not
        be read this time, carried over so their tokens are not all "new" next week.
        Raises ``OSError`` when it cannot be written (the caller says so).
        """
        rows: dict[str, dict[str, Any]] = {}
        for instance, kept in (keep_instances or {}).items():
            rows[instance] = {key: item.to_row() for key, item in kept.items()}
        for token in tokens:
            rows.setdefault(token.instance, {})[seen_key(token)] = seen(token, now, window).to_row()
        with locked(self.path):
            log = list(self._record(holding_lock=True).rows)
            log.append({"at": now.isoformat(), "counts": dict(counts)})
            fresh = {
                "schema": REVIEW_SCHEMA,
                "last": {"at": now.isoformat(), "window_days": window, "seen": rows},
                "log": log[-KEEP_SIGN_OFFS:],
            }
            write_private(self.path, json.dumps(fresh).encode())  # ASCII: any name fits


def _parse(document: object) -> _Record | str:
    """The checked contents of a sign-off file, or what is wrong with it."""
    if not isinstance(document, dict):
        return "is not a review record gltui can read"
    schema = document.get("schema")
    if schema != REVIEW_SCHEMA:
        if type(schema) is int:
            return f"was written by another version of gltui (schema {schema})"
        return "is not a review record gltui can read"
    try:
        last = document.get("last")
        baseline = None
        if last is not None:
            at = datetime.fromisoformat(last["at"])
            found = {
                str(instance): {
                    str(key): Seen.from_row(str(instance), str(key), row)
                    for key, row in rows.items()
                }
                for instance, rows in last["seen"].items()
            }
            baseline = Baseline(at, "review", found)
        entries = document.get("log", [])
        log = [
            SignOff(
                datetime.fromisoformat(entry["at"]),
                {str(k): _count(v) for k, v in entry["counts"].items()},
            )
            for entry in entries
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        return "is damaged (a field of the wrong type or missing)"
    return _Record(baseline, log, list(entries))


def _count(value: object) -> int:
    if type(value) is not int:
        raise TypeError("a count is an integer")
    return value


def review_baseline(
    reviews: ReviewLog | None, history: History | None, names: Iterable[str], now: datetime
) -> Baseline | None:
    """What a review compares with: the last sign-off, else the history of a week ago
    (else the oldest history kept); ``None`` when neither exists yet."""
    if reviews is not None:
        last = reviews.last()
        if last is not None:
            return last
    if history is None:
        return None
    day = (now - timedelta(days=FALLBACK_DAYS)).date()
    found: dict[str, dict[str, Seen]] = {}
    times = []
    for name in names:
        entry = history.seen_on_or_before(name, day)
        if entry is not None:
            times.append(entry[0])
            found[name] = entry[1]
    if not found:
        return None
    return Baseline(min(times), "history", found)
