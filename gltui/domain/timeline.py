"""How many active tokens expire in each of the coming weeks (the dashboard's chart)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from gltui.domain.states import classify, days_until_expiry
from gltui.domain.tokens import Token

WEEKS = 12


def weekly_expiries(tokens: Iterable[Token], now: datetime, weeks: int = WEEKS) -> list[int]:
    """Counts per week: week 0 holds tokens expiring in 1-7 days, week 1 in 8-14, ...

    Only tokens that still work count (expired and revoked ones have nothing left
    to expire); a token dated today is already expired, so day 0 never appears.
    """
    counts = [0] * weeks
    today = now.date()
    for token in tokens:
        if not classify(token, now).is_active:
            continue
        left = days_until_expiry(token, today)
        if left is None or left < 1:
            continue
        week = (left - 1) // 7
        if week < weeks:
            counts[week] += 1
    return counts
