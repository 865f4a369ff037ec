"""Fine-grained ("granular") personal access tokens: permissions, boundaries, grants.

GitLab 19.2 made them generally available (``gitlab-2026.md`` §1.1). A fine-grained
token holds *granular scopes*: each an access boundary (``user``, ``instance``,
``all_memberships``, ``personal_projects``, ``selected_memberships`` with project or
group ids) and permissions named ``<action>_<resource>`` (``read_job``,
``read_personal_access_token``, ...).

This module is the vocabulary gltui judges and builds them with:

* how much harm a permission can do (:func:`permission_risk`: ``read_*`` reads,
  every other action is assumed to write, as :func:`~gltui.domain.scopes.scope_risk`
  assumes the worst of a scope it does not know);
* how far a boundary reaches (:func:`boundary_breadth`);
* a :class:`Grant`, one entry of a create request's ``granular_scopes``.

gltui never holds the full permission list (GitLab generates it and it grows each
release), so a permission is checked for its *shape* only; GitLab's 400 says when a
well-shaped name is not one of its permissions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from gltui.domain.errors import ValidationError
from gltui.domain.scopes import ScopeRisk
from gltui.domain.tokens import Boundary, GranularScope, Resource, ResourceType

PERMISSION_SHAPE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
"""``<action>_<resource>`` in lower snake case: at least two words."""

MAX_PERMISSIONS = 200
"""Permissions in one grant, at most: GitLab's whole list is a few hundred."""


class Breadth(IntEnum):
    """How far a boundary reaches, ordered so ``max()`` works."""

    NARROW = 1
    """``selected_memberships``: the projects and groups named, no more."""
    OWN = 2
    """``user`` (the token's own user) and ``personal_projects``."""
    BROAD = 3
    """``all_memberships`` and ``instance``: everything the user can reach."""


_BREADTH = {
    Boundary.SELECTED_MEMBERSHIPS.value: Breadth.NARROW,
    Boundary.USER.value: Breadth.OWN,
    Boundary.PERSONAL_PROJECTS.value: Breadth.OWN,
    Boundary.ALL_MEMBERSHIPS.value: Breadth.BROAD,
    Boundary.INSTANCE.value: Breadth.BROAD,
}


def boundary_breadth(access: str) -> Breadth:
    """The breadth of a boundary; one GitLab adds later is assumed broad."""
    return _BREADTH.get(access, Breadth.BROAD)


def permission_risk(permission: str) -> ScopeRisk:
    """``read_*`` reads; create, update, delete, rotate, revoke, run... write."""
    return ScopeRisk.READ if permission.startswith("read_") else ScopeRisk.WRITE


def granular_risk(scopes: Iterable[GranularScope]) -> ScopeRisk:
    """The riskiest permission of a fine-grained token (``NONE`` without any)."""
    return max(
        (permission_risk(p) for scope in scopes for p in scope.permissions),
        default=ScopeRisk.NONE,
    )


def writes(scopes: Iterable[GranularScope]) -> tuple[str, ...]:
    """Every permission that can change something, once each, in order."""
    found = (
        p for scope in scopes for p in scope.permissions if permission_risk(p) > ScopeRisk.READ
    )
    return tuple(dict.fromkeys(found))


def broad_boundaries(scopes: Iterable[GranularScope]) -> tuple[str, ...]:
    """The boundaries that reach everything the user can (``instance``, ``all_memberships``)."""
    found = (s.access for s in scopes if boundary_breadth(s.access) is Breadth.BROAD)
    return tuple(dict.fromkeys(found))


def is_narrow(scopes: Sequence[GranularScope]) -> bool:
    """Read-only permissions on selected memberships (and the user itself): low risk."""
    return (
        bool(scopes)
        and granular_risk(scopes) <= ScopeRisk.READ
        and all(boundary_breadth(s.access) <= Breadth.OWN for s in scopes)
        and any(s.access == Boundary.SELECTED_MEMBERSHIPS for s in scopes)
    )


@dataclass(frozen=True, slots=True)
class Grant:
    """One entry of a create request's ``granular_scopes``.

    The request shape follows client-go's ``GranularScopeOptions{Access, Permissions,
    GroupIDs, ProjectIDs}`` (client-go MR 3178). The JSON keys ``group_ids`` and
    ``project_ids`` are inferred from those Go field names: **UNCONFIRMED**
    (``gitlab-2026.md`` §1.1 "Request shape"). Ids apply to ``selected_memberships`` only.
    """

    access: Boundary
    permissions: tuple[str, ...]
    project_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()

    def payload(self) -> dict[str, object]:
        """The JSON object GitLab's create endpoints read."""
        body: dict[str, object] = {
            "access": self.access.value,
            "permissions": list(self.permissions),
        }
        if self.access is Boundary.SELECTED_MEMBERSHIPS:
            if self.group_ids:
                body["group_ids"] = list(self.group_ids)
            if self.project_ids:
                body["project_ids"] = list(self.project_ids)
        return body

    @property
    def needs_memberships(self) -> bool:
        """A ``selected_memberships`` grant that names no project or group yet (the user
        chooses them when creating the token)."""
        return self.access is Boundary.SELECTED_MEMBERSHIPS and not (
            self.project_ids or self.group_ids
        )

    def with_memberships(self, resources: Iterable[Resource]) -> Grant:
        """This grant reaching ``resources`` (only a ``selected_memberships`` grant
        without ids of its own takes them)."""
        if not self.needs_memberships:
            return self
        chosen = list(resources)
        projects = tuple(r.id for r in chosen if r.type is ResourceType.PROJECT)
        groups = tuple(r.id for r in chosen if r.type is ResourceType.GROUP)
        return Grant(self.access, self.permissions, projects, groups)


def check_permissions(field: str, permissions: Iterable[object]) -> tuple[str, ...]:
    """Permission names de-duplicated in order, or an error naming the first bad one."""
    ordered: list[str] = []
    for permission in permissions:
        if not isinstance(permission, str) or not PERMISSION_SHAPE.match(permission):
            raise ValidationError(
                field,
                f"{permission!r} is not a permission name: GitLab names them "
                "<action>_<resource>, such as read_job",
            )
        if permission not in ordered:
            ordered.append(permission)
    if not ordered:
        raise ValidationError(field, "choose at least one permission")
    if len(ordered) > MAX_PERMISSIONS:
        raise ValidationError(field, f"{len(ordered)} permissions; at most {MAX_PERMISSIONS}")
    return tuple(ordered)


def check_grant(field: str, grant: Grant) -> Grant:
    """``grant`` as GitLab would accept it, or an error naming what to fix."""
    permissions = check_permissions(f"{field}.permissions", grant.permissions)
    ids = grant.project_ids + grant.group_ids
    if grant.access is not Boundary.SELECTED_MEMBERSHIPS and ids:
        raise ValidationError(
            field,
            f"project and group ids belong to selected_memberships, not {grant.access.value}",
        )
    if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids):
        raise ValidationError(field, "project and group ids are whole numbers from 1")
    return Grant(grant.access, permissions, grant.project_ids, grant.group_ids)


def parse_boundary(field: str, value: object) -> Boundary:
    """A boundary by its API name, or an error listing the valid ones."""
    known = {boundary.value: boundary for boundary in Boundary}
    if isinstance(value, str) and value in known:
        return known[value]
    raise ValidationError(field, f"{value!r} is not a boundary; use {', '.join(known)}")


def grants_of(scopes: Iterable[GranularScope]) -> tuple[Grant, ...]:
    """A token's granular scopes as create-request grants ("create like this",
    "replace"): GitLab lists one project or group per entry; entries of one boundary
    and one permission set are joined into one grant."""
    merged: dict[tuple[str, tuple[str, ...]], tuple[list[int], list[int]]] = {}
    for scope in scopes:
        try:
            access = Boundary(scope.access)
        except ValueError:
            continue  # a boundary gltui does not know cannot be asked for
        projects, groups = merged.setdefault((access.value, scope.permissions), ([], []))
        if scope.project_id is not None:
            projects.append(scope.project_id)
        if scope.group_id is not None:
            groups.append(scope.group_id)
    return tuple(
        Grant(Boundary(access), permissions, tuple(projects), tuple(groups))
        for (access, permissions), (projects, groups) in merged.items()
    )


@dataclass(frozen=True, slots=True)
class FineGrainedForm:
    """A template's fine-grained variant: the grants of a personal access token made
    from it, and why they are the least that serve the integration."""

    grants: tuple[Grant, ...]
    note: str
    """Why these permissions and these boundaries (shown in the create pane)."""
    lifetime_days: int = 365

    @property
    def permissions(self) -> tuple[str, ...]:
        """Every permission of every grant, once each."""
        return tuple(dict.fromkeys(p for grant in self.grants for p in grant.permissions))

    @property
    def needs_memberships(self) -> bool:
        """Whether the user chooses the projects or groups the token reaches."""
        return any(grant.needs_memberships for grant in self.grants)

    @property
    def read_only(self) -> bool:
        """No permission that writes."""
        return all(permission_risk(p) <= ScopeRisk.READ for p in self.permissions)
