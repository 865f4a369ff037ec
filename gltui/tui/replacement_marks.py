"""Telling the dashboard's rows which are replaced, off the event loop.

Which revoked or expired tokens are *replaced* (:mod:`gltui.domain.replaced`) is asked
again whenever the links change (a replacement started or finished, the successions
record read, a scan's GitLab links) and whenever an action patched rows in. Over
100,000 rows that is 0.3-0.4 s of pure Python, far past a keystroke's 50 ms (issue
19), so the dashboard takes a :class:`MarkJob` on the loop (references to the rows and
a copy of the links: well under a millisecond), runs it in a thread worker, and applies
what it found back on the loop only while it still fits:

* a newer job was taken meanwhile (the links changed again): this answer is
  superseded, the newer one answers;
* the rows were replaced meanwhile (a refresh answered, an action patched an
  instance): the answer is about rows no longer shown, so it is dropped, and the
  dashboard asks again over the rows it now has.

Two :class:`~gltui.tui.generation.Generation` counters on the
:class:`~gltui.tui.dashboard_state.DashboardState` tell which (``markings`` and
``row_sets``). Because only the newest job's answer is ever applied, and only on the
loop, the worker may read each row's current mark without a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from gltui.domain.replaced import Succession
from gltui.tui.table_model import MarkChange, TokenRow, replacement_changes


class MarksAnswer(Enum):
    """What became of a job's answer."""

    APPLIED = "applied"
    SUPERSEDED = "superseded"
    """A newer job was taken: its answer counts."""
    STALE = "stale"
    """The rows changed while it ran: dropped; ask again."""


@dataclass(frozen=True, slots=True)
class MarkJob:
    """One request to tell the rows again which are replaced."""

    number: int
    """Its number among the jobs (the newest answers)."""
    rows_at: int
    """The rows' generation when it was taken."""
    rows: tuple[Sequence[TokenRow], ...]
    """Each instance's rows (one instance at a time: a successor is on the same one)."""
    links: tuple[Succession, ...]

    def run(self) -> list[MarkChange]:
        """The rows whose marks change (pure; in a worker thread)."""
        changes: list[MarkChange] = []
        for rows in self.rows:
            changes += replacement_changes(rows, self.links)
        return changes
