"""The inventory as the UI and reports see it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from gltui.domain.failures import Failure
from gltui.domain.tokens import Token


@dataclass(frozen=True)
class Identity:
    """Who gltui is signed in as on an instance, and what GitLab runs there."""

    user_id: int
    username: str
    is_admin: bool
    version: str | None = None


@dataclass(frozen=True)
class Problem:
    """Part of a walk that failed while the rest went on (e.g. one project's 403)."""

    where: str
    failure: Failure


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
