"""What the configuration file says, validated: settings, instances, templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gltui.domain.audit import AuditRules
from gltui.domain.defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_KINDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WALK_SECONDS,
)
from gltui.domain.handoff import Handoff
from gltui.domain.secret import Secret
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.domain.templates import BUILTIN_TEMPLATES, Template
from gltui.domain.tokens import TokenKind

DEFAULT_STALE_AFTER_DAYS = 90
DEFAULT_ROTATION_DAYS = 90
"""How long a rotated or replaced token lives unless told otherwise (spillkit's default;
never GitLab's one week), capped by the instance's maximum lifetime."""
MAX_ROTATION_DAYS = 400
"""The most GitLab ever allows (the ``buffered_token_expiration_limit``): a longer
rotation setting, ``--days`` or instance maximum is not GitLab's."""


class ConfigError(ValueError):
    """A configuration problem, named by file and field (or line and column)."""

    def __init__(self, path: Path, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")
        self.path = path
        self.where = where
        self.message = message


@dataclass(frozen=True)
class TokenSource:
    """Where an instance's token comes from; exactly one is set."""

    env: str | None = None
    """Name of an environment variable holding the token."""
    command: tuple[str, ...] | None = None
    """A command (no shell) whose first output line is the token, e.g. a password manager."""
    inline: Secret | None = field(default=None, repr=False)
    """The token itself, in the file (allowed; warned about when others can read the file)."""
    keyring: tuple[str, str] | None = None
    """(service, username) in the system keyring (needs the optional ``keyring`` extra)."""

    def describe(self) -> str:
        """Where the token comes from, for messages (never the token)."""
        if self.env is not None:
            return f"environment variable {self.env}"
        if self.command is not None:
            return f"command {self.command[0]!r}"
        if self.keyring is not None:
            return f"keyring entry {self.keyring[0]}/{self.keyring[1]}"
        return "the config file (inline)"


@dataclass(frozen=True)
class InstanceConfig:
    """One ``[[instances]]`` table."""

    name: str
    url: str
    token: TokenSource
    ssl_verify: bool | str = True
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    """One whole request, in seconds."""
    concurrency: int = DEFAULT_CONCURRENCY
    walk_timeout: float = DEFAULT_WALK_SECONDS
    """One whole refresh of the instance, in seconds."""
    rate_limit_wait_max: float = DEFAULT_MAX_WAIT_SECONDS
    """The longest wait one ``Retry-After`` / ``RateLimit-Reset`` may impose."""
    readonly: bool = False
    colour: str | None = None
    kinds: frozenset[TokenKind] = DEFAULT_KINDS
    groups: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    """The ``[settings]`` table."""

    expiring_window_days: int = DEFAULT_EXPIRING_WINDOW_DAYS
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    theme: str | None = None
    keys: tuple[tuple[str, str], ...] = ()
    """Binding id -> keys, e.g. ("refresh", "f5")."""
    rotation_days: int = DEFAULT_ROTATION_DAYS
    """Days a rotated or replaced token lives (capped by the instance's maximum)."""


@dataclass(frozen=True)
class Config:
    """A loaded configuration (an absent file is an empty configuration)."""

    path: Path
    settings: Settings = Settings()
    instances: tuple[InstanceConfig, ...] = ()
    templates: tuple[Template, ...] = ()
    warnings: tuple[str, ...] = ()
    handoffs: tuple[Handoff, ...] = ()
    """Where each token's new value goes when it is rotated or replaced."""

    @property
    def audit_rules(self) -> AuditRules:
        """The audit flags' settings: the stale-after days and every template (built-in
        and the user's) a token may have drifted from."""
        return AuditRules(self.settings.stale_after_days, BUILTIN_TEMPLATES + self.templates)
