"""The API log: one line per request gltui makes, never a header or a body.

lazygit's command log is the model: a user (or a reviewer) can see exactly what
gltui asked of each instance, what came back and how long it took, including
the retries, waits and refused redirects the transport policy decided on. Light
on purpose (no python-gitlab import), so the dashboard can show it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

LOG_KEEP = 5000
"""Requests kept in memory for the dashboard's log screen (the newest win)."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request: what was asked and what came of it."""

    instance: str
    method: str
    path: str
    """``/api/v4/...`` without the query string (it can name users and projects)."""
    status: int | None
    """The HTTP status, ``None`` when no answer came (timeout, refused connection)."""
    seconds: float
    retries: int = 0
    note: str = ""
    """What the transport decided, e.g. "redirect to https://other/ refused"."""
    at: datetime | None = None

    def line(self) -> str:
        """One human-readable line (the log screen and ``--log``'s text form)."""
        status = str(self.status) if self.status is not None else "---"
        retries = f" retries={self.retries}" if self.retries else ""
        note = f"  {self.note}" if self.note else ""
        return (
            f"{self.instance}  {self.method:<6} {self.path}  {status}  "
            f"{self.seconds * 1000:.0f} ms{retries}{note}"
        )


class RequestLog:
    """Thread-safe: every walk and action thread adds to it; readers take a copy.

    With ``file`` each record is also appended as one JSON line (``gltui ... --log``).
    """

    def __init__(self, keep: int = LOG_KEEP, file: IO[str] | None = None) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._file = file
        self._listeners: list[Callable[[RequestRecord], None]] = []
        self.total = 0
        """Requests logged since the start (the deque forgets, this does not)."""

    def add(self, record: RequestRecord) -> None:
        """Log one request (and tell the listeners, from the caller's thread)."""
        if record.at is None:
            record = RequestRecord(**{**asdict(record), "at": datetime.now(UTC)})
        with self._lock:
            self._records.append(record)
            self.total += 1
            listeners = list(self._listeners)
            if self._file is not None:
                row = asdict(record)
                row["at"] = record.at.isoformat() if record.at else None
                with contextlib.suppress(OSError, ValueError):
                    self._file.write(json.dumps(row, ensure_ascii=True) + "\n")
                    self._file.flush()
        for listener in listeners:
            listener(record)

    def records(self) -> list[RequestRecord]:
        """The kept records, oldest first."""
        with self._lock:
            return list(self._records)

    def listen(self, listener: Callable[[RequestRecord], None]) -> Callable[[], None]:
        """Call ``listener`` for each new record; returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return stop


def open_log_file(path: Path) -> IO[str]:
    """``--log FILE``: appended to, created private (mode 600)."""
    import os

    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(descriptor, "a", encoding="utf-8")
