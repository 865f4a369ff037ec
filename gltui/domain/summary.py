"""The few facts GitLab's cards and the expiry chart need about every token, kept compact.

A dashboard over 10,000 cached tokens can paint its first frame from a small head
file (the soonest rows plus this summary) and load the full snapshot right after:
the cards and the chart are exact from the first frame, computed at the moment of
display by classify's own rule (:func:`~gltui.domain.states.state_at`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import repeat

from gltui.domain.states import StateCounts, TokenState, expiry_instant, state_at, window_end
from gltui.domain.tokens import Expiry, Token

_EPOCH_DAY = date(1970, 1, 1).toordinal()


Place = tuple[bool, Expiry]
"""(revoked, expiry): all a token's state, its place in the default order and its summary
fact depend on, besides its id; 100,000 tokens share a few thousand of them."""


def places_of(tokens: Iterable[Token]) -> dict[Place, int]:
    """How many tokens share each (revoked, expiry), in first-seen order."""
    counts: dict[Place, int] = {}
    get = counts.get
    for token in tokens:
        place = (token.revoked, token.expires_at)
        counts[place] = get(place, 0) + 1
    return counts


Fact = tuple[bool, float | None, int | None]
"""Revoked or not, the expiry instant (Unix seconds, ``None``: never) and its UTC day."""

SUMMARY_ROWS_MAX = 2_000_000
"""Tokens a head file's summary may stand for (the crawl's rows per instance)."""


@dataclass(frozen=True)
class ExpirySummary:
    """How many tokens share each (revoked, expiry instant, UTC day): tokens with the same
    three facts are alike to the cards and the chart, and 100,000 tokens expire on a few
    thousand days, so the head file holds thousands of rows, not one per token."""

    rows: tuple[tuple[bool, float | None, int | None, int], ...]
    """(revoked, instant, day, how many tokens), each triple once."""

    @classmethod
    def of(cls, tokens: Iterable[Token]) -> ExpirySummary:
        """Summarise ``tokens``."""
        return cls.of_places(places_of(tokens).items())

    @classmethod
    def of_places(cls, places: Iterable[tuple[Place, int]]) -> ExpirySummary:
        """Summarise tokens given as how many share each (revoked, expiry)."""
        counts: dict[Fact, int] = {}
        for (revoked, expires), count in places:
            fact: Fact
            if type(expires) is date:  # 00:00 UTC on it, as expiry_instant says
                day = expires.toordinal()
                fact = (revoked, float((day - _EPOCH_DAY) * 86_400), day)
            else:
                instant = expiry_instant(expires)
                if instant is None:
                    fact = (revoked, None, None)
                else:
                    day = instant.astimezone(UTC).date().toordinal()  # as days_until_expiry
                    fact = (revoked, instant.timestamp(), day)
            counts[fact] = counts.get(fact, 0) + count  # equal instants in two zones meet
        return cls(tuple((*fact, count) for fact, count in counts.items()))

    def __len__(self) -> int:
        """How many tokens it summarises."""
        return sum(row[3] for row in self.rows)

    def states(self, now: datetime, window_days: int) -> Iterator[TokenState]:
        """Each token's state at ``now``, by the rules of ``classify``."""
        moment, end = now.timestamp(), window_end(now, window_days).timestamp()
        for revoked, instant, _, count in self.rows:
            yield from repeat(state_at(revoked, instant, moment, end), count)

    def counts(self, now: datetime, window_days: int) -> StateCounts:
        """``tally(self.states(now, window_days))``, a row's state once for all the
        tokens it counts (a summary has a row per distinct expiry, not per token)."""
        moment, end = now.timestamp(), window_end(now, window_days).timestamp()
        states: Counter[TokenState] = Counter()
        for revoked, instant, _, count in self.rows:
            states[state_at(revoked, instant, moment, end)] += count
        expiring = states[TokenState.EXPIRING]
        return StateCounts(
            active=states[TokenState.ACTIVE] + expiring,
            expiring=expiring,
            revoked=states[TokenState.REVOKED],
            expired=states[TokenState.EXPIRED],
        )

    def upcoming_days(self, now: datetime) -> Iterator[int]:
        """Days until expiry of the tokens still working at ``now`` (for the chart)."""
        moment, today = now.timestamp(), now.date().toordinal()
        for revoked, instant, day, count in self.rows:
            if not revoked and instant is not None and day is not None and instant > moment:
                yield from repeat(day - today, count)

    def to_json(self) -> list[list[object]]:
        """Compact rows for the head file: whole-second instants (every date-only expiry)
        as integers, which encode and decode in about half the time of floats."""
        return [
            [
                int(revoked),
                int(instant) if instant is not None and instant.is_integer() else instant,
                day,
                count,
            ]
            for revoked, instant, day, count in self.rows
        ]

    @classmethod
    def from_json(cls, data: object) -> ExpirySummary:
        """Read :meth:`to_json`'s form (or an older head's, a row per token, without the
        count); ``ValueError`` when it is not that."""
        if not isinstance(data, list):
            raise ValueError("an expiry summary is a list")
        rows: list[tuple[bool, float | None, int | None, int]] = []
        append, number = rows.append, (int, float)  # read at every cold start
        total = 0
        for row in data:
            if not isinstance(row, list) or len(row) not in (3, 4):
                raise ValueError("an expiry summary row has four fields")
            revoked, instant, day, *more = row
            count = more[0] if more else 1
            if instant is not None:
                if not isinstance(instant, number):
                    raise ValueError("an expiry instant is a number")
                instant = float(instant)
            if day is not None and not isinstance(day, int):
                raise ValueError("an expiry day is an ordinal")
            if type(count) is not int or count < 1:
                raise ValueError("a summary row counts one token or more")
            total += count
            if total > SUMMARY_ROWS_MAX:
                raise ValueError(f"a summary of more than {SUMMARY_ROWS_MAX} tokens")
            append((bool(revoked), instant, day, count))
        return cls(tuple(rows))
