"""What changed between an earlier look at the tokens and now: the weekly review's news.

The earlier look is either the last review's sign-off or a day of the local
history. Both store each token as a :class:`Seen` record (no secret, no scopes;
enough to name a token that GitLab has since stopped listing, which it does for
inactive project and group tokens after 30 days).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from gltui.domain.display import owner_label
from gltui.domain.replaced import Succession, replacements
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS, TokenState, classify
from gltui.domain.tokens import Token, TokenKind


def seen_key(token: Token) -> str:
    """A token's key within its instance, stable across admin and user listings
    (which can call the same token a personal or a project token)."""
    _, family, token_id = token.identity
    return f"{family}:{token_id}"


@dataclass(frozen=True)
class Seen:
    """One token as an earlier look saw it."""

    instance: str
    key: str
    kind: TokenKind
    name: str
    state: TokenState
    expires: str | None
    where: str
    """Its project/group path or owner, as the table shows it."""

    @property
    def token_id(self) -> int | None:
        """The id in the key (``None`` if a hand-edited or damaged file mangled it)."""
        tail = self.key.rsplit(":", 1)[-1]
        return int(tail) if tail.isdigit() else None

    def to_row(self) -> list[Any]:
        """The compact form stored on disk (instance and key are the row's address)."""
        return [self.name, self.state.value, self.kind.value, self.expires, self.where]

    @classmethod
    def from_row(cls, instance: str, key: str, row: Sequence[Any]) -> Seen:
        """Read a stored row; raises ``ValueError`` on a damaged one."""
        if len(row) < 2:
            raise ValueError("a seen row needs a name and a state")
        name, state = str(row[0]), TokenState(row[1])
        kind = TokenKind(row[2]) if len(row) > 2 else TokenKind(key.split(":", 1)[0])
        expires = str(row[3]) if len(row) > 3 and row[3] is not None else None
        where = str(row[4]) if len(row) > 4 else "-"
        return cls(instance, key, kind, name, state, expires, where)


def seen(token: Token, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS) -> Seen:
    """How ``token`` looks at ``now``."""
    expires = None if token.expires_at is None else str(token.expires_at)
    return Seen(
        token.instance,
        seen_key(token),
        token.kind,
        token.name,
        classify(token, now, window),
        expires,
        owner_label(token),
    )


SeenMap = Mapping[str, Mapping[str, Seen]]
"""instance name -> token key -> what was seen."""


@dataclass(frozen=True)
class Baseline:
    """An earlier look at every instance: the last sign-off, or history."""

    at: datetime
    source: str
    """``review`` (a sign-off) or ``history`` (no review yet: a day of the local history)."""
    seen: SeenMap


class Change(StrEnum):
    """What happened to a token since the baseline, in the order a review lists them."""

    NEW = "new"
    EXPIRING = "now expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"
    ROTATED = "rotated"
    REPLACED = "replaced"
    """Revoked or expired since, with a working successor: nothing to do
    (:mod:`gltui.domain.replaced`)."""
    VANISHED = "vanished"


@dataclass(frozen=True)
class TokenChange:
    """One change. ``token`` is the token now (for a rotation, its successor); ``None``
    for a token GitLab no longer lists. ``before`` is ``None`` for a new token."""

    change: Change
    before: Seen | None
    token: Token | None

    @property
    def instance(self) -> str:
        """The instance it happened on."""
        if self.token is not None:
            return self.token.instance
        assert self.before is not None
        return self.before.instance

    @property
    def kind(self) -> TokenKind:
        """The token's kind (as the baseline saw it, when it did)."""
        if self.before is not None:
            return self.before.kind
        assert self.token is not None
        return self.token.kind

    @property
    def name(self) -> str:
        """The token's name (the old one's, for a rotation)."""
        if self.before is not None:
            return self.before.name
        assert self.token is not None
        return self.token.name

    @property
    def where(self) -> str:
        """Its project/group or owner."""
        if self.before is not None:
            return self.before.where
        assert self.token is not None
        return owner_label(self.token)


_ORDER = {change: index for index, change in enumerate(Change)}


def _successor(old: Seen, new: Sequence[Token]) -> Token | None:
    """A token created since the baseline with the same kind, name and owner: what
    GitLab's rotation (or a manual replacement) leaves behind."""
    for token in new:
        if token.kind is old.kind and token.name == old.name and owner_label(token) == old.where:
            return token
    return None


def changes_since(
    baseline: SeenMap,
    tokens: Iterable[Token],
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    *,
    instances: Iterable[str] | None = None,
    links: Iterable[Succession] = (),
) -> list[TokenChange]:
    """Every change from ``baseline`` to ``tokens`` at ``now``.

    ``instances`` limits the comparison to instances whose tokens are known now (an
    instance that could not be read must not report all its tokens as vanished);
    by default, every instance that has tokens. A token that was revoked or expired
    since and has a working successor (``links``: the recorded successions; see
    :mod:`gltui.domain.replaced`) is :attr:`Change.REPLACED`, not work to do.
    """
    everything = list(tokens)
    replaced = replacements(everything, now, links)
    current: dict[str, dict[str, Token]] = {}
    for token in everything:
        current.setdefault(token.instance, {})[seen_key(token)] = token
    names = set(current) if instances is None else set(instances)
    found: list[TokenChange] = []
    for name in sorted(names):
        now_tokens = current.get(name, {})
        before = baseline.get(name, {})
        new = [token for key, token in now_tokens.items() if key not in before]
        for key, old in before.items():
            current_token = now_tokens.get(key)
            gone = current_token is None or (
                old.state is not TokenState.REVOKED
                and classify(current_token, now, window) is TokenState.REVOKED
            )
            if gone:
                successor = _successor(old, new) if old.state.is_active else None
                if successor is not None:
                    found.append(TokenChange(Change.ROTATED, old, successor))
                    new = [t for t in new if t is not successor]
                    continue
            if current_token is None:
                found.append(TokenChange(Change.VANISHED, old, None))
                continue
            state = classify(current_token, now, window)
            if state is old.state:
                continue
            if not state.is_active and current_token.identity in replaced:
                found.append(TokenChange(Change.REPLACED, old, current_token))
            elif state is TokenState.REVOKED:
                found.append(TokenChange(Change.REVOKED, old, current_token))
            elif state is TokenState.EXPIRED:
                found.append(TokenChange(Change.EXPIRED, old, current_token))
            elif state is TokenState.EXPIRING and old.state is TokenState.ACTIVE:
                found.append(TokenChange(Change.EXPIRING, old, current_token))
        found.extend(TokenChange(Change.NEW, None, token) for token in new)
    found.sort(key=lambda item: (_ORDER[item.change], item.instance, item.name.lower()))
    return found
