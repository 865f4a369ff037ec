"""What the engine needs to know about one instance (``gltui.wiring`` builds these from
the configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gltui.adapters.log import RequestLog
from gltui.domain.defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_KINDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WALK_SECONDS,
)
from gltui.domain.secret import Secret
from gltui.domain.tokens import TokenKind

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_KINDS",
    "DEFAULT_MAX_WAIT_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "DEFAULT_WALK_SECONDS",
    "InstanceSpec",
]


@dataclass(frozen=True)
class InstanceSpec:
    """One GitLab instance to inventory and the credential to do it with."""

    name: str
    url: str
    token: Secret = field(repr=False)
    kinds: frozenset[TokenKind] = DEFAULT_KINDS
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    ssl_verify: bool | str = True
    groups: tuple[str, ...] = ()
    """Limit the project/group walk to these group paths (and everything below)."""
    projects: tuple[str, ...] = ()
    """Limit the walk to these project paths (besides ``groups``)."""
    token_problem: str | None = None
    """Why no token could be had (from its configured source); the walk then fails at once."""
    readonly: bool = False
    """No mutating action is offered on this instance (``readonly = true`` in the config)."""
    colour: str | None = None
    """The instance's colour on the dashboard (``colour`` in the config); ``None``: the
    palette's next one."""
    walk_timeout: float = DEFAULT_WALK_SECONDS
    max_wait: float = DEFAULT_MAX_WAIT_SECONDS
    request_log: RequestLog | None = field(default=None, repr=False, compare=False)
    """Where every request is logged (the dashboard's log screen, ``--log FILE``)."""

    @property
    def scoped(self) -> bool:
        """Whether the walk is limited to some groups or projects."""
        return bool(self.groups or self.projects)

    def in_scope(self, path: str) -> bool:
        """Whether a project or group path falls inside the configured scope."""
        if not self.scoped:
            return True
        if path in self.projects:
            return True
        return any(path == group or path.startswith(group + "/") for group in self.groups)
