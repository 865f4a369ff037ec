"""How many active tokens expire in each of the coming weeks (the dashboard's chart)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from gltui.domain.states import classify, days_until_expiry
from gltui.domain.tokens import Token

WEEKS = 12


def weekly_counts(days_left: Iterable[int], weeks: int = WEEKS) -> list[int]:
    """Bucket days-until-expiry of working tokens: week 0 is days 1-7, week 1 days 8-14...

    A token dated today is already expired, so day 0 and below never count.
    """
    counts = [0] * weeks
    for left in days_left:
        if left >= 1:
            week = (left - 1) // 7
            if week < weeks:
                counts[week] += 1
    return counts


def weekly_expiries(tokens: Iterable[Token], now: datetime, weeks: int = WEEKS) -> list[int]:
    """:func:`weekly_counts` over the tokens that still work at ``now``."""
    today = now.date()
    return weekly_counts(
        (
            left
            for token in tokens
            if classify(token, now).is_active
            and (left := days_until_expiry(token, today)) is not None
        ),
        weeks,
    )
