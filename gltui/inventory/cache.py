"""The snapshot cache (last good inventory per instance) and the refresh history.

Snapshots live in the cache directory, one JSON file per instance, so the next
start can paint before any network call. History lives in the data directory:
one line per instance per UTC day (the day's last refresh wins), the newest
``HISTORY_DAYS`` kept, enough for the weekly review to say what changed.
Every write is atomic and private (mode 600); nothing written holds a secret.

These files are for later: trouble with them (a full disk, a read-only directory,
a damaged file) costs a notice on :attr:`notices`, never the tokens just fetched,
and a damaged file is set aside before a new one is written (:mod:`gltui.local_files`).
JSON is written ASCII-only, so any name, even one holding a lone surrogate that no
encoding accepts, is stored as an escape and reads back as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    TokenState,
    expiry_instant,
    soonest_upcoming_key,
    state_at,
    window_end,
)
from gltui.domain.summary import ExpirySummary, Place, places_of
from gltui.domain.tokens import Expiry, Token
from gltui.inventory.model import InstanceInventory
from gltui.inventory.serialize import (
    ForeignSnapshot,
    SnapshotFormatError,
    instance_from_dict,
    instance_to_dict,
)
from gltui.inventory.token_columns import encoded_columns, token_columns
from gltui.local_files import (
    HEAD_LIMIT,
    HISTORY_LIMIT,
    SNAPSHOT_LIMIT,
    Read,
    Unreadable,
    copy_aside,
    give_up_on,
    read_capped,
    read_json,
    shown,
    unsaved,
)
from gltui.notices import Notices
from gltui.perf import collector_paused
from gltui.storage import locked, write_private, write_private_chunks

if TYPE_CHECKING:
    from gltui.domain.changes import Seen

# gltui.domain.changes (what the history records) loads on first use, inside History's
# methods: the dashboard's first frame from the cache needs none of it (cold start).

HISTORY_DAYS = 120


def _slug(name: str) -> str:
    """A file-name-safe, collision-free stem for an instance name."""
    readable = re.sub(r"[^a-zA-Z0-9._-]+", "-", name).strip("-")[:40] or "instance"
    # surrogatepass: a name with a lone surrogate gets a file too; every other name
    # hashes exactly as before, so existing files keep their names
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"


class SnapshotCache:
    """Read and write per-instance snapshots."""

    def __init__(self, directory: Path, notices: Notices | None = None) -> None:
        self.directory = directory
        self.notices = notices if notices is not None else Notices()
        """Where trouble with these files is told (an engine shares its own)."""

    def path_for(self, name: str) -> Path:
        """The snapshot file of one instance."""
        return self.directory / f"snapshot-{_slug(name)}.json"

    def head_path_for(self, name: str) -> Path:
        """The small "first screen" file beside an instance's snapshot."""
        return self.directory / f"head-{_slug(name)}.json"

    def save(self, inventory: InstanceInventory) -> bool:
        """Store a successful refresh (failed ones would overwrite good data), and its head:
        the tokens a first screen shows plus a summary for exact cards and chart.

        False (and a notice) when it could not be written: the caller's inventory is
        unaffected, only the next start's first paint is.
        """
        if not inventory.ok:
            return False
        name = inventory.name
        with collector_paused():  # 100,000 rows of lists: collections that free nothing
            return self._save(inventory, name)

    def _save(self, inventory: InstanceInventory, name: str) -> bool:
        try:
            write_private_chunks(self.path_for(name), snapshot_chunks(inventory))
        except (OSError, UnicodeError) as error:
            cost = "the next start shows older tokens from the cache, or none"
            self.notices.warn(
                unsaved(f"the snapshot of {shown(name)}", self.directory, error, cost)
            )
            return False
        first, summary = head_and_summary(inventory.tokens, inventory.fetched_at)
        document = {
            "head": instance_to_dict(replace(inventory, tokens=first)),
            "summary": summary.to_json(),
        }
        try:
            text = json.dumps(document, separators=(",", ":"))
            write_private(self.head_path_for(name), text.encode())
        except (OSError, UnicodeError) as error:
            with contextlib.suppress(OSError):  # an old head would paint older tokens first
                self.head_path_for(name).unlink()
            cost = "the next start paints from the whole snapshot, a little later"
            what = f"the first-screen file of {shown(name)}"
            self.notices.warn(unsaved(what, self.directory, error, cost))
            return False
        return True

    def load_head(self, name: str) -> tuple[InstanceInventory, ExpirySummary] | None:
        """The head of ``name``'s snapshot (marked as cached) and the summary of all its
        tokens; ``None`` when absent, damaged (then set aside) or not matching the
        snapshot."""
        path = self.head_path_for(name)
        try:
            # 200 rows and the summary's lists: collections that free nothing (one
            # landed here at every cold start, scanning every module: ~10-18 ms)
            with collector_paused():
                found = read_json(path, HEAD_LIMIT)
                if found is None:
                    return None
                head, summary = _decode_head(path, *found)
        except ForeignSnapshot:
            return None
        except Unreadable as damage:
            self._give_up(f"the first-screen file of {shown(name)}", damage)
            return None
        if head.name != name or len(summary) < len(head.tokens):
            return None
        return replace(head, from_cache=True), summary

    def load(self, name: str) -> InstanceInventory | None:
        """The last good inventory of ``name``, marked as cached; ``None`` if absent, of
        another gltui version, or damaged (then set aside, with a notice)."""
        path = self.path_for(name)
        try:
            with collector_paused():
                snapshot = _read_snapshot(path)
        except Unreadable as damage:
            self._give_up(f"the snapshot of {shown(name)}", damage)
            return None
        if snapshot is None or snapshot.name != name:
            return None
        return replace(snapshot, from_cache=True)

    def _give_up(self, what: str, damage: Unreadable) -> None:
        """A cache file is only ever replaced whole, so no lock is needed to set it aside;
        one that stays in the way (a directory) is replaced, or refused, by the next save."""
        give_up_on(
            self.notices,
            what,
            damage,
            afterwards="the next refresh writes a new one",
            left="gltui reads the inventory from GitLab instead",
            lock=False,
        )


def _read_snapshot(path: Path) -> InstanceInventory | None:
    """The snapshot at ``path``; ``None``: absent or another schema's. A function of its
    own so the decoded document (100,000 lists at 100,000 tokens) is freed before the
    caller lets the collector run again, which would otherwise scan it once for
    nothing (measured: ~60 ms of a 100,000-token load)."""
    found = read_json(path, SNAPSHOT_LIMIT)
    if found is None:
        return None
    document, read = found
    try:
        return instance_from_dict(document)
    except ForeignSnapshot:
        return None
    except SnapshotFormatError:
        raise Unreadable(path, "is not a snapshot gltui can read", read.identity) from None


def _decode_head(
    path: Path, document: object, read: Read
) -> tuple[InstanceInventory, ExpirySummary]:
    """A head file's inventory and summary; :class:`Unreadable` when it has the wrong shape
    (:class:`ForeignSnapshot` for one of another gltui version)."""
    try:
        if not isinstance(document, dict):
            raise SnapshotFormatError("a head file is an object")
        head = instance_from_dict(document.get("head"))
        summary = ExpirySummary.from_json(document.get("summary"))
    except ForeignSnapshot:
        raise
    except ValueError:  # SnapshotFormatError is one
        raise Unreadable(path, "is not a first-screen file gltui can read", read.identity) from None
    return head, summary


def snapshot_chunks(inventory: InstanceInventory) -> Iterator[bytes]:
    """``json.dumps(instance_to_dict(inventory))``'s bytes, compact, a token column at a
    time (the document ends with its ``tokens``, so the columns are encoded one by one
    into it; ``tests/test_snapshot_speedups.py`` checks the bytes are the one-shot
    encoding's): the text of 100,000 tokens never exists whole."""
    encode = json.JSONEncoder(separators=(",", ":")).encode
    header = encode(instance_to_dict(replace(inventory, tokens=())))
    end = encode({"tokens": token_columns(())})[1:]
    if not header.endswith(end):  # instance_to_dict ends with the tokens: a guard
        raise AssertionError("a snapshot document must end with its tokens")
    yield header[: -len(end) + len('"tokens":')].encode()
    for piece in encoded_columns(inventory.tokens, encode):
        yield piece.encode()
    yield b"}"


HEAD_ROWS = 200
"""Rows in a head file: more than any terminal shows at once."""


def head_and_summary(
    tokens: tuple[Token, ...], now: datetime
) -> tuple[tuple[Token, ...], ExpirySummary]:
    """:func:`first_screen` and ``ExpirySummary.of`` from one pass over the tokens."""
    places = places_of(tokens)
    return first_screen(tokens, now, places), ExpirySummary.of_places(places.items())


def first_screen(
    tokens: tuple[Token, ...], now: datetime, places: dict[Place, int] | None = None
) -> tuple[Token, ...]:
    """The tokens the dashboard's default order puts first: ``sorted(tokens, key=...)``
    cut to :data:`HEAD_ROWS`, by ``classify`` and ``days_until_expiry``'s rules.

    A token's key is (its place's rank, its id), and the place's rank depends on its
    (revoked, expiry) only: so the rank is computed once per distinct pair, the pairs
    of the first :data:`HEAD_ROWS` tokens are found by rank, and only the tokens in
    those are ordered (``heapq.nsmallest`` keeps ``sorted``'s order, ties included).
    A date-only expiry (nearly all of them) is compared as a date (00:00 UTC on it is
    at or before now exactly when it is on or before today in UTC). Measured at
    100,000 tokens: 310 -> ~60 -> ~30 ms; ``tests/test_snapshot_speedups.py`` checks
    it against the plain rules.
    """
    if now.tzinfo is None and tokens:  # as classify does
        raise ValueError("now must be timezone-aware (UTC); GitLab's rules are in UTC")
    utc_now = now.astimezone(UTC)
    today, utc_today = now.date(), utc_now.date()
    end = window_end(utc_now, DEFAULT_EXPIRING_WINDOW_DAYS)
    end_day = end.date()

    def rank(revoked: bool, expires: Expiry) -> tuple[int, int]:
        if type(expires) is date:
            left: int | None = (expires - today).days
            if revoked:
                state = TokenState.REVOKED
            elif expires <= utc_today:
                state = TokenState.EXPIRED
            else:
                state = TokenState.EXPIRING if expires < end_day else TokenState.ACTIVE
        else:
            instant = expiry_instant(expires)
            left = None if instant is None else (instant.astimezone(UTC).date() - today).days
            state = state_at(revoked, instant, utc_now, end)
        first, second, _ = soonest_upcoming_key(state, left, 0)
        return first, second

    counts = places_of(tokens) if places is None else places
    ranked = sorted(
        ((rank(*place), place, count) for place, count in counts.items()),
        key=lambda item: item[0],  # places themselves do not compare (dates, instants, None)
    )
    wanted: dict[Place, tuple[int, int]] = {}
    taken = 0
    for position, (place_rank, place, count) in enumerate(ranked):
        if taken >= HEAD_ROWS and place_rank != ranked[position - 1][0]:
            break  # every token of a rank that could reach the head is in
        wanted[place] = place_rank
        taken += count
    candidates = [token for token in tokens if (token.revoked, token.expires_at) in wanted]
    return tuple(
        heapq.nsmallest(
            HEAD_ROWS,
            candidates,
            key=lambda token: (*wanted[(token.revoked, token.expires_at)], token.id),
        )
    )


@dataclass(frozen=True)
class _Lines:
    """A history file as read: its good lines, how many were damaged, and its bytes."""

    entries: list[dict[str, Any]]
    damaged: int = 0
    read: Read | None = None


class History:
    """Per-instance, per-day records of every token's state."""

    def __init__(
        self, directory: Path, keep_days: int = HISTORY_DAYS, notices: Notices | None = None
    ) -> None:
        self.directory = directory
        self.keep_days = keep_days
        self.notices = notices if notices is not None else Notices()
        """Where trouble with these files is told (an engine shares its own)."""

    def path_for(self, name: str) -> Path:
        """The history file of one instance."""
        return self.directory / f"history-{_slug(name)}.jsonl"

    def record(self, inventory: InstanceInventory, now: datetime) -> bool:
        """Add today's line for this instance (replacing an earlier one from today).

        Every good line is kept: when some were damaged, the original file is copied
        aside first. False (and a notice) when today's line could not be written.
        """
        from gltui.domain.changes import seen, seen_key

        if not inventory.ok:
            return False
        day = now.date().isoformat()
        entry = {
            "day": day,
            "at": now.isoformat(),
            "tokens": {seen_key(token): seen(token, now).to_row() for token in inventory.tokens},
        }
        path = self.path_for(inventory.name)
        what = f"the history of {shown(inventory.name)}"
        try:
            with locked(path):
                lines = self._read_or_set_aside(path, what)
                if lines is None:
                    return False
                kept = [line for line in lines.entries if line.get("day") != day]
                kept.append(entry)
                kept = kept[-self.keep_days :]
                text = "".join(json.dumps(line) + "\n" for line in kept)
                aside = None
                if lines.damaged and lines.read is not None:  # the original first, whole
                    aside = copy_aside(path, lines.read.data)
                write_private(path, text.encode())
            if aside is not None:
                good = len(lines.entries)
                done = f"kept its {_lines_count(good, 'good')}" if good else "started it afresh"
                self.notices.warn(
                    f"{what} ({shown(path)}) had {_lines_count(lines.damaged, 'damaged')}; "
                    f"{done} and the original as {shown(aside.name)}"
                )
        except (OSError, UnicodeError) as error:
            cost = "today's refresh is missing from it (the weekly review compares with less)"
            self.notices.warn(unsaved(what, self.directory, error, cost))
            return False
        return True

    def _read_or_set_aside(self, path: Path, what: str) -> _Lines | None:
        """The file's lines (under its lock); a file that cannot be read at all is set
        aside, or, when it cannot be (a directory, a FIFO), ``None``: gltui never writes
        over what it could not read."""
        try:
            return _read_lines(path)
        except Unreadable as damage:
            moved = give_up_on(
                self.notices,
                what,
                damage,
                afterwards="the history starts afresh",
                left="today's refresh is not recorded until it is out of the way",
                lock=False,
            )
            return _Lines([]) if moved else None

    def seen_on_or_before(self, name: str, day: date) -> tuple[datetime, dict[str, Seen]] | None:
        """What the newest refresh on or before ``day`` saw of ``name`` (else the oldest
        one kept): the review's baseline when nobody has signed a review off yet."""
        from gltui.domain.changes import Seen

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
        """Every readable line, oldest first (damaged lines are skipped, with a notice;
        the next :meth:`record` keeps a copy of the original and drops them)."""
        path = self.path_for(name)
        what = f"the history of {shown(name)}"
        try:
            lines = _read_lines(path)
        except Unreadable as damage:
            give_up_on(
                self.notices,
                what,
                damage,
                afterwards="the history starts afresh",
                left="gltui reads no history for it",
                lock=True,
            )
            return []
        if lines.damaged:
            self.notices.warn(
                f"{what} ({shown(path)}) has {_lines_count(lines.damaged, 'damaged')}; "
                "gltui reads the rest"
            )
        return lines.entries


def _read_lines(path: Path) -> _Lines:
    """A history file, line by line: one damaged line (bad UTF-8, bad JSON, not an
    object with a day) costs that line only, never the days around it."""
    read = read_capped(path, HISTORY_LIMIT)
    if read is None:
        return _Lines([])
    entries: list[dict[str, Any]] = []
    damaged = 0
    for raw in read.data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            damaged += 1
            continue
        if isinstance(parsed, dict) and isinstance(parsed.get("day"), str):
            entries.append(parsed)
        else:
            damaged += 1
    return _Lines(entries, damaged, read)


def _lines_count(count: int, adjective: str) -> str:
    return f"{count} {adjective} line{'' if count == 1 else 's'}"
