"""Replaced is not expired: a dead token whose successor works needs nothing from the user.

A token is **replaced** at ``now`` when GitLab calls it revoked or expired (the rule of
:mod:`gltui.domain.states`) and a chain of successors from it reaches a token that
works at ``now`` (not revoked, expiry instant after ``now``; an expiring successor still
works, one that expires today does not). A successor is known, strongest first, from:

1. a record gltui keeps (:class:`Succession`): the rotation gltui made (GitLab's rotate
   answers with the new token), the replacement it started (``p`` creates the new token,
   the old one is revoked once the new one is deployed), or a link GitLab itself showed
   (``previous_personal_access_token_id``: GitLab's rotation chain, its "token family";
   only its admin token-information API exposes it, ``gitlab-2026.md`` §1.2);
2. otherwise the inventory itself: a token of the same instance, kind and name, in the
   same place, created strictly later. The place is the project or group for project,
   group and deploy tokens (each project or group token has a bot user of its own, and a
   replacement made by hand gets a new one) and the owner (user id) for the others. A
   token whose creation time or place is unknown has no inferred successor.

A successor that is itself dead passes the chain on (A rotated to B, B to C: A is replaced
while C works); a chain that ends in dead tokens replaces nothing.

**The cards stay GitLab's.** GitLab's own token page counts a replaced token in its
*Revoked* card (``revoked=true``) or *Expired* card (``revoked=false&state=inactive``): it
has no notion of a successor. gltui keeps those four numbers exactly as GitLab computes
them and shows how many of the revoked and expired tokens are replaced as a separate,
quieter figure beside them; what the user should act on is the difference. The review and
``gltui report --fail-on expired`` leave replaced tokens out of what asks for action.

Pure: the caller passes ``now`` and the records.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from gltui.domain.states import expiry_instant
from gltui.domain.tokens import Token, TokenKind

Identity = tuple[str, str, int]
"""A token's :attr:`~gltui.domain.tokens.Token.identity`: instance, id family, id."""


class Because(StrEnum):
    """How gltui knows a token has a successor."""

    ROTATED = "rotated"
    """gltui rotated it (GitLab revoked it and issued the successor)."""
    REPLACED = "replaced"
    """gltui created the successor for a replacement (``p``, ``gltui replace``)."""
    GITLAB = "gitlab"
    """GitLab's ``previous_personal_access_token_id`` names it."""
    SAME_NAME = "same name"
    """A later token of the same kind and name in the same place."""

    @property
    def words(self) -> str:
        """How the details pane says it."""
        return _WORDS[self]


_WORDS = {
    Because.ROTATED: "rotated by gltui",
    Because.REPLACED: "replaced through gltui",
    Because.GITLAB: "GitLab's rotation chain",
    Because.SAME_NAME: "same name and place, created later",
}


@dataclass(frozen=True, slots=True)
class Succession:
    """A recorded link: ``new_key`` succeeds ``old_key`` on ``instance``. Keys are
    :func:`~gltui.domain.changes.seen_key` strings (``personal_access_token:42``)."""

    instance: str
    old_key: str
    new_key: str
    because: Because


@dataclass(frozen=True, slots=True)
class Replacement:
    """Why a dead token needs nothing: the working token that took its place."""

    successor: Token
    because: Because

    def describe(self) -> str:
        """``#43 "renovate", working (rotated by gltui)`` (plain text; the caller escapes
        the name as its output needs)."""
        return f'#{self.successor.id} "{self.successor.name}", working ({self.because.words})'


def identity_of(instance: str, key: str) -> Identity | None:
    """The identity a stored key names (``None`` for a damaged key)."""
    family, _, tail = key.rpartition(":")
    if not family or not tail.isdigit():
        return None
    return (instance, family, int(tail))


def works(token: Token, now: datetime) -> bool:
    """Whether GitLab accepts ``token`` at ``now``: not revoked, not expired (an
    expiring token works)."""
    if token.revoked:
        return False
    instant = expiry_instant(token.expires_at)
    return instant is None or instant > now


Family = tuple[str, TokenKind, str, tuple[object, int]]


def _family(token: Token) -> Family | None:
    """Instance, kind, name and place; ``None`` when the place is unknown."""
    if token.resource is not None:
        place: tuple[object, int] = (token.resource.type, token.resource.id)
    elif token.owner is not None and token.owner.user_id is not None:
        place = ("user", token.owner.user_id)
    else:
        return None
    return (token.instance, token.kind, token.name, place)


Member = tuple[datetime, int, bool, Token, Identity | None]
"""Created, id (the tie-break), works now, the token, and its identity when dead."""


def _later_working(
    dead: list[tuple[Identity, Token]], working: list[Token]
) -> dict[Identity, tuple[Identity, Token]]:
    """For each dead token, the nearest later-created working token of its family. Only
    names a dead token has are looked at (at 100,000 tokens, most have none)."""
    families: dict[Family, list[Member]] = {}
    for identity, token in dead:
        created = token.created_at
        family = _family(token) if created is not None else None
        if created is not None and family is not None:
            families.setdefault(family, []).append((created, token.id, False, token, identity))
    names = {family[2] for family in families}
    for token in working:
        if token.name in names and token.created_at is not None:
            family = _family(token)
            members = families.get(family) if family is not None else None
            if members is not None:
                members.append((token.created_at, token.id, True, token, None))
    found: dict[Identity, tuple[Identity, Token]] = {}
    for members in families.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda member: (member[0], member[1]))
        following: tuple[datetime, tuple[Identity, Token]] | None = None  # the nearest later
        for created, _, works_now, token, dead_identity in reversed(members):
            # strictly later: a token created at the same instant is no successor
            if dead_identity is not None and following is not None and following[0] > created:
                found[dead_identity] = following[1]
            if works_now:
                following = (created, (token.identity, token))
    return found


def find_replacements(
    entries: Iterable[tuple[Token, bool]], links: Iterable[Succession] = ()
) -> dict[Identity, Replacement]:
    """Every replaced token among ``entries`` (each token with whether it works now).

    For callers that classified already (the dashboard's rows); :func:`replacements`
    classifies itself. Linear in the tokens: identities are made only for the dead ones
    and their successors (measured on a busy 2-core machine, a third of the tokens dead
    and most names shared: 7-25 ms for 10,000 tokens, 0.3-0.4 s for 100,000)."""
    dead: list[tuple[Identity, Token]] = []
    working: list[Token] = []
    for token, works_now in entries:
        if works_now:
            working.append(token)
        else:
            dead.append((token.identity, token))
    if not dead:
        return {}
    followers: dict[Identity, list[tuple[Identity, Because]]] = {}
    for link in links:
        old = identity_of(link.instance, link.old_key)
        new = identity_of(link.instance, link.new_key)
        if old is not None and new is not None and old != new:
            followers.setdefault(old, []).append((new, link.because))
    inferred = _later_working(dead, working)
    found: dict[Identity, Replacement] = {}
    if not followers:  # the common case: the inference alone, one step
        for identity, (_, successor) in inferred.items():
            found[identity] = Replacement(successor, Because.SAME_NAME)
        return found
    # the tokens the records name (dead ones pass a chain on), found by id first (cheap)
    wanted = {new for steps in followers.values() for new, _ in steps}
    ids = {identity[2] for identity in wanted}
    known: dict[Identity, tuple[Token, bool]] = {
        identity: (token, False) for identity, token in dead if identity in wanted
    }
    for token in working:
        if token.id in ids and token.identity in wanted:
            known[token.identity] = (token, True)
    for identity, successor in inferred.values():
        known.setdefault(identity, (successor, True))
    for identity, _ in dead:
        if identity not in followers and identity not in inferred:
            continue  # nothing took its place
        reached = _reach(identity, followers, inferred, known)
        if reached is not None:
            found[identity] = Replacement(reached[0], reached[1])
    return found


def _reach(
    start: Identity,
    followers: Mapping[Identity, list[tuple[Identity, Because]]],
    inferred: Mapping[Identity, tuple[Identity, Token]],
    known: Mapping[Identity, tuple[Token, bool]],
) -> tuple[Token, Because] | None:
    """The first working token the chain from ``start`` reaches (records before the
    inference at every step), and how its first step was known. Cycles end; a link to
    a token not in the inventory leads nowhere."""
    queue: deque[tuple[Identity, Because | None]] = deque([(start, None)])
    seen = {start}
    while queue:
        node, first = queue.popleft()
        steps = list(followers.get(node, ()))
        if node in inferred:
            steps.append((inferred[node][0], Because.SAME_NAME))
        for following, because in steps:
            if following in seen or following not in known:
                continue
            seen.add(following)
            how = first or because
            token, works_now = known[following]
            if works_now:
                return token, how
            queue.append((following, how))
    return None


def replacements(
    tokens: Iterable[Token], now: datetime, links: Iterable[Succession] = ()
) -> dict[Identity, Replacement]:
    """Every replaced token among ``tokens`` at ``now`` (timezone-aware), by identity."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC); GitLab's rules are in UTC")
    moment = now.astimezone(UTC)
    return find_replacements(((token, works(token, moment)) for token in tokens), links)
