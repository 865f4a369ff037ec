"""The weekly review's diff, its baselines (sign-off or history) and the sign-off file."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gltui.domain.audit import Flag
from gltui.domain.changes import Change, Seen, changes_since, seen, seen_key
from gltui.domain.review import build_review
from gltui.domain.states import TokenState
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.cache import History
from gltui.inventory.model import InstanceInventory
from gltui.inventory.reviews import ReviewLog, review_baseline

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)


def tok(
    token_id: int,
    name: str,
    *,
    expires: date | None = date(2027, 6, 1),
    revoked: bool = False,
    kind: TokenKind = TokenKind.PERSONAL,
    instance: str = "work",
) -> Token:
    resource = Resource(ResourceType.PROJECT, 7, "acme/api") if kind is TokenKind.PROJECT else None
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=("read_api",),
        revoked=revoked,
        expires_at=expires,
        created_at=NOW - timedelta(days=30),
        last_used_at=NOW - timedelta(days=1),
        owner=Owner(1, "mara"),
        resource=resource,
    )


def baseline_of(*tokens: Token, at: datetime = WEEK_AGO) -> dict[str, dict[str, Seen]]:
    found: dict[str, dict[str, Seen]] = {}
    for token in tokens:
        found.setdefault(token.instance, {})[seen_key(token)] = seen(token, at)
    return found


def kinds_of(changes: list) -> dict[str, Change]:  # type: ignore[type-arg]
    return {change.name: change.change for change in changes}


def test_every_kind_of_change_is_named() -> None:
    steady = tok(1, "steady")
    soon = tok(2, "soon", expires=date(2026, 12, 1))  # 17 days a week ago, 10 now
    lapsed = tok(3, "lapsed", expires=date(2026, 11, 18))  # active a week ago, expired now
    killed = tok(4, "killed")
    rotated_old = tok(5, "deploy-bot", kind=TokenKind.PROJECT)
    gone = tok(6, "inactive-bot", kind=TokenKind.PROJECT)
    before = baseline_of(steady, soon, lapsed, killed, rotated_old, gone)
    now_tokens = [
        steady,
        soon,
        lapsed,
        replace(killed, revoked=True),
        replace(rotated_old, revoked=True),
        tok(9, "deploy-bot", kind=TokenKind.PROJECT),  # its successor
        tok(10, "brand-new"),
    ]
    changes = changes_since(before, now_tokens, NOW)
    assert kinds_of(changes) == {
        "brand-new": Change.NEW,
        "soon": Change.EXPIRING,
        "lapsed": Change.EXPIRED,
        "killed": Change.REVOKED,
        "deploy-bot": Change.ROTATED,
        "inactive-bot": Change.VANISHED,
    }
    rotated = next(c for c in changes if c.change is Change.ROTATED)
    assert rotated.token is not None
    assert rotated.token.id == 9
    vanished = next(c for c in changes if c.change is Change.VANISHED)
    assert vanished.token is None
    assert vanished.where == "acme/api"
    assert [c.change for c in changes] == sorted(
        (c.change for c in changes), key=list(Change).index
    )


def test_entering_the_window_at_its_boundary() -> None:
    """14 days left counts as expiring, 15 does not (design.md's window rule)."""
    at_14 = tok(1, "fourteen", expires=NOW.date() + timedelta(days=14))
    at_15 = tok(2, "fifteen", expires=NOW.date() + timedelta(days=15))
    before = baseline_of(at_14, at_15)  # both were 21/22 days away a week ago: active
    assert kinds_of(changes_since(before, [at_14, at_15], NOW)) == {"fourteen": Change.EXPIRING}


def test_expires_today_and_tomorrow() -> None:
    today = tok(1, "today", expires=NOW.date())
    tomorrow = tok(2, "tomorrow", expires=NOW.date() + timedelta(days=1))
    before = baseline_of(today, tomorrow, at=NOW - timedelta(days=1))  # both expiring then
    assert kinds_of(changes_since(before, [today, tomorrow], NOW)) == {
        "today": Change.EXPIRED,  # a date expiry ends at 00:00 UTC of that day
    }


def test_an_unreadable_instance_does_not_vanish_its_tokens() -> None:
    before = baseline_of(tok(1, "a"), tok(2, "b", instance="home"))
    changes = changes_since(before, [tok(1, "a")], NOW, instances=["work"])
    assert changes == []


def test_the_same_token_listed_as_another_kind_is_not_new() -> None:
    """An admin's listing calls a project token's row a personal one: same identity."""
    as_project = tok(5, "bot", kind=TokenKind.PROJECT)
    as_personal = replace(as_project, kind=TokenKind.PERSONAL, resource=None)
    assert changes_since(baseline_of(as_project), [as_personal], NOW) == []


def test_history_is_the_baseline_until_the_first_sign_off(tmp_path: Path) -> None:
    history = History(tmp_path)
    old = tok(1, "old")
    short = tok(2, "short-lived", kind=TokenKind.PROJECT)
    history.record(InstanceInventory("work", "https://w", WEEK_AGO, tokens=(old, short)), WEEK_AGO)
    history.record(InstanceInventory("work", "https://w", NOW, tokens=(old,)), NOW)
    reviews = ReviewLog(tmp_path)
    baseline = review_baseline(reviews, history, ["work"], NOW)
    assert baseline is not None
    assert baseline.source == "history"
    assert baseline.at == WEEK_AGO
    review = build_review([old], baseline, NOW, 14, instances=["work"])
    assert [(c.change, c.name) for c in review.changes] == [(Change.VANISHED, "short-lived")]

    reviews.sign_off([old], NOW, 14, review.counts())
    signed = review_baseline(reviews, history, ["work"], NOW + timedelta(days=7))
    assert signed is not None
    assert signed.source == "review"
    assert signed.at == NOW
    assert build_review([old], signed, NOW, 14).changes == []  # the vanished one was seen


def test_sign_off_is_private_and_logged(tmp_path: Path) -> None:
    reviews = ReviewLog(tmp_path)
    for week in range(3):
        reviews.sign_off([tok(1, "a")], NOW + timedelta(days=7 * week), 14, {"tokens": 1})
    assert stat.S_IMODE(reviews.path.stat().st_mode) == 0o600
    assert [s.at for s in reviews.sign_offs()] == [NOW + timedelta(days=7 * w) for w in range(3)]
    last = reviews.last()
    assert last is not None
    assert last.seen["work"]["personal_access_token:1"].state is (TokenState.ACTIVE)


def test_a_damaged_sign_off_falls_back_to_history(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record(
        InstanceInventory("work", "https://w", WEEK_AGO, tokens=(tok(1, "a"),)), WEEK_AGO
    )
    reviews = ReviewLog(tmp_path)
    reviews.path.write_text('{"last": {"at": "yesterday", "seen": 3}}')
    baseline = review_baseline(reviews, history, ["work"], NOW)
    assert baseline is not None
    assert baseline.source == "history"
    reviews.path.write_text("not json")
    assert reviews.last() is None
    assert reviews.sign_offs() == []


def test_carried_over_instances_stay_in_the_next_baseline(tmp_path: Path) -> None:
    reviews = ReviewLog(tmp_path)
    home = baseline_of(tok(3, "home-token", instance="home"))
    reviews.sign_off([tok(1, "a")], NOW, 14, {}, keep_instances=home)
    last = reviews.last()
    assert last is not None
    assert set(last.seen) == {"work", "home"}


def test_review_lists_expiring_soonest_first_and_flags_working_tokens_only() -> None:
    later = tok(1, "later", expires=NOW.date() + timedelta(days=10))
    sooner = tok(2, "sooner", expires=NOW.date() + timedelta(days=2))
    broad_dead = replace(tok(3, "broad-dead", revoked=True), scopes=("api",))
    broad = replace(tok(4, "broad"), scopes=("api",))
    review = build_review([later, sooner, broad_dead, broad], None, NOW, 14)
    assert [t.name for t in review.expiring] == ["sooner", "later"]
    assert [(t.name, flags) for t, flags in review.flagged] == [("broad", (Flag.BROAD_SCOPE,))]
    assert review.changes == []
    assert review.counts()["tokens"] == 4


def test_history_lines_hold_no_secret_and_name_vanished_tokens(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.record(
        InstanceInventory(
            "work", "https://w", NOW, tokens=(tok(6, "bot", kind=TokenKind.PROJECT),)
        ),
        NOW,
    )
    line = json.loads(history.path_for("work").read_text())
    assert line["tokens"] == {
        "personal_access_token:6": ["bot", "active", "project", "2027-06-01", "acme/api"]
    }


def test_a_mangled_key_has_no_id_rather_than_an_error() -> None:
    assert (
        Seen.from_row("w", "personal_access_token:12", ["a", "active", "personal"]).token_id == 12
    )
    assert Seen.from_row("w", "personal:x", ["a", "active"]).token_id is None
