"""``gltui report`` filters and the ``--fail-on`` conditions cron and CI act on."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from gltui.domain.audit import DEFAULT_RULES, AuditRules, Flag
from gltui.domain.replaced import Identity, Succession, replacements
from gltui.domain.risk import token_risk
from gltui.domain.scopes import ScopeRisk
from gltui.domain.states import TokenState, classify, days_until_expiry
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.model import Inventory

FAIL_CONDITIONS = ("expiring", "expired", "risk")


@dataclass(frozen=True)
class ReportFilter:
    """Which tokens a report shows; empty sets mean "all"."""

    states: frozenset[TokenState] = frozenset()
    expiring_within: int | None = None
    """Only working tokens that expire within this many days."""
    instances: frozenset[str] = frozenset()
    kinds: frozenset[TokenKind] = frozenset()
    flags: frozenset[Flag] = frozenset()
    """Only tokens with at least one of these audit flags."""
    rules: AuditRules = DEFAULT_RULES
    """Settings the ``flags`` filter judges by."""

    def admits(self, token: Token, now: datetime, window: int) -> bool:
        """Whether ``token`` is in the report."""
        if self.instances and token.instance not in self.instances:
            return False
        if self.kinds and token.kind not in self.kinds:
            return False
        state = classify(token, now, window)
        if self.states:
            wanted = self.states
            if TokenState.ACTIVE in wanted and state is TokenState.EXPIRING:
                pass  # GitLab's active card includes expiring tokens
            elif state not in wanted:
                return False
        if self.flags and not self.flags & set(self.rules.flags(token, now)):
            return False
        if self.expiring_within is not None:
            left = days_until_expiry(token, now.date())
            if not state.is_active or left is None or left > self.expiring_within:
                return False
        return True

    def apply(self, inventory: Inventory, now: datetime, window: int) -> Inventory:
        """The same inventory with only the admitted tokens."""
        return Inventory(
            tuple(
                replace(i, tokens=tuple(t for t in i.tokens if self.admits(t, now, window)))
                for i in inventory.instances
            )
        )


def matches(
    condition: str,
    token: Token,
    now: datetime,
    window: int,
    replaced: Container[Identity] = frozenset(),
) -> bool:
    """Whether a token trips ``--fail-on condition``. An expired token in ``replaced`` (it
    has a working successor: :mod:`gltui.domain.replaced`) does not: nothing to do."""
    state = classify(token, now, window)
    if condition == "expiring":
        return state is TokenState.EXPIRING
    if condition == "expired":
        return state is TokenState.EXPIRED and token.identity not in replaced
    if condition == "risk":
        return state.is_active and token_risk(token) >= ScopeRisk.WRITE
    raise ValueError(f"unknown condition {condition!r}")


def tripped(
    conditions: Iterable[str],
    tokens: Iterable[Token],
    now: datetime,
    window: int,
    links: Iterable[Succession] = (),
    *,
    replaced: Container[Identity] | None = None,
) -> bool:
    """Whether any token trips any of the conditions (``links``: the recorded successions,
    which with the inventory tell a replaced token from an expired one). ``replaced``:
    the replaced tokens, already told from the whole inventory, when ``tokens`` is only
    the part a report shows (a filter that hid the successors would hide the reason)."""
    wanted = tuple(conditions)
    everything = list(tokens)
    if replaced is None:
        replaced = replaced_among(everything, now, links) if "expired" in wanted else set()
    return any(matches(c, t, now, window, replaced) for t in everything for c in wanted)


def replaced_among(
    tokens: Iterable[Token], now: datetime, links: Iterable[Succession]
) -> set[Identity]:
    """The identities of the replaced tokens among ``tokens`` (see :mod:`gltui.domain.replaced`)."""
    return set(replacements(list(tokens), now, links))
