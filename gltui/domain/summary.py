"""The few facts GitLab's cards and the expiry chart need about every token, kept compact.

A dashboard over 10,000 cached tokens can paint its first frame from a small head
file (the soonest rows plus this summary) and load the full snapshot right after:
the cards and the chart are exact from the first frame, computed at the moment of
display by classify's own rule (:func:`~gltui.domain.states.state_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gltui.domain.states import StateCounts, TokenState, expiry_instant, state_at, window_end
from gltui.domain.tokens import Token

_EPOCH_DAY = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class ExpirySummary:
    """Per token: revoked or not, the expiry instant (Unix seconds) and its UTC day."""

    rows: tuple[tuple[bool, float | None, int | None], ...]

    @classmethod
    def of(cls, tokens: Iterable[Token]) -> ExpirySummary:
        """Summarise ``tokens``."""
        rows: list[tuple[bool, float | None, int | None]] = []
        days: dict[date, tuple[float, int]] = {}  # nearly every expiry is a date: reuse
        for token in tokens:
            expires = token.expires_at
            if type(expires) is date:  # 00:00 UTC on it, as expiry_instant says
                known = days.get(expires)
                if known is None:
                    day = expires.toordinal()
                    known = days[expires] = (float((day - _EPOCH_DAY) * 86_400), day)
                rows.append((token.revoked, *known))
                continue
            instant = expiry_instant(expires)
            if instant is None:
                rows.append((token.revoked, None, None))
            else:
                day = instant.astimezone(UTC).date().toordinal()  # as days_until_expiry
                rows.append((token.revoked, instant.timestamp(), day))
        return cls(tuple(rows))

    def __len__(self) -> int:
        return len(self.rows)

    def states(self, now: datetime, window_days: int) -> Iterator[TokenState]:
        """Each token's state at ``now``, by the rules of ``classify``."""
        moment, end = now.timestamp(), window_end(now, window_days).timestamp()
        for revoked, instant, _ in self.rows:
            yield state_at(revoked, instant, moment, end)

    def counts(self, now: datetime, window_days: int) -> StateCounts:
        """``tally(self.states(now, window_days))`` in one loop, :func:`state_at`'s rule
        inlined: the first frame counts every cached token this way (measured at
        10,000: ~4 -> ~1 ms); ``tests/test_snapshot_speedups.py`` checks the two agree."""
        moment, end = now.timestamp(), window_end(now, window_days).timestamp()
        active = expiring = revoked = expired = 0
        for is_revoked, instant, _ in self.rows:
            if is_revoked:
                revoked += 1
            elif instant is None:
                active += 1
            elif instant <= moment:
                expired += 1
            elif instant < end:
                expiring += 1
            else:
                active += 1
        return StateCounts(
            active=active + expiring, expiring=expiring, revoked=revoked, expired=expired
        )

    def upcoming_days(self, now: datetime) -> Iterator[int]:
        """Days until expiry of the tokens still working at ``now`` (for the chart)."""
        moment, today = now.timestamp(), now.date().toordinal()
        for revoked, instant, day in self.rows:
            if not revoked and instant is not None and day is not None and instant > moment:
                yield day - today

    def to_json(self) -> list[list[object]]:
        """Compact rows for the head file: whole-second instants (every date-only expiry)
        as integers, which encode and decode in about half the time of floats."""
        return [
            [
                int(revoked),
                int(instant) if instant is not None and instant.is_integer() else instant,
                day,
            ]
            for revoked, instant, day in self.rows
        ]

    @classmethod
    def from_json(cls, data: object) -> ExpirySummary:
        """Read :meth:`to_json`'s form; ``ValueError`` when it is not that."""
        if not isinstance(data, list):
            raise ValueError("an expiry summary is a list")
        rows: list[tuple[bool, float | None, int | None]] = []
        append, number = rows.append, (int, float)  # read at every cold start: 10,000 rows
        for row in data:
            if not isinstance(row, list) or len(row) != 3:
                raise ValueError("an expiry summary row has three fields")
            revoked, instant, day = row
            if instant is not None:
                if not isinstance(instant, number):
                    raise ValueError("an expiry instant is a number")
                instant = float(instant)
            if day is not None and not isinstance(day, int):
                raise ValueError("an expiry day is an ordinal")
            append((bool(revoked), instant, day))
        return cls(tuple(rows))
