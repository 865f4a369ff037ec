"""How many active tokens expire in each of the coming weeks (the dashboard's chart)."""

from __future__ import annotations

from collections.abc import Iterable

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
