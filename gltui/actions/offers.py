"""What gltui offers to do with each kind of token, and what it says where it cannot.

GitLab gives each credential kind its own write side (``gitlab-2026.md`` §1.10): a
runner's authentication token cannot be revoked without deleting the runner, but it
can be reset; triggers and cluster agent tokens can be revoked but never rotated; a
service account's token rotates with an expiry only from GitLab 17.9 and otherwise
gets a week. The dashboard and the headless commands ask here before they offer an
action, so a key never promises what GitLab lacks, and both say the same thing.

Rotations of service-account tokens always carry an explicit ``expires_at``: GitLab's
default for them is one week (``doc/api/group_service_accounts.md``), which turns a
routine rotation into an outage seven days later. gltui's default is its rotation
policy's (``[settings] rotation_days``, 90 days by default, within GitLab's 365-day
bound): the hand-off (:mod:`gltui.actions.handoff.lifetime`) always computes one, and
:meth:`~gltui.actions.service.TokenActions.rotate` falls back on it for any other caller.
"""

from __future__ import annotations

from datetime import date, timedelta

from gltui.adapters.endpoints import (
    SERVICE_ACCOUNT_ROTATE_EXPIRY_SINCE,
    NotPossible,
    RotateCall,
    parse_version,
    rotate_call,
)
from gltui.config.model import DEFAULT_ROTATION_DAYS
from gltui.domain.templates import DEFAULT_MAX_LIFETIME_DAYS
from gltui.domain.tokens import Token, TokenKind

RUNNER_REVOKE_UNAVAILABLE = (
    "revoke is not available for runners: GitLab revokes a runner's authentication token "
    "only by deleting the runner, which gltui does not do. Reset its token instead (R), "
    "or delete the runner in GitLab"
)
RESET_NOTE = (
    "The runner's previous authentication token has stopped working: put this one in the "
    "runner's config.toml (token = ...) and restart it."
)


REPLACE_UNAVAILABLE = {
    TokenKind.TRIGGER: (
        "gltui cannot create pipeline trigger tokens, so it cannot make this one's "
        "successor: create a new trigger in the project's Settings > CI/CD, switch what "
        "calls it, then revoke this one (d, or gltui revoke)"
    ),
    TokenKind.CLUSTER_AGENT: (
        "gltui cannot create cluster agent tokens, so it cannot make this one's successor: "
        "create a second token for the agent in GitLab (an agent may hold two), reconfigure "
        "the agent with it, then revoke this one (d, or gltui revoke)"
    ),
    TokenKind.RUNNER: (
        "a runner's authentication token has no successor to create (gltui creates no "
        "runners): reset it instead (R, or gltui rotate); the runner keeps its id and its "
        "old token stops working"
    ),
}
"""Why replace (create the successor, hand it off, revoke the old one) is not offered for
these kinds: GitLab makes their tokens only with the trigger, the agent or the runner,
which gltui does not create (``gitlab-2026.md`` §1.10)."""


def replacement_unavailable(token: Token) -> str | None:
    """Why gltui does not offer to replace ``token`` (``None``: it does; the instance
    may still refuse, e.g. a personal token for someone else without admin rights)."""
    return REPLACE_UNAVAILABLE.get(token.kind)


def revoke_unavailable(token: Token) -> str | None:
    """Why gltui does not offer to revoke ``token`` (``None``: it does)."""
    if token.kind is TokenKind.RUNNER:
        return RUNNER_REVOKE_UNAVAILABLE
    return None


def rotation_verb(token: Token) -> str:
    """``reset`` for a runner's token (GitLab's word: the runner keeps its id), else
    ``rotate``."""
    return "reset" if token.kind is TokenKind.RUNNER else "rotate"


def rotation_expiry(token: Token, today: date, days: int = DEFAULT_ROTATION_DAYS) -> date | None:
    """The expiry :meth:`~gltui.actions.service.TokenActions.rotate` asks for when it is
    given none: for a service account's token, ``days`` (the rotation policy's) from
    ``today``, within GitLab's 365 days, never GitLab's week; ``None`` (GitLab's default)
    for every other kind."""
    if token.kind is not TokenKind.SERVICE_ACCOUNT:
        return None
    return today + timedelta(days=max(1, min(days, DEFAULT_MAX_LIFETIME_DAYS)))


def expiry_note(token: Token, call: RotateCall, version: str | None) -> str:
    """What happens to the successor's expiry on this instance, for the rotate modal."""
    if call.resets:
        return (
            "GitLab sets the new token's expiry itself (the runner's token expiration "
            "setting); there is nothing to choose."
        )
    known = parse_version(version)
    if token.kind is TokenKind.SERVICE_ACCOUNT and "/service_accounts/" in call.path:
        if not call.accepts_expiry:
            since = ".".join(map(str, SERVICE_ACCOUNT_ROTATE_EXPIRY_SINCE))
            return (
                f"This GitLab ({version or '?'}) takes no expiry for a service account's "
                f"rotation (GitLab {since}+): the new token expires a week from today."
            )
        if known is None:
            return (
                "GitLab's version is unknown here; before 17.9 the expiry is ignored and the "
                "new token lives a week."
            )
        return (
            "gltui always sends an expiry (empty: settings.rotation_days from today); GitLab "
            "would otherwise give a service account's new token one week."
        )
    if known is None:
        return "GitLab's version is unknown here; an expiry may be ignored before 16.6."
    if not call.accepts_expiry:
        return (
            f"This GitLab ({version}) ignores a chosen expiry: the new token expires a week "
            "from today."
        )
    return "Empty: GitLab's default (a week from today where expiry is required)."


def rotation_unavailable(token: Token, version: str | None) -> str | None:
    """Why ``token`` cannot be rotated (or reset) here; ``None`` when it can."""
    try:
        rotate_call(token, version)
    except NotPossible as reason:
        return str(reason)
    return None
