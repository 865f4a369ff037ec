"""What an instance's settings are when the configuration does not say.

Domain facts, not wiring: the config layer validates against them and the engine's
:class:`~gltui.inventory.spec.InstanceSpec` defaults to them, and neither needs the
other to know them.
"""

from __future__ import annotations

from gltui.domain.tokens import TokenKind

DEFAULT_CONCURRENCY = 16
"""Requests in flight per instance. Latency, not GitLab's CPU, bounds a walk, so 16
in flight make a refresh about 16 times faster than a sequential script; where an
instance publishes rate limits (gitlab.com does), the rate gate slows the walk down
before it would trip them."""
DEFAULT_TIMEOUT_SECONDS = 10.0
"""One whole request (connect, headers and body), not one read."""
DEFAULT_WALK_SECONDS = 600.0
"""One instance's whole refresh: a hung instance never holds the others' report longer."""
DEFAULT_MAX_WAIT_SECONDS = 30.0
"""The longest single wait a ``Retry-After`` or ``RateLimit-Reset`` may impose."""

DEFAULT_KINDS = frozenset(
    {
        TokenKind.PERSONAL,
        TokenKind.IMPERSONATION,
        TokenKind.PROJECT,
        TokenKind.GROUP,
        TokenKind.DEPLOY,
        TokenKind.SERVICE_ACCOUNT,
        TokenKind.TRIGGER,
        TokenKind.CLUSTER_AGENT,
        TokenKind.RUNNER,
    }
)
"""Every kind: a kind this instance or role cannot have is skipped quietly by the walk."""
