"""Token families and automatic reuse detection (GitLab 16.3+).

A rotation links the new token to the old one (``previous_personal_access_token_id``);
the chain is the token's family. GitLab's reuse detection is part of *authentication*,
not of the rotate service (``Gitlab::Auth::AuthFinders#revoke_token_family``,
``PersonalAccessTokens::RevokeTokenFamilyService``; the reference's §1.3 "corrected
rule"): when a revoked token's own secret authenticates a request whose path ends in
``access_tokens/<id or self>/rotate``, every active token rotated from it is revoked,
and the request gets the usual "Token was revoked" 401. The path test is GitLab's
regular expression, so it also covers the service-account token paths
(``…/service_accounts/:user_id/personal_access_tokens/:token_id/rotate``).

Rotating a revoked token *by id with a valid token* (an owner or an administrator
cleaning up) is not reuse: the rotate service answers ``400 Token already revoked`` and
leaves the family alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gltui.sandbox.store import PersonalToken, Store

ROTATION_PATH = re.compile(r"access_tokens/(\d+|self)/rotate$")
"""``AuthFinders#access_token_rotation_request?``."""


def is_rotation_request(segments: Sequence[str]) -> bool:
    """Whether the request path (after ``/api/v4``) is a token rotation."""
    return ROTATION_PATH.search("/".join(segments)) is not None


def descendants(store: Store, token: PersonalToken) -> list[PersonalToken]:
    """Every token rotated, directly or not, from ``token`` (the recursive CTE)."""
    children: dict[int, list[PersonalToken]] = {}
    for row in store.pats.values():
        if row.previous_id is not None:
            children.setdefault(row.previous_id, []).append(row)
    found: list[PersonalToken] = []
    pending = list(children.get(token.id, []))
    while pending:
        row = pending.pop()
        found.append(row)
        pending.extend(children.get(row.id, []))
    return found


def revoke_family(store: Store, token: PersonalToken) -> None:
    """Revoke the family's active tokens (in practice the one current successor)."""
    today = store.today()
    revoked = [row for row in descendants(store, token) if row.active(today)]
    for row in revoked:
        row.revoked = True
    if revoked:
        store.changed()
