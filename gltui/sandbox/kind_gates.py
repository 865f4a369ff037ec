"""Version gates of service accounts, triggers, cluster agents and runners.

The same job as :class:`~gltui.sandbox.profiles.VersionProfile`'s properties, kept in a
module of their own so that these kinds' gates sit together. Each cites the version in
the project's reference notes (``gitlab-2026.md`` §1.3, §1.6, §1.10) or GitLab's docs;
where no source gives a version, the choice and why is said here (and in the README).
"""

from __future__ import annotations

from gltui.sandbox.profiles import VersionProfile


def has_service_account_create(profile: VersionProfile) -> bool:
    """``POST /service_accounts`` and ``POST /groups/:id/service_accounts``, with token
    create and rotate under ``/groups/:id/service_accounts/:user_id`` (16.1)."""
    return profile.at_least(16, 1)


def has_service_account_list(profile: VersionProfile) -> bool:
    """``GET /service_accounts`` and ``GET /groups/:id/service_accounts`` (17.1)."""
    return profile.at_least(17, 1)


def service_account_rotate_takes_expires_at(profile: VersionProfile) -> bool:
    """The ``expires_at`` parameter of a service-account token's rotate (17.9)."""
    return profile.at_least(17, 9)


def service_account_email_field(profile: VersionProfile) -> bool:
    """``email`` on the service-account entity (create's ``email`` attribute, 17.9)."""
    return profile.at_least(17, 9)


def has_group_service_account_tokens(profile: VersionProfile) -> bool:
    """``GET …/service_accounts/:user_id/personal_access_tokens`` with the PAT filters,
    and ``DELETE …/:token_id`` (both 17.11, MR 184287)."""
    return profile.at_least(17, 11)


def has_project_service_accounts(profile: VersionProfile) -> bool:
    """``/projects/:id/service_accounts`` and its token endpoints: behind a flag that is
    off by default in 18.9 and 18.10, generally available in 18.11 (MR 225485)."""
    return profile.at_least(18, 11)


def subgroup_service_accounts(profile: VersionProfile) -> bool:
    """Subgroups may own service accounts from 18.11 (MR 225485, the same release as
    project ones); before, only top-level groups can."""
    return profile.at_least(18, 11)


def trigger_expires_at(profile: VersionProfile) -> bool:
    """``expires_at`` on triggers (MR 146912, "available in Beta").

    No source gives the release. The MR's number falls after 16.10's MR 144841, and the
    entity exposes the column whatever the feature flag says, so 17.0 (the first
    release after the MR could have merged) is the version chosen. UNCONFIRMED."""
    return profile.at_least(17, 0)


def runner_details_token_expires_at(profile: VersionProfile) -> bool:
    """``token_expires_at`` in ``GET /runners/:id`` (MR 253821, issue 627823).

    No source gives the release: the MR's number falls between 18.11's MR 225485 and
    19.2's MR 260958, so 19.1 is the version chosen. UNCONFIRMED. (The reset answer
    carries ``token_expires_at`` on every version the sandbox emulates.)"""
    return profile.at_least(19, 1)


def runner_created_fields(profile: VersionProfile) -> bool:
    """``created_at``, ``created_by`` and ``job_execution_status`` on runners (newer
    entity; 18.0 here, as the project's other UNCONFIRMED gates)."""
    return profile.at_least(18, 0)


def runner_details_list_projects(profile: VersionProfile) -> bool:
    """Older ``GET /runners/:id`` answers always listed the runner's projects; the newest
    entity only with ``include_projects`` (not set by that route). Before 18.0 here."""
    return not profile.at_least(18, 0)
