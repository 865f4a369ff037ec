"""The weekly review: what changed since the last one, what expires soon, what to look at.

Plain data built from tokens and a baseline, shared by the review screen and
``gltui report --since-last-review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gltui.domain.audit import AuditRules, Flag
from gltui.domain.changes import Baseline, Change, TokenChange, changes_since
from gltui.domain.replaced import Succession
from gltui.domain.states import TokenState, classify, days_until_expiry
from gltui.domain.tokens import Token


@dataclass(frozen=True)
class Review:
    """Everything one review shows."""

    now: datetime
    window: int
    since: Baseline | None
    changes: list[TokenChange] = field(default_factory=list)
    expiring: list[Token] = field(default_factory=list)
    """Working tokens that expire within the window, soonest first."""
    flagged: list[tuple[Token, tuple[Flag, ...]]] = field(default_factory=list)
    """Working tokens with audit flags, most flags first."""
    total: int = 0

    def counts(self) -> dict[str, int]:
        """What a sign-off records of the review it closes."""
        counts = {
            "tokens": self.total,
            "expiring": len(self.expiring),
            "flagged": len(self.flagged),
        }
        for change in Change:
            counts[change.value] = sum(1 for c in self.changes if c.change is change)
        return counts


def build_review(
    tokens: Iterable[Token],
    baseline: Baseline | None,
    now: datetime,
    window: int,
    *,
    rules: AuditRules | None = None,
    instances: Iterable[str] | None = None,
    links: Iterable[Succession] = (),
) -> Review:
    """The review of ``tokens`` at ``now`` against ``baseline`` (``None``: no changes to
    show, the first review starts the record). ``instances``: the ones read now;
    ``links``: the recorded successions, by which a token revoked or expired since is
    *replaced* (nothing to do) rather than expired (:mod:`gltui.domain.replaced`)."""
    rules = rules or AuditRules()
    everything = list(tokens)
    changes = (
        changes_since(baseline.seen, everything, now, window, instances=instances, links=links)
        if baseline is not None
        else []
    )
    expiring = []
    flagged = []
    for token in everything:
        state = classify(token, now, window)
        if not state.is_active:
            continue
        if state is TokenState.EXPIRING:
            expiring.append(token)
        flags = rules.flags(token, now)
        if flags:
            flagged.append((token, flags))
    today = now.date()
    expiring.sort(key=lambda t: (days_until_expiry(t, today) or 0, t.name.lower()))
    flagged.sort(key=lambda item: (-len(item[1]), item[0].instance, item[0].name.lower()))
    return Review(now, window, baseline, changes, expiring, flagged, len(everything))
