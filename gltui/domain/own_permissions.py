"""What gltui itself needs of a fine-grained token, to read and to act.

``gltui config check`` reads the token's own granular scopes
(``GET /personal_access_tokens/self`` lists them from GitLab 19.5) and names what is
missing, reading and acting apart: a read-only fine-grained token is a fine token for
gltui (``gitlab-2026.md`` §1.1, "What this means for gltui"), so lacking the acting
permissions is only worth a warning; lacking a listing's permission costs that listing.

Each need names the kind of boundary its routes are checked on (GitLab's generated
permissions page, quoted in the reference: Personal Access Token at the user boundary,
Resource Access Token and Deploy Token at project and group, Group read at the user
boundary, Metadata at the instance). A permission held only on a boundary of the wrong
kind does not open those routes: that is said too.

Names. ``read_personal_access_token`` and ``read_resource_access_token`` are in the
reference; every other name is built by GitLab's ``<action>_<resource>`` rule from the
resource and action the reference lists (``read_deploy_token``, ``read_group``,
``read_metadata``, ``revoke_personal_access_token``, ``rotate_personal_access_token``,
``rotate_resource_access_token``, ``delete_resource_access_token``,
``delete_deploy_token``, ``create_user_personal_access_token`` for "User Personal Access
Token: Create"): UNCONFIRMED. ``read_user`` (``GET /user``) and ``read_project``
(``GET /projects``) come from GitLab's generated page, not the reference: UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gltui.domain.tokens import Boundary, GranularScope

USER_ROUTES = frozenset({Boundary.USER.value})
"""Routes about the user itself (its tokens, ``/user``, ``/projects``, ``/groups``)."""
INSTANCE_ROUTES = frozenset({Boundary.INSTANCE.value})
MEMBERSHIP_ROUTES = frozenset(
    {
        Boundary.ALL_MEMBERSHIPS.value,
        Boundary.SELECTED_MEMBERSHIPS.value,
        Boundary.PERSONAL_PROJECTS.value,
    }
)
"""Routes under ``/projects/:id`` and ``/groups/:id``."""


@dataclass(frozen=True)
class Need:
    """One permission gltui uses, where, and what for."""

    permission: str
    boundaries: frozenset[str]
    """The boundaries whose scopes open its routes."""
    what: str
    essential: bool = True
    """Without it gltui misses tokens or cannot act (``False``: gltui manages without)."""


READING = (
    Need("read_personal_access_token", USER_ROUTES, "list personal access tokens"),
    Need("read_project", USER_ROUTES, "find the projects you maintain"),
    Need("read_group", USER_ROUTES, "find the groups you maintain or own"),
    Need("read_resource_access_token", MEMBERSHIP_ROUTES, "list project and group access tokens"),
    Need("read_deploy_token", MEMBERSHIP_ROUTES, "list deploy tokens"),
    Need(
        "read_user",
        USER_ROUTES,
        "know who it signs in as (gltui falls back on the token's own record)",
        essential=False,
    ),
    Need(
        "read_metadata",
        INSTANCE_ROUTES,
        "read GitLab's version (without it every version gate asks GitLab)",
        essential=False,
    ),
)
"""What the walk reads (``gltui/inventory/walk.py``)."""

ACTING = (
    Need("revoke_personal_access_token", USER_ROUTES, "revoke personal access tokens"),
    Need("rotate_personal_access_token", USER_ROUTES, "rotate personal access tokens"),
    Need(
        "create_user_personal_access_token",
        USER_ROUTES,
        "create your personal access tokens from templates",
    ),
    Need(
        "delete_resource_access_token", MEMBERSHIP_ROUTES, "revoke project and group access tokens"
    ),
    Need(
        "rotate_resource_access_token", MEMBERSHIP_ROUTES, "rotate project and group access tokens"
    ),
    Need(
        "create_resource_access_token", MEMBERSHIP_ROUTES, "create project and group access tokens"
    ),
    Need("delete_deploy_token", MEMBERSHIP_ROUTES, "revoke deploy tokens"),
    Need("create_deploy_token", MEMBERSHIP_ROUTES, "create deploy tokens"),
)
"""What revoke, rotate and create use."""


@dataclass(frozen=True)
class Shortfall:
    """What a token lacks of ``needs``."""

    missing: tuple[Need, ...]
    """Held on no boundary at all."""
    misplaced: tuple[tuple[Need, tuple[str, ...]], ...]
    """Held, but only on boundaries that do not open the need's routes (and which)."""


def shortfall(scopes: Iterable[GranularScope], needs: Iterable[Need]) -> Shortfall:
    """Which of ``needs`` the token's granular scopes do not meet."""
    held: dict[str, set[str]] = {}
    for scope in scopes:
        for permission in scope.permissions:
            held.setdefault(permission, set()).add(scope.access)
    missing, misplaced = [], []
    for need in needs:
        where = held.get(need.permission)
        if where is None:
            missing.append(need)
        elif not where & need.boundaries:
            misplaced.append((need, tuple(sorted(where))))
    return Shortfall(tuple(missing), tuple(misplaced))


def named(needs: Iterable[Need]) -> str:
    """``read_deploy_token (list deploy tokens), ...``."""
    return ", ".join(f"{need.permission} ({need.what})" for need in needs)


def selected_only(scopes: Iterable[GranularScope], permission: str) -> bool:
    """Whether ``permission`` reaches only the selected projects and groups (tokens in
    the others are not listed)."""
    where = {s.access for s in scopes if permission in s.permissions}
    return bool(where) and where <= {Boundary.SELECTED_MEMBERSHIPS.value}
