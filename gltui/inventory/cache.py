"""The snapshot cache (last good inventory per instance) and the refresh history.

Snapshots live in the cache directory, one JSON file per instance, so the next
start can paint before any network call. History lives in the data directory:
one line per instance per UTC day (the day's last refresh wins), the newest
``HISTORY_DAYS`` kept, enough for the weekly review to say what changed.
Every write is atomic and private (mode 600); nothing written holds a secret.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gltui.domain.changes import Seen, seen, seen_key
from gltui.domain.states import classify, days_until_expiry, soonest_upcoming_key
from gltui.domain.summary import ExpirySummary
from gltui.domain.tokens import Token
from gltui.inventory.model import InstanceInventory
from gltui.inventory.serialize import SnapshotFormatError, instance_from_dict, instance_to_dict
from gltui.perf import collector_paused
from gltui.storage import locked, write_private

HISTORY_DAYS = 120


def _slug(name: str) -> str:
    """A file-name-safe, collision-free stem for an instance name."""
    readable = re.sub(r"[^a-zA-Z0-9._-]+", "-", name).strip("-")[:40] or "instance"
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


class SnapshotCache:
    """Read and write per-instance snapshots."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, name: str) -> Path:
        """The snapshot file of one instance."""
        return self.directory / f"snapshot-{_slug(name)}.json"

    def head_path_for(self, name: str) -> Path:
        """The small "first screen" file beside an instance's snapshot."""
        return self.directory / f"head-{_slug(name)}.json"

    def save(self, inventory: InstanceInventory) -> None:
        """Store a successful refresh (failed ones would overwrite good data), and its head:
        the tokens a first screen shows plus a summary for exact cards and chart."""
        if not inventory.ok:
            return
        data = json.dumps(instance_to_dict(inventory), ensure_ascii=False, separators=(",", ":"))
        write_private(self.path_for(inventory.name), data.encode())
        head = replace(inventory, tokens=first_screen(inventory.tokens, inventory.fetched_at))
        document = {
            "head": instance_to_dict(head),
            "summary": ExpirySummary.of(inventory.tokens).to_json(),
        }
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        write_private(self.head_path_for(inventory.name), text.encode())

    def load_head(self, name: str) -> tuple[InstanceInventory, ExpirySummary] | None:
        """The head of ``name``'s snapshot (marked as cached) and the summary of all its
        tokens; ``None`` when absent, damaged or not matching the snapshot."""
        try:
            document = json.loads(self.head_path_for(name).read_bytes())
            head = instance_from_dict(document["head"])
            summary = ExpirySummary.from_json(document["summary"])
        except (OSError, ValueError, KeyError, TypeError, SnapshotFormatError):
            return None
        if head.name != name or len(summary) < len(head.tokens):
            return None
        return replace(head, from_cache=True), summary

    def load(self, name: str) -> InstanceInventory | None:
        """The last good inventory of ``name``, marked as cached; ``None`` if absent or damaged."""
        try:
            raw = self.path_for(name).read_bytes()
            with collector_paused():
                snapshot = instance_from_dict(json.loads(raw))
        except (OSError, ValueError, SnapshotFormatError):
            return None
        if snapshot.name != name:
            return None
        return replace(snapshot, from_cache=True)


HEAD_ROWS = 200
"""Rows in a head file: more than any terminal shows at once."""


def first_screen(tokens: tuple[Token, ...], now: datetime) -> tuple[Token, ...]:
    """The tokens the dashboard's default order puts first."""
    today = now.date()

    def key(token: Token) -> tuple[int, int, int]:
        left = days_until_expiry(token, today)
        return soonest_upcoming_key(classify(token, now), left, token.id)

    return tuple(sorted(tokens, key=key)[:HEAD_ROWS])


class History:
    """Per-instance, per-day records of every token's state."""

    def __init__(self, directory: Path, keep_days: int = HISTORY_DAYS) -> None:
        self.directory = directory
        self.keep_days = keep_days

    def path_for(self, name: str) -> Path:
        """The history file of one instance."""
        return self.directory / f"history-{_slug(name)}.jsonl"

    def record(self, inventory: InstanceInventory, now: datetime) -> None:
        """Add today's line for this instance (replacing an earlier one from today)."""
        if not inventory.ok:
            return
        day = now.date().isoformat()
        entry = {
            "day": day,
            "at": now.isoformat(),
            "tokens": {seen_key(token): seen(token, now).to_row() for token in inventory.tokens},
        }
        path = self.path_for(inventory.name)
        with locked(path):
            kept = [line for line in self.entries(inventory.name) if line.get("day") != day]
            kept.append(entry)
            kept = kept[-self.keep_days :]
            text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in kept)
            write_private(path, text.encode())

    def seen_on_or_before(self, name: str, day: date) -> tuple[datetime, dict[str, Seen]] | None:
        """What the newest refresh on or before ``day`` saw of ``name`` (else the oldest
        one kept): the review's baseline when nobody has signed a review off yet."""
        entries = self.entries(name)
        if not entries:
            return None
        chosen = entries[0]
        for entry in entries:
            if str(entry.get("day", "")) <= day.isoformat():
                chosen = entry
        try:
            at = datetime.fromisoformat(str(chosen["at"]))
            rows = chosen["tokens"]
            return at, {key: Seen.from_row(name, key, row) for key, row in rows.items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def entries(self, name: str) -> list[dict[str, Any]]:
        """Every readable line, oldest first (damaged lines are skipped)."""
        try:
            lines = self.path_for(name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return []
        entries = []
        for line in lines:
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                entries.append(parsed)
        return entries
