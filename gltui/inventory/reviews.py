"""Review sign-offs: when the user last reviewed their tokens, and what they saw.

A sign-off stores every token as the review saw it (a :class:`Seen` row: no
secret), so the next review can say what changed, including tokens GitLab has
since stopped listing. A short log of earlier sign-offs (time and counts) is
kept beside it. Writes are atomic and private, like every gltui file.
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


class ReviewLog:
    """The sign-off file in the data directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "reviews.json"

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return document if isinstance(document, dict) else {}

    def last(self) -> Baseline | None:
        """The newest sign-off's view of every token; ``None`` before the first (or if
        the file is damaged: a review then falls back to history rather than failing)."""
        last = self._read().get("last")
        if not isinstance(last, dict):
            return None
        try:
            at = datetime.fromisoformat(str(last["at"]))
            found = {
                instance: {key: Seen.from_row(instance, key, row) for key, row in rows.items()}
                for instance, rows in last["seen"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return Baseline(at, "review", found)

    def sign_offs(self) -> list[SignOff]:
        """Every logged sign-off, oldest first."""
        found = []
        for entry in self._read().get("log", []):
            try:
                counts = {str(k): int(v) for k, v in entry["counts"].items()}
                found.append(SignOff(datetime.fromisoformat(str(entry["at"])), counts))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        return found

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
        """
        rows: dict[str, dict[str, Any]] = {}
        for instance, kept in (keep_instances or {}).items():
            rows[instance] = {key: item.to_row() for key, item in kept.items()}
        for token in tokens:
            rows.setdefault(token.instance, {})[seen_key(token)] = seen(token, now, window).to_row()
        with locked(self.path):
            document = self._read()
            log = [entry for entry in document.get("log", []) if isinstance(entry, dict)]
            log.append({"at": now.isoformat(), "counts": dict(counts)})
            fresh = {
                "schema": REVIEW_SCHEMA,
                "last": {"at": now.isoformat(), "window_days": window, "seen": rows},
                "log": log[-KEEP_SIGN_OFFS:],
            }
            write_private(self.path, json.dumps(fresh, ensure_ascii=False).encode())


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
