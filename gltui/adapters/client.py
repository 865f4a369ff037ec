"""python-gitlab, wrapped: the one module that imports it.

Only what the demo needs so far; the inventory engine builds on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import gitlab

from gltui.adapters import parse
from gltui.domain.tokens import Token

DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Identity:
    """Who a token signs in as, and on which GitLab version."""

    username: str
    is_admin: bool
    version: str


def connect(url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> gitlab.Gitlab:
    """A python-gitlab client for one instance (one per thread: sessions are not shared)."""
    return gitlab.Gitlab(url, private_token=token, timeout=timeout, retry_transient_errors=True)


def identify(client: gitlab.Gitlab) -> Identity:
    """``GET /user`` and the version (``/metadata`` falling back to ``/version``)."""
    client.auth()
    user = client.user
    assert user is not None  # auth() sets it or raises
    version, _revision = client.version()
    return Identity(
        username=str(user.username),
        is_admin=bool(user.attributes.get("is_admin", False)),
        version=version,
    )


def personal_tokens(client: gitlab.Gitlab, instance: str) -> list[Token]:
    """Every row of ``/personal_access_tokens`` the token may see, all pages."""
    rows = client.personal_access_tokens.list(get_all=True)
    return [parse.personal_token(instance, row.attributes) for row in rows]
