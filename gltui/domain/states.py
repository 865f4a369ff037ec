"""GitLab's four token states, computed exactly as GitLab computes them.

GitLab stores a PAT-type ``expires_at`` as a date and the token expires at
00:00 UTC on that date, so a token whose date is today is already expired.
Deploy tokens carry an instant. Both become an instant here, and one rule serves
every kind:

* revoked  - ``revoked`` is true (whatever the expiry says);
* expired  - not revoked and the expiry instant is at or before *now*;
* expiring - not expired and the expiry instant is before 00:00 UTC on
  ``today + window + 1`` (GitLab's card sends ``expires_before=today+15d``
  for the 14-day window, and ``expires_before`` is strict);
* active   - not revoked and not expired. Expiring tokens are active too:
  GitLab counts them in both cards and so does :func:`count_states`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from gltui.domain.tokens import Expiry, Token

DEFAULT_EXPIRING_WINDOW_DAYS = 14


class TokenState(StrEnum):
    """The most specific state of a token; ``EXPIRING`` implies active."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def is_active(self) -> bool:
        """Whether GitLab's *Active tokens* card counts a token in this state."""
        return self in (TokenState.ACTIVE, TokenState.EXPIRING)


def start_of_day(day: date) -> datetime:
    """00:00 UTC on ``day``: the instant a token dated ``day`` stops working."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def expiry_instant(expires_at: Expiry) -> datetime | None:
    """The instant a token stops working, or ``None`` if it never expires."""
    if expires_at is None:
        return None
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            return expires_at.replace(tzinfo=UTC)
        return expires_at
    return start_of_day(expires_at)


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC); GitLab's rules are in UTC")
    return now.astimezone(UTC)


Moment = TypeVar("Moment", datetime, float)
"""An instant as a datetime, or as Unix seconds where speed matters (:mod:`summary`)."""


def window_end(now: datetime, window_days: int) -> datetime:
    """00:00 UTC on ``today + window + 1``: tokens expiring before it are "expiring"."""
    if window_days < 0:
        raise ValueError("window_days must not be negative")
    return start_of_day(now.date() + timedelta(days=window_days + 1))


def state_at(revoked: bool, instant: Moment | None, now: Moment, end: Moment) -> TokenState:
    """The one rule, given the expiry ``instant`` and :func:`window_end` ``end``."""
    if revoked:
        return TokenState.REVOKED
    if instant is None:
        return TokenState.ACTIVE
    if instant <= now:
        return TokenState.EXPIRED
    if instant < end:
        return TokenState.EXPIRING
    return TokenState.ACTIVE


def classify(
    token: Token, now: datetime, window_days: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> TokenState:
    """Classify ``token`` at the instant ``now`` (today is ``now``'s UTC date).

    Args:
        token: the token to classify.
        now: the current instant, timezone-aware; passed in so tests and the
            weekly review can evaluate any day.
        window_days: the "expiring" window, 14 in GitLab's UI.
    """
    now = _require_aware(now)
    end = window_end(now, window_days)
    return state_at(token.revoked, expiry_instant(token.expires_at), now, end)


def days_until_expiry(token: Token, today: date) -> int | None:
    """Whole days from ``today`` to the expiry date (0 = expires today, negative = past).

    ``None`` for tokens that never expire. For deploy tokens the expiry
    instant's UTC date is used, which is what a person reading a date expects.
    """
    instant = expiry_instant(token.expires_at)
    if instant is None:
        return None
    return (instant.astimezone(UTC).date() - today).days


_FAR = date.max.toordinal()


def soonest_upcoming_key(
    state: TokenState, left: int | None, token_id: int
) -> tuple[int, int, int]:
    """Soonest *upcoming* expiry first, then tokens that never expire, then dead tokens,
    most recently dead first: the order a weekly review reads in (the dashboard's
    default, and what a snapshot's head file keeps). ``left``: days until expiry."""
    if state.is_active:
        if left is None:
            return (1, 0, token_id)
        return (0, left, token_id)
    return (
        2 if state is TokenState.EXPIRED else 3,
        -(left if left is not None else -_FAR),
        token_id,
    )


@dataclass(frozen=True, slots=True)
class StateCounts:
    """GitLab's four statistics cards; ``active`` includes ``expiring``."""

    active: int = 0
    expiring: int = 0
    revoked: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        """Every token counted once (expiring tokens are inside ``active``)."""
        return self.active + self.revoked + self.expired

    def __add__(self, other: StateCounts) -> StateCounts:
        """The cards over both sets of tokens."""
        return StateCounts(
            active=self.active + other.active,
            expiring=self.expiring + other.expiring,
            revoked=self.revoked + other.revoked,
            expired=self.expired + other.expired,
        )


def count_states(
    tokens: Iterable[Token], now: datetime, window_days: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> StateCounts:
    """Sum GitLab's four cards over ``tokens`` (any mix of instances and kinds)."""
    return tally(classify(token, now, window_days) for token in tokens)


def tally(states: Iterable[TokenState]) -> StateCounts:
    """GitLab's four cards from already classified states (expiring counts as active too)."""
    active = expiring = revoked = expired = 0
    for state in states:
        if state is TokenState.REVOKED:
            revoked += 1
        elif state is TokenState.EXPIRED:
            expired += 1
        else:
            active += 1
            if state is TokenState.EXPIRING:
                expiring += 1
    return StateCounts(active=active, expiring=expiring, revoked=revoked, expired=expired)
