"""The inventory as the UI and reports see it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from gltui.domain.failures import Failure
from gltui.domain.tokens import ResourceType, Token, TokenKind


@dataclass(frozen=True)
class Identity:
    """Who gltui is signed in as on an instance, and what GitLab runs there."""

    user_id: int
    username: str
    is_admin: bool
    version: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which tokens a failed part of a walk would have listed.

    The engine carries the tokens it last saw there over from the previous snapshot
    (marked "not refreshed"), so one project's 403 does not make its tokens vanish
    from the dashboard, the review or the history. ``None`` fields match anything.
    """

    kinds: frozenset[TokenKind]
    resource_type: ResourceType | None = None
    resource_id: int | None = None
    owner_id: int | None = None
    token_id: int | None = None
    agent_id: int | None = None
    """One cluster agent's tokens (a revoked agent token vanishes from GitLab's listing:
    a sibling agent's failure must not bring it back)."""

    def covers(self, token: Token) -> bool:
        """Whether ``token`` is one the failed part would have listed."""
        if token.kind not in self.kinds:
            return False
        if self.token_id is not None and token.id != self.token_id:
            return False
        if self.agent_id is not None and token.agent_id != self.agent_id:
            return False
        if self.owner_id is not None and (
            token.owner is None or token.owner.user_id != self.owner_id
        ):
            return False
        if self.resource_type is None:
            return True
        resource = token.resource
        if resource is None or resource.type is not self.resource_type:
            return False
        return self.resource_id is None or resource.id == self.resource_id


@dataclass(frozen=True)
class Problem:
    """Part of a walk that failed while the rest went on (e.g. one project's 403)."""

    where: str
    failure: Failure
    scope: Scope | None = None
    """The tokens it would have listed; ``None`` when it lists none (the version)."""


@dataclass(frozen=True)
class Progress:
    """How far one instance's refresh is: requests done of those known so far."""

    instance: str
    done: int
    total: int
    finished: bool = False
    note: str = ""
    """What the walk is doing besides requesting, e.g. "waiting 30 s (rate limit)"."""


@dataclass(frozen=True)
class InstanceInventory:
    """Everything known about one instance after a refresh (or from the cache)."""

    name: str
    url: str
    fetched_at: datetime
    identity: Identity | None = None
    own_token: Token | None = None
    """The token gltui uses, where GitLab can tell (15.5+)."""
    tokens: tuple[Token, ...] = ()
    problems: tuple[Problem, ...] = ()
    failure: Failure | None = None
    """Set when the instance could not be inventoried at all."""
    requests: int = 0
    from_cache: bool = False

    @property
    def not_refreshed(self) -> int:
        """Tokens carried over from the last snapshot because their listing failed."""
        return sum(1 for token in self.tokens if token.not_refreshed is not None)

    @property
    def ok(self) -> bool:
        """Whether the walk got through (possibly with problems on some resources)."""
        return self.failure is None


@dataclass(frozen=True)
class Inventory:
    """All instances; a failed instance keeps its cached tokens when it has some."""

    instances: tuple[InstanceInventory, ...] = field(default_factory=tuple)

    def tokens(self) -> Iterator[Token]:
        """Every token of every instance, each once."""
        for instance in self.instances:
            yield from instance.tokens
