"""Version profiles: which endpoints, filters and fields a GitLab version has.

Each gate cites the version the reference gives. Where the reference marks a
version UNCONFIRMED, the gate is the first 18.x release (documented in the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURRENT_VERSION = "19.6.0"
PROFILE_VERSIONS = {
    "current": CURRENT_VERSION,
    "19.6": CURRENT_VERSION,
    "19": CURRENT_VERSION,
    "18": "18.6.2",
    "16": "16.11.10",
    "15": "15.0.5",
}
"""Named profiles the README documents; any X.Y.Z is accepted too. ``18`` is the
profile that was current before fine-grained tokens (19.2) existed."""

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")

# Scopes and the version that introduced them (all others predate 15.0).
_SCOPE_SINCE = {
    "admin_mode": (15, 8),
    "create_runner": (15, 10),
    "k8s_proxy": (16, 4),
    "ai_features": (16, 0),
    "manage_runner": (17, 1),
    "read_service_ping": (17, 1),
    "self_rotate": (17, 9),
    "read_virtual_registry": (18, 0),
    "write_virtual_registry": (18, 0),
}

# The sandbox keeps its own copy of GitLab's scope lists (gltui.domain.scopes has
# another) on purpose: an emulator that imported the client's idea of GitLab could
# never catch the client getting GitLab wrong.
_USER_SCOPES = (
    "api",
    "read_api",
    "read_user",
    "create_runner",
    "manage_runner",
    "k8s_proxy",
    "self_rotate",
    "read_repository",
    "write_repository",
    "read_registry",
    "write_registry",
    "read_virtual_registry",
    "write_virtual_registry",
    "read_observability",
    "write_observability",
    "ai_features",
)
_ADMIN_SCOPES = ("sudo", "admin_mode", "read_service_ping")
_DEPLOY_SCOPES = (
    "read_repository",
    "read_registry",
    "write_registry",
    "read_package_registry",
    "write_package_registry",
    "read_virtual_registry",
    "write_virtual_registry",
)


class ProfileError(ValueError):
    """An unusable ``--version`` value."""


@dataclass(frozen=True, slots=True)
class VersionProfile:
    """The behaviour of one GitLab version, as far as tokens are concerned."""

    major: int
    minor: int
    patch: int
    revision: str = "a1b2c3d4e5f"

    @classmethod
    def parse(cls, text: str) -> VersionProfile:
        """Accept ``18.6.2``, ``18.6.2-ee`` or a named profile (``current``, ``18``...)."""
        text = PROFILE_VERSIONS.get(text, text).removesuffix("-ee")
        match = _VERSION.match(text)
        if not match:
            raise ProfileError(
                f"version {text!r} is not X.Y.Z; named profiles: {', '.join(PROFILE_VERSIONS)}"
            )
        major, minor, patch = (int(part) for part in match.groups())
        if (major, minor) < (15, 0):
            raise ProfileError("the sandbox emulates GitLab 15.0 and newer")
        return cls(major, minor, patch)

    @property
    def version(self) -> str:
        """The version string ``/version`` and ``/metadata`` report."""
        return f"{self.major}.{self.minor}.{self.patch}-ee"

    def at_least(self, major: int, minor: int) -> bool:
        """Whether this version is ``major.minor`` or newer."""
        return (self.major, self.minor) >= (major, minor)

    # --- endpoints -------------------------------------------------------
    @property
    def has_metadata(self) -> bool:
        """``GET /metadata`` (15.2)."""
        return self.at_least(15, 2)

    @property
    def has_pat_get_by_id(self) -> bool:
        """``GET /personal_access_tokens/:id`` (15.1)."""
        return self.at_least(15, 1)

    @property
    def has_pat_self(self) -> bool:
        """``GET /personal_access_tokens/self`` (15.5)."""
        return self.at_least(15, 5)

    @property
    def has_rotate(self) -> bool:
        """``POST .../:id/rotate`` for PATs and resource tokens (16.0)."""
        return self.at_least(16, 0)

    @property
    def rotate_takes_expires_at(self) -> bool:
        """The ``expires_at`` rotate parameter (16.6)."""
        return self.at_least(16, 6)

    @property
    def has_pat_self_rotate(self) -> bool:
        """``POST /personal_access_tokens/self/rotate`` (16.10)."""
        return self.at_least(16, 10)

    @property
    def has_resource_self_rotate(self) -> bool:
        """``POST /projects/:id/access_tokens/self/rotate`` (17.x, UNCONFIRMED: 18.0)."""
        return self.at_least(18, 0)

    @property
    def has_user_pat_create(self) -> bool:
        """``POST /user/personal_access_tokens`` for oneself (16.5)."""
        return self.at_least(16, 5)

    @property
    def has_self_associations(self) -> bool:
        """``GET /personal_access_tokens/self/associations`` (17.4)."""
        return self.at_least(17, 4)

    # --- fine-grained ("granular") personal access tokens (reference 2026 §1.1) ---
    @property
    def has_granular_tokens(self) -> bool:
        """Fine-grained PATs (GA 19.2): created with ``granular_scopes`` by oneself
        (``POST /user/personal_access_tokens``) or as impersonation tokens, listed and
        fetched with ``granular_scopes``, rotated keeping them, and held to their
        permissions on every route."""
        return self.at_least(19, 2)

    @property
    def granular_scopes_in_self(self) -> bool:
        """``GET /personal_access_tokens/self`` shows ``granular_scopes`` (19.5)."""
        return self.at_least(19, 5)

    @property
    def granular_scopes_in_self_rotate(self) -> bool:
        """``POST /personal_access_tokens/self/rotate`` shows ``granular_scopes`` (19.6)."""
        return self.at_least(19, 6)

    @property
    def granular_scopes_in_created_and_impersonation(self) -> bool:
        """``granular_scopes`` in the answer to ``POST /user/personal_access_tokens`` and
        on impersonation tokens (19.6, ``doc/api/user_tokens.md`` history; the request
        itself works since 19.2)."""
        return self.at_least(19, 6)

    @property
    def has_admin_granular_create(self) -> bool:
        """``POST /users/:user_id/personal_access_tokens`` takes ``granular_scopes`` (19.6,
        MR 260958); before, Grape ignores the unknown parameter."""
        return self.at_least(19, 6)

    # --- filters ---------------------------------------------------------
    @property
    def pat_filters(self) -> bool:
        """``state``, ``revoked``, ``search``, ``created_*``, ``last_used_*`` (15.5)."""
        return self.at_least(15, 5)

    @property
    def pat_expiry_filters_and_sort(self) -> bool:
        """``expires_before/after`` and ``sort`` (UNCONFIRMED: 18.0)."""
        return self.at_least(18, 0)

    @property
    def resource_state_filter(self) -> bool:
        """``state`` on resource-token lists (17.2)."""
        return self.at_least(17, 2)

    @property
    def resource_full_filters(self) -> bool:
        """The PAT filters on resource-token lists (UNCONFIRMED: 18.0)."""
        return self.at_least(18, 0)

    @property
    def keeps_inactive_resource_tokens(self) -> bool:
        """Revoked resource tokens stay listed (bot kept 30 days) since ~17.3."""
        return self.at_least(17, 3)

    # --- fields ----------------------------------------------------------
    @property
    def token_description(self) -> bool:
        """``description`` on token entities (17.7)."""
        return self.at_least(17, 7)

    @property
    def expired_and_granular_fields(self) -> bool:
        """``expired`` and ``granular`` on PAT entities (newer; 18.0 here)."""
        return self.at_least(18, 0)

    @property
    def last_used_ips_in_lists(self) -> bool:
        """``last_used_ips`` on list and ``/self`` answers (newest code; 18.0 here)."""
        return self.at_least(18, 0)

    @property
    def resource_type_fields(self) -> bool:
        """``resource_type``/``resource_id`` on resource tokens (newer; 18.0 here)."""
        return self.at_least(18, 0)

    @property
    def enterprise_field(self) -> bool:
        """``enterprise`` in ``/metadata`` (15.6)."""
        return self.at_least(15, 6)

    @property
    def requires_expiry(self) -> bool:
        """Every new PAT-type token gets an expiry (16.0); before, omission meant never."""
        return self.at_least(16, 0)

    # --- scopes ----------------------------------------------------------
    def _has_scope(self, scope: str) -> bool:
        since = _SCOPE_SINCE.get(scope)
        return since is None or self.at_least(*since)

    def user_scopes(self, *, admin: bool) -> frozenset[str]:
        """Scopes a personal or impersonation token may hold on this version."""
        scopes = [s for s in _USER_SCOPES if self._has_scope(s)]
        if admin:
            scopes += [s for s in _ADMIN_SCOPES if self._has_scope(s)]
        return frozenset(scopes)

    def all_scopes(self) -> frozenset[str]:
        """``Gitlab::Auth.all_available_scopes``: what the API accepts at all."""
        return self.user_scopes(admin=True)

    def resource_scopes(self) -> frozenset[str]:
        """``resource_bot_scopes``: non-admin scopes minus ``read_user``."""
        return self.user_scopes(admin=False) - {"read_user"}

    def deploy_scopes(self) -> frozenset[str]:
        """Deploy-token scopes on this version."""
        return frozenset(s for s in _DEPLOY_SCOPES if self._has_scope(s))

    def self_service_pat_scopes(self) -> frozenset[str]:
        """What ``POST /user/personal_access_tokens`` allows a non-admin."""
        return frozenset(s for s in ("k8s_proxy", "self_rotate") if self._has_scope(s))
