"""Service accounts: users of type ``service_account``, of the instance, a group or a project.

They are ordinary rows of the users table (``bot`` in the users API, hidden by
``humans=true``), and their tokens are ordinary rows of ``personal_access_tokens``, so
an administrator's ``GET /personal_access_tokens`` lists them with every other PAT.
A group or project service account is *provisioned by* its namespace
(``provisioned_by``), which is what the group and project endpoints list and manage
(``doc/api/service_accounts.md``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from gltui.sandbox.store import Store, User

SERVICE_ACCOUNT = "service_account"
DEFAULT_NAME = "Service account user"


def _suffix(user_id: int) -> str:
    """GitLab's suffix is ``SecureRandom.hex(16)``; a digest of the new id keeps a seeded
    sandbox the same from run to run (usernames are not secrets)."""
    return hashlib.sha256(f"service_account:{user_id}".encode()).hexdigest()[:32]


def add_service_account(
    store: Store,
    *,
    provisioned_by: tuple[str, int] | None = None,
    name: str | None = None,
    username: str | None = None,
    created_at: datetime | None = None,
) -> User:
    """A new service account, named as GitLab names them when no name is given:
    ``service_account_<hex>``, ``service_account_group_<id>_<hex>`` or
    ``service_account_project_<id>_<hex>``."""
    user_id = store.next_id("users")
    if username is None:
        middle = "" if provisioned_by is None else f"{provisioned_by[0]}_{provisioned_by[1]}_"
        username = f"service_account_{middle}{_suffix(user_id)}"
    account = User(
        user_id,
        username,
        name or DEFAULT_NAME,
        created_at or store.now(),
        user_type=SERVICE_ACCOUNT,
        provisioned_by=provisioned_by,
    )
    store.add_service_account(account)
    return account


def username_taken(store: Store, username: str) -> bool:
    """Usernames are unique, case-insensitively."""
    wanted = username.lower()
    return any(user.username.lower() == wanted for user in store.users.values())
