"""GitLab's four states at every boundary the brief names."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gltui.domain.states import (
    StateCounts,
    TokenState,
    classify,
    count_states,
    days_until_expiry,
    tally,
    window_end,
)
from gltui.domain.tokens import Expiry, Token, TokenKind

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

TODAY = date(2026, 11, 21)
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


def token(
    expires_at: Expiry, *, revoked: bool = False, kind: TokenKind = TokenKind.PERSONAL
) -> Token:
    return Token(
        instance="work",
        kind=kind,
        id=1,
        name="t",
        scopes=("read_api",),
        revoked=revoked,
        expires_at=expires_at,
    )


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.mark.parametrize(
    ("expires_at", "expected"),
    [
        (in_days(-1), TokenState.EXPIRED),
        (in_days(0), TokenState.EXPIRED),  # expires at 00:00 UTC today: already expired
        (in_days(1), TokenState.EXPIRING),
        (in_days(14), TokenState.EXPIRING),  # last day inside GitLab's expires_before=today+15
        (in_days(15), TokenState.ACTIVE),
        (in_days(365), TokenState.ACTIVE),
        (None, TokenState.ACTIVE),
    ],
)
def test_pat_dates_follow_gitlab_cards(expires_at: date | None, expected: TokenState) -> None:
    assert classify(token(expires_at), NOON) is expected
    # the time of day does not matter for date-typed expiries
    assert classify(token(expires_at), MIDNIGHT) is expected


@pytest.mark.parametrize("expires_at", [None, in_days(-30), in_days(0), in_days(3), in_days(90)])
def test_revoked_wins_over_any_expiry(expires_at: date | None) -> None:
    assert classify(token(expires_at, revoked=True), NOON) is TokenState.REVOKED


def test_expiring_counts_as_active() -> None:
    assert TokenState.EXPIRING.is_active
    assert TokenState.ACTIVE.is_active
    assert not TokenState.EXPIRED.is_active
    assert not TokenState.REVOKED.is_active


@pytest.mark.parametrize(
    ("expires_at", "expected"),
    [
        (NOON - timedelta(seconds=1), TokenState.EXPIRED),
        (NOON, TokenState.EXPIRED),  # expired at the very instant
        (NOON + timedelta(seconds=1), TokenState.EXPIRING),
        (datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC), TokenState.EXPIRING),  # today+14, late
        (datetime(2026, 12, 6, 0, 0, tzinfo=UTC), TokenState.ACTIVE),  # today+15 00:00
    ],
)
def test_deploy_tokens_compare_instants(expires_at: datetime, expected: TokenState) -> None:
    assert classify(token(expires_at, kind=TokenKind.DEPLOY), NOON) is expected


@pytest.mark.parametrize(
    ("naive", "expected"),
    [
        # an hour before NOON in UTC; in UTC-10 local time it would be 21:00 UTC (expiring)
        (datetime(2026, 11, 21, 11, 0), TokenState.EXPIRED),
        # 13 hours after NOON in UTC; in UTC+14 local time it would be 11:00 UTC (expired)
        (datetime(2026, 11, 22, 1, 0), TokenState.EXPIRING),
        # late on today+14 in UTC; in UTC-10 local time it would be past the window (active)
        (datetime(2026, 12, 5, 23, 0), TokenState.EXPIRING),
        # just past the window in UTC; in UTC+14 local time it would be inside it (expiring)
        (datetime(2026, 12, 6, 1, 0), TokenState.ACTIVE),
    ],
)
def test_naive_datetimes_are_read_as_utc(naive: datetime, expected: TokenState) -> None:
    """Whatever the machine's zone (the module runs under UTC, UTC+14 and UTC-10)."""
    assert classify(token(naive, kind=TokenKind.DEPLOY), NOON) is expected


def test_a_naive_deploy_expiry_has_its_utc_date() -> None:
    deploy = token(datetime(2026, 11, 22, 1, 0), kind=TokenKind.DEPLOY)
    assert days_until_expiry(deploy, TODAY) == 1  # the 21st if read in UTC+14 local time


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        classify(token(None), datetime(2026, 11, 21, 12, 0))


def test_window_end_is_midnight_utc_after_the_last_day() -> None:
    assert window_end(NOON, 14) == datetime(2026, 12, 6, tzinfo=UTC)
    assert window_end(NOON, 0) == datetime(2026, 11, 22, tzinfo=UTC)


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^window_days must not be negative$"):
        window_end(NOON, -1)
    with pytest.raises(ValueError, match=r"^window_days must not be negative$"):
        classify(token(in_days(3)), NOON, window_days=-1)


def test_window_is_configurable() -> None:
    assert classify(token(in_days(20)), NOON, window_days=30) is TokenState.EXPIRING
    assert classify(token(in_days(30)), NOON, window_days=30) is TokenState.EXPIRING
    assert classify(token(in_days(31)), NOON, window_days=30) is TokenState.ACTIVE
    assert classify(token(in_days(1)), NOON, window_days=0) is TokenState.ACTIVE


def test_now_in_another_timezone_uses_the_utc_date() -> None:
    # 23:30 on the 20th in UTC-5 is 04:30 on the 21st in UTC: today is the 21st
    from datetime import timezone

    eastern = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert classify(token(in_days(0)), eastern) is TokenState.EXPIRED
    assert classify(token(in_days(15)), eastern) is TokenState.ACTIVE


def test_count_states_sums_cards_like_gitlab() -> None:
    """Every card has a different count, and plain active (3) differs from expiring (2),
    so no card can stand in for another."""
    tokens = [
        token(in_days(0)),  # expired
        token(in_days(-3)),  # expired
        token(in_days(-30)),  # expired
        token(in_days(-400)),  # expired
        token(in_days(1)),  # expiring + active
        token(in_days(14)),  # expiring + active
        token(in_days(15)),  # active
        token(in_days(200)),  # active
        token(None),  # active
        token(in_days(2), revoked=True),  # revoked
        token(in_days(-2), revoked=True),  # revoked (and expired, but revoked wins)
        token(None, revoked=True),  # revoked
    ]
    counts = count_states(tokens, NOON)
    assert counts == StateCounts(active=5, expiring=2, revoked=3, expired=4)
    assert counts.total == len(tokens)


def test_count_states_honours_its_window() -> None:
    tokens = [token(in_days(days)) for days in (3, 20, 30, 31)]
    assert count_states(tokens, NOON) == StateCounts(active=4, expiring=1)  # 14 by default
    assert count_states(tokens, NOON, 14) == StateCounts(active=4, expiring=1)
    assert count_states(tokens, NOON, 30) == StateCounts(active=4, expiring=3)
    assert count_states(tokens, NOON, window_days=0) == StateCounts(active=4, expiring=0)


def test_tally_counts_each_state_once_and_expiring_as_active() -> None:
    states = [TokenState.EXPIRING] + [TokenState.ACTIVE] * 3 + [TokenState.REVOKED] * 4
    states += [TokenState.EXPIRED] * 5
    assert tally(states) == StateCounts(active=4, expiring=1, revoked=4, expired=5)
    assert tally([]) == StateCounts()


def test_days_until_expiry() -> None:
    assert days_until_expiry(token(in_days(0)), TODAY) == 0
    assert days_until_expiry(token(in_days(14)), TODAY) == 14
    assert days_until_expiry(token(in_days(-3)), TODAY) == -3
    assert days_until_expiry(token(None), TODAY) is None
    deploy = token(datetime(2026, 11, 22, 18, 0, tzinfo=UTC), kind=TokenKind.DEPLOY)
    assert days_until_expiry(deploy, TODAY) == 1


def test_identity_dedupes_personal_table_rows_but_not_deploy_ids() -> None:
    pat = token(None)
    bot_row = Token(
        instance="work",
        kind=TokenKind.PROJECT,
        id=1,
        name="t",
        scopes=(),
        revoked=False,
        expires_at=None,
    )
    deploy = token(None, kind=TokenKind.DEPLOY)
    assert pat.identity == bot_row.identity
    assert pat.identity != deploy.identity
