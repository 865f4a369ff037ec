"""Replaced is not expired: the rule of :mod:`gltui.domain.replaced`, at its boundaries.

Pure functions, the clock passed in: a successor that expires today already stopped
working (GitLab's rule: 00:00 UTC on its date), tomorrow's, in 14 days (expiring) and in
15 days (active) all still work, and a revoked one replaces nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from gltui.domain.replaced import (
    Because,
    Succession,
    find_replacements,
    identity_of,
    replacements,
    works,
)
from gltui.domain.states import TokenState, classify
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
TODAY = NOW.date()


def token(
    token_id: int,
    *,
    name: str = "renovate",
    expires: date | datetime | None = None,
    revoked: bool = False,
    created_days_ago: int | None = 100,
    kind: TokenKind = TokenKind.PERSONAL,
    owner: int | None = 7,
    resource: Resource | None = None,
    instance: str = "work",
) -> Token:
    created = None if created_days_ago is None else NOW - timedelta(days=created_days_ago)
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=("api",),
        revoked=revoked,
        expires_at=expires,
        created_at=created,
        owner=Owner(owner, "mara") if owner is not None else None,
        resource=resource,
    )


def days(count: int) -> date:
    return TODAY + timedelta(days=count)


OLD_EXPIRED = token(1, expires=days(-3), created_days_ago=400)
OLD_REVOKED = token(1, expires=days(200), revoked=True, created_days_ago=400)


def replaced_ids(tokens: list[Token], links: list[Succession] | None = None) -> dict[int, int]:
    """Old id -> successor id."""
    found = replacements(tokens, NOW, links or [])
    return {identity[2]: found[identity].successor.id for identity in found}


@pytest.mark.parametrize("old", [OLD_EXPIRED, OLD_REVOKED], ids=["expired", "revoked"])
@pytest.mark.parametrize(
    ("successor_expires", "is_replaced"),
    [
        (days(0), False),  # expires today: already expired at 00:00 UTC
        (days(1), True),  # tomorrow: still works (expiring)
        (days(14), True),  # the last day of GitLab's "expiring" window
        (days(15), True),  # just past it: active
        (None, True),  # never expires
        (days(-1), False),
    ],
)
def test_a_successor_must_work_now(
    old: Token, successor_expires: date | None, is_replaced: bool
) -> None:
    successor = token(2, expires=successor_expires, created_days_ago=5)
    assert replaced_ids([old, successor]) == ({1: 2} if is_replaced else {})


def test_the_boundaries_match_gitlabs_states() -> None:
    for offset, state in [(0, TokenState.EXPIRED), (1, TokenState.EXPIRING)]:
        successor = token(2, expires=days(offset), created_days_ago=5)
        assert classify(successor, NOW) is state
        assert works(successor, NOW) is state.is_active
    just_active = token(2, expires=days(15), created_days_ago=5)
    assert classify(just_active, NOW) is TokenState.ACTIVE
    assert classify(token(2, expires=days(14), created_days_ago=5), NOW) is TokenState.EXPIRING


def test_a_revoked_successor_replaces_nothing() -> None:
    successor = token(2, expires=days(90), revoked=True, created_days_ago=5)
    assert replaced_ids([OLD_EXPIRED, successor]) == {}
    link = Succession("work", "personal_access_token:1", "personal_access_token:2", Because.ROTATED)
    assert replaced_ids([OLD_EXPIRED, successor], [link]) == {}


def test_a_working_token_is_never_replaced() -> None:
    old = token(1, expires=days(3), created_days_ago=400)  # expiring, not dead
    successor = token(2, expires=days(90), created_days_ago=5)
    assert replaced_ids([old, successor]) == {}


def test_same_name_needs_a_later_creation_date() -> None:
    earlier = token(2, expires=days(90), created_days_ago=500)  # made before the old one
    assert replaced_ids([OLD_EXPIRED, earlier]) == {}
    same_instant = token(2, expires=days(90), created_days_ago=400)
    assert replaced_ids([OLD_EXPIRED, same_instant]) == {}
    unknown = token(2, expires=days(90), created_days_ago=None)
    assert replaced_ids([OLD_EXPIRED, unknown]) == {}
    assert replaced_ids([replace(OLD_EXPIRED, created_at=None), token(2, expires=days(90))]) == {}


@pytest.mark.parametrize(
    "other",
    [
        token(2, expires=days(90), created_days_ago=5, name="renovate (new)"),
        token(2, expires=days(90), created_days_ago=5, owner=8),
        token(2, expires=days(90), created_days_ago=5, kind=TokenKind.SERVICE_ACCOUNT),
        token(2, expires=days(90), created_days_ago=5, instance="other"),
        token(2, expires=days(90), created_days_ago=5, owner=None),
    ],
    ids=["name", "owner", "kind", "instance", "owner unknown"],
)
def test_same_name_kind_owner_and_place(other: Token) -> None:
    assert replaced_ids([OLD_EXPIRED, other]) == {}


def test_project_tokens_are_placed_by_their_project_not_their_bot() -> None:
    web = Resource(ResourceType.PROJECT, 40, "acme/website")
    api = Resource(ResourceType.PROJECT, 41, "acme/api")
    old = token(
        1, kind=TokenKind.PROJECT, owner=101, resource=web, expires=days(-1), created_days_ago=90
    )
    new = token(2, kind=TokenKind.PROJECT, owner=102, resource=web, expires=days(300))
    new = replace(new, created_at=NOW - timedelta(days=1))
    elsewhere = replace(new, id=3, resource=api)
    assert replaced_ids([old, new]) == {1: 2}  # a new bot user: a replacement made by hand
    assert replaced_ids([old, elsewhere]) == {}


def test_the_nearest_later_working_token_is_named() -> None:
    newest = token(3, expires=days(300), created_days_ago=1)
    middle = token(2, expires=days(100), created_days_ago=30)
    found = replacements([newest, OLD_EXPIRED, middle], NOW)
    (replacement,) = found.values()
    assert replacement.successor.id == 2
    assert replacement.because is Because.SAME_NAME


def test_a_recorded_link_needs_no_same_name() -> None:
    renamed = token(9, name="renovate 2027", expires=days(365), created_days_ago=1)
    link = Succession(
        "work", "personal_access_token:1", "personal_access_token:9", Because.REPLACED
    )
    found = replacements([OLD_REVOKED, renamed], NOW, [link])
    (replacement,) = found.values()
    assert (replacement.successor.id, replacement.because) == (9, Because.REPLACED)
    assert "working (replaced through gltui)" in replacement.describe()
    # the link of another instance says nothing here
    elsewhere = replace(link, instance="other")
    assert replacements([OLD_REVOKED, renamed], NOW, [elsewhere]) == {}


def test_a_chain_passes_through_dead_successors() -> None:
    a = token(1, name="a", expires=days(-30), created_days_ago=400)
    b = token(2, name="b", revoked=True, expires=days(10), created_days_ago=200)
    c = token(3, name="c", expires=days(60), created_days_ago=10)
    links = [
        Succession("work", "personal_access_token:1", "personal_access_token:2", Because.ROTATED),
        Succession("work", "personal_access_token:2", "personal_access_token:3", Because.GITLAB),
    ]
    found = replaced_ids([a, b, c], links)
    assert found == {1: 3, 2: 3}
    assert replacements([a, b, c], NOW, links)[("work", "personal_access_token", 1)].because is (
        Because.ROTATED  # how the first step was known
    )
    # the chain ends in a dead token: nothing is replaced
    assert replaced_ids([a, b], links) == {}


def test_links_that_loop_or_point_nowhere() -> None:
    a = token(1, name="a", expires=days(-30))
    b = token(2, name="b", revoked=True)
    loop = [
        Succession("work", "personal_access_token:1", "personal_access_token:2", Because.ROTATED),
        Succession("work", "personal_access_token:2", "personal_access_token:1", Because.ROTATED),
        Succession("work", "personal_access_token:1", "personal_access_token:77", Because.ROTATED),
        Succession("work", "garbage", "personal_access_token:x", Because.ROTATED),
    ]
    assert replaced_ids([a, b], loop) == {}


def test_deploy_tokens_compare_instants() -> None:
    web = Resource(ResourceType.PROJECT, 40, "acme/website")
    old = token(
        1, kind=TokenKind.DEPLOY, owner=None, resource=web, expires=NOW - timedelta(seconds=1)
    )
    soon = token(2, kind=TokenKind.DEPLOY, owner=None, resource=web, created_days_ago=1)
    assert replaced_ids([old, replace(soon, expires_at=NOW + timedelta(seconds=1))]) == {1: 2}
    assert replaced_ids([old, replace(soon, expires_at=NOW)]) == {}  # at now: expired


def test_keys_and_time() -> None:
    assert identity_of("work", "personal_access_token:42") == ("work", "personal_access_token", 42)
    assert identity_of("work", "deploy:7") == ("work", "deploy", 7)
    assert identity_of("work", "42") is None
    assert identity_of("work", "personal_access_token:") is None
    with pytest.raises(ValueError, match="timezone-aware"):
        replacements([OLD_EXPIRED], NOW.replace(tzinfo=None))
    # classified by the caller: the dashboard's rows pass (token, works)
    successor = token(2, expires=days(30), created_days_ago=5)
    assert find_replacements([(OLD_EXPIRED, False), (successor, True)]).keys() == {
        ("work", "personal_access_token", 1)
    }
    assert find_replacements([(successor, True)]) == {}
