"""Where a token is deployed: the CI/CD variables found holding it (never its value).

``gltui scan-deployed`` (and the dashboard's ``D``) read the CI/CD variables of the
projects and groups the user manages and ask GitLab which token each token-shaped value
is. What they keep is a :class:`Deployment` per variable that holds a token GitLab named:
the instance, the token's key (``personal_access_token:42``), the variable's place, key
and environment scope, and when it was seen. The details pane says it, and the rotation
hand-off offers the variable as the place to write the successor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gltui.domain.tokens import ResourceType


@dataclass(frozen=True, slots=True)
class VariablePlace:
    """One CI/CD variable: its project or group, key and environment scope."""

    resource_type: ResourceType
    resource_id: int
    path: str
    """The project's ``path_with_namespace`` or the group's ``full_path``."""
    key: str
    environment_scope: str = "*"

    def describe(self) -> str:
        """``CI variable RENOVATE_TOKEN of acme/backend/worker (scope *)`` (plain text:
        the caller escapes it for its output)."""
        kind = "" if self.resource_type is ResourceType.PROJECT else "group "
        return f"CI variable {self.key} of {kind}{self.path} (scope {self.environment_scope})"


@dataclass(frozen=True, slots=True)
class Deployment:
    """A variable found holding a known token."""

    instance: str
    token_key: str
    """The token's :func:`~gltui.domain.changes.seen_key` (``personal_access_token:42``)."""
    place: VariablePlace
    seen_at: datetime

    def describe(self) -> str:
        """``stored in CI variable RENOVATE_TOKEN of acme/backend/worker (scope *), seen
        2026-12-01``."""
        return f"stored in {self.place.describe()}, seen {self.seen_at.date().isoformat()}"
