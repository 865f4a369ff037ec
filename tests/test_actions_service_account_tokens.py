"""A service account's tokens through gltui's write side (python-gitlab underneath)
against the sandbox: group, project and instance accounts' tokens revoked and rotated (with
an explicit expiry, and before GitLab 17.9 and 17.11), created from templates for the
account chosen, and the refusals by role and by version.

The tokens are found with python-gitlab as any client would, then handed to
:class:`~gltui.actions.service.TokenActions` as the walk would hand them over.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import gitlab
import pytest

from gltui.actions.offers import expiry_note, rotation_expiry
from gltui.actions.service import ActionError
from gltui.adapters.endpoints import NotPossible, create_path, revoke_path, rotate_call
from gltui.adapters.parse import parse_day, parse_timestamp
from gltui.config.model import DEFAULT_ROTATION_DAYS
from gltui.domain.errors import ValidationError
from gltui.domain.templates import BUILTIN_TEMPLATES, render_template
from gltui.domain.tokens import Owner, ResourceType, Token, TokenKind
from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, SandboxFactory, client
from tests.test_actions_kinds import actions, group, project, rows

TEMPLATES = {template.id: template for template in BUILTIN_TEMPLATES}


# --- service accounts' tokens -----------------------------------------------------------


def group_sa_token(gl: gitlab.Gitlab, path: str, account: str, name: str) -> Token:
    where = group(gl, path)
    accounts = gl.groups.get(where.id, lazy=True).service_accounts.list(get_all=True)
    found = next(a for a in accounts if a.name == account)
    admin_rows = rows(gl, "/personal_access_tokens", user_id=found.id)
    row = next(t for t in admin_rows if t["name"] == name and not t["revoked"])
    return Token(
        "work",
        TokenKind.SERVICE_ACCOUNT,
        row["id"],
        name,
        tuple(row["scopes"]),
        False,
        parse_day(row["expires_at"]),
        created_at=parse_timestamp(row["created_at"]),
        owner=Owner(found.id, found.username),
        resource=where,
    )


def project_sa_token(gl: gitlab.Gitlab, path: str, account: str, name: str) -> Token:
    where = project(gl, path)
    accounts = gl.projects.get(where.id, lazy=True).service_accounts.list(get_all=True)
    found = next(a for a in accounts if a.name == account)
    listed = rows(gl, f"/projects/{where.id}/service_accounts/{found.id}/personal_access_tokens")
    row = next(t for t in listed if t["name"] == name)
    return Token(
        "work",
        TokenKind.SERVICE_ACCOUNT,
        row["id"],
        name,
        tuple(row["scopes"]),
        False,
        parse_day(row["expires_at"]),
        created_at=parse_timestamp(row["created_at"]),
        owner=Owner(found.id, found.username),
        resource=where,
    )


def pat(gl: gitlab.Gitlab, token_id: int) -> dict[str, Any]:
    found = gl.personal_access_tokens.get(token_id).attributes
    assert isinstance(found, dict)
    return found


def test_group_service_account_tokens_rotate_with_an_explicit_expiry(
    sandbox: RunningSandbox,
) -> None:
    admin = client(sandbox, "admin")
    token = group_sa_token(admin, "acme", "Acme deploy bot", "release")
    call = rotate_call(token, "19.6.0")
    assert token.resource is not None
    assert token.owner is not None
    assert call.path == (
        f"/groups/{token.resource.id}/service_accounts/{token.owner.user_id}"
        f"/personal_access_tokens/{token.id}/rotate"
    )
    assert call.accepts_expiry
    chosen = TODAY + timedelta(days=60)
    issued = actions(sandbox).rotate(token, chosen, today=TODAY)  # Mara owns acme
    assert issued.token.kind is TokenKind.SERVICE_ACCOUNT
    assert issued.token.expires_at == chosen
    assert issued.token.resource == token.resource
    assert issued.token.owner == token.owner  # the account, with its username kept
    assert issued.secret.reveal().startswith("glpat-")
    assert pat(admin, token.id)["revoked"] is True
    assert pat(admin, issued.token.id)["expires_at"] == chosen.isoformat()


def test_no_expiry_given_means_the_rotation_policy_never_gitlabs_week(
    sandbox: RunningSandbox,
) -> None:
    admin = client(sandbox, "admin")
    token = group_sa_token(admin, "acme", "Acme deploy bot", "release")
    policy = TODAY + timedelta(days=DEFAULT_ROTATION_DAYS)
    assert rotation_expiry(token, TODAY) == policy
    issued = actions(sandbox).rotate(token, None, today=TODAY)
    assert issued.token.expires_at == policy
    assert pat(admin, issued.token.id)["expires_at"] == policy.isoformat()  # sent, not a week
    forever = group_sa_token(admin, "acme", "Acme deploy bot", "deploy")  # never expires
    assert forever.expires_at is None
    renewed = actions(sandbox).rotate(forever, None, today=TODAY)
    assert renewed.token.expires_at == policy
    # the policy's days within GitLab's bounds, at both ends
    assert rotation_expiry(token, TODAY, days=365) == TODAY + timedelta(days=365)
    assert rotation_expiry(token, TODAY, days=366) == TODAY + timedelta(days=365)
    assert rotation_expiry(token, TODAY, days=1) == TODAY + timedelta(days=1)
    assert rotation_expiry(token, TODAY, days=0) == TODAY + timedelta(days=1)
    personal = replace(token, kind=TokenKind.PERSONAL)
    assert rotation_expiry(personal, TODAY) is None  # other kinds: the caller's choice


def test_before_17_9_gitlab_gives_a_week_and_gltui_says_so(make_sandbox: SandboxFactory) -> None:
    older = make_sandbox(version="17.5.0")
    admin = client(older, "admin")
    token = group_sa_token(admin, "acme", "Acme deploy bot", "release")
    call = rotate_call(token, "17.5.0")
    assert not call.accepts_expiry
    assert "a week from today" in expiry_note(token, call, "17.5.0")
    assert "17.9" in expiry_note(token, call, "17.5.0")
    issued = actions(older).rotate(token, TODAY + timedelta(days=90), today=TODAY)
    assert issued.token.expires_at == TODAY + timedelta(days=7)  # GitLab's week: no expires_at
    assert "rotation_days" in expiry_note(token, rotate_call(token, "19.6.0"), "19.6.0")


def test_revoking_a_group_service_accounts_token(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    token = group_sa_token(admin, "acme", "Acme deploy bot", "release (next)")
    assert token.owner is not None
    assert revoke_path(token, "19.6.0", is_admin=False).endswith(
        f"/service_accounts/{token.owner.user_id}/personal_access_tokens/{token.id}"
    )
    outcome = actions(sandbox).revoke(token)
    assert (outcome.ok, outcome.message) == (True, "revoked")
    assert pat(admin, token.id)["revoked"] is True


def test_service_account_tokens_need_the_owner_role(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    renovate = group_sa_token(admin, "platform", "Platform renovate", "renovate")
    outcome = actions(sandbox).revoke(renovate)  # Mara only maintains platform
    assert not outcome.ok
    assert outcome.message == (
        "Revoking a group service account's token needs the Owner role in platform."
    )
    with pytest.raises(ActionError) as refused:
        actions(sandbox).rotate(renovate, TODAY + timedelta(days=30), today=TODAY)
    assert refused.value.message == (
        "Rotating a group service account's token needs the Owner role in platform."
    )
    assert pat(admin, renovate.id)["revoked"] is False
    smoke = project_sa_token(admin, "acme/website", "Website smoke tests", "smoke")
    refused_project = actions(sandbox, "developer").revoke(smoke)
    assert refused_project.message == (
        "Revoking a project service account's token needs the Maintainer or Owner role in "
        "acme/website."
    )
    assert smoke.owner is not None
    elsewhere = replace(renovate, owner=Owner(smoke.owner.user_id, "x"))
    moved = actions(sandbox, "admin").revoke(elsewhere)  # not an account of that group
    assert not moved.ok
    assert "not a service account of platform" in moved.message


def test_project_service_account_tokens_revoke_and_rotate(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    smoke = project_sa_token(admin, "acme/website", "Website smoke tests", "smoke (expiring)")
    issued = actions(sandbox).rotate(smoke, None, today=TODAY)
    assert issued.token.expires_at == rotation_expiry(smoke, TODAY)
    assert pat(admin, smoke.id)["revoked"] is True
    outcome = actions(sandbox).revoke(issued.token)
    assert (outcome.ok, outcome.message) == (True, "revoked")
    assert pat(admin, issued.token.id)["revoked"] is True


def test_before_17_11_only_an_administrator_revokes_them(make_sandbox: SandboxFactory) -> None:
    older = make_sandbox(version="17.5.0")
    admin = client(older, "admin")
    token = group_sa_token(admin, "acme", "Acme deploy bot", "release")
    with pytest.raises(NotPossible, match=r"before 17\.11"):
        revoke_path(token, "17.5.0", is_admin=False)
    assert revoke_path(token, "17.5.0", is_admin=True) == f"/personal_access_tokens/{token.id}"
    refused = actions(older).revoke(token)  # Mara owns acme, but GitLab has no way for her
    assert not refused.ok
    assert "an administrator can" in refused.message
    assert pat(admin, token.id)["revoked"] is False
    done = actions(older, "admin").revoke(token)
    assert (done.ok, done.message) == (True, "revoked")
    assert pat(admin, token.id)["revoked"] is True


def test_a_missing_endpoint_is_not_already_gone(make_sandbox: SandboxFactory) -> None:
    older = make_sandbox(version="17.5.0")
    token = group_sa_token(client(older, "admin"), "acme", "Acme deploy bot", "deploy")
    act = actions(older)
    assert act.identity is not None
    act.identity = replace(act.identity, version=None)  # a version gltui could not read
    outcome = act.revoke(token)  # the 17.11 endpoint: GitLab's catch-all 404
    assert not outcome.ok
    assert outcome.message.startswith("This GitLab has no endpoint to revoke service account")


def test_instance_service_account_tokens_go_through_the_pat_api(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    backup = admin.service_accounts.list()[0]
    row = next(
        t
        for t in rows(admin, "/personal_access_tokens", user_id=backup.id)
        if t["name"] == "metrics scrape"
    )
    token = Token(
        "work",
        TokenKind.SERVICE_ACCOUNT,
        row["id"],
        row["name"],
        ("read_api",),
        False,
        parse_day(row["expires_at"]),
        owner=Owner(backup.id, backup.username),
    )
    assert revoke_path(token) == f"/personal_access_tokens/{token.id}"
    refused = actions(sandbox).revoke(token)
    assert not refused.ok  # GitLab's 400 "Not permitted to revoke"
    assert refused.message == (
        "Only administrators can revoke an instance service account's tokens."
    )
    issued = actions(sandbox, "admin").rotate(token, TODAY + timedelta(days=20), today=TODAY)
    assert issued.token.expires_at == TODAY + timedelta(days=20)
    assert actions(sandbox, "admin").revoke(issued.token).ok


# --- creating service accounts' tokens from templates ---------------------------------


def test_create_a_group_service_accounts_token_from_a_template(sandbox: RunningSandbox) -> None:
    act = actions(sandbox)
    acme = act.find_resource(ResourceType.GROUP, "acme")
    accounts = act.service_accounts(acme)
    assert [a.username for a in accounts if a.username] == [accounts[0].username]
    (deployer,) = accounts
    assert act.service_accounts(acme, "no such account") == []
    request = render_template(
        TEMPLATES["analytics-read"],
        TokenKind.SERVICE_ACCOUNT,
        today=TODAY,
        is_admin=False,
        resource=acme,
        account=deployer,
    )
    assert request.scopes == ("read_repository", "read_api", "read_user", "read_registry")
    path = create_path(request, user_id=0, is_admin=False, version="19.6.0")
    assert path == f"/groups/{acme.id}/service_accounts/{deployer.user_id}/personal_access_tokens"
    issued = act.create(request)
    assert issued.token.kind is TokenKind.SERVICE_ACCOUNT
    assert issued.token.owner == deployer
    assert issued.token.resource == acme
    assert issued.token.scopes == request.scopes
    assert issued.token.expires_at == request.expires_at
    assert issued.secret.reveal().startswith("glpat-")
    listed = rows(
        client(sandbox, "maintainer"),
        f"/groups/{acme.id}/service_accounts/{deployer.user_id}/personal_access_tokens",
    )
    assert issued.token.id in {t["id"] for t in listed}


def test_create_needs_the_account_and_a_version_that_has_it(sandbox: RunningSandbox) -> None:
    act = actions(sandbox)
    website = act.find_resource(ResourceType.PROJECT, "acme/website")
    (smoke,) = act.service_accounts(website)
    request = render_template(
        TEMPLATES["jira-commits"],
        TokenKind.SERVICE_ACCOUNT,
        today=TODAY,
        is_admin=False,
        resource=website,
        account=smoke,
    )
    assert act.create(request).token.scopes == ("read_api",)
    with pytest.raises(NotPossible, match=r"project service accounts need GitLab 18\.11"):
        create_path(request, user_id=0, is_admin=False, version="18.6.2")
    with pytest.raises(ValidationError, match="choose the service account"):
        render_template(
            TEMPLATES["jira-commits"],
            TokenKind.SERVICE_ACCOUNT,
            today=TODAY,
            is_admin=False,
            resource=website,
        )
    with pytest.raises(ValidationError, match="is for administrators"):
        render_template(
            TEMPLATES["jira-commits"],
            TokenKind.SERVICE_ACCOUNT,
            today=TODAY,
            is_admin=True,
            resource=website,
            account=smoke,
            scopes=["sudo"],
        )


def test_listing_accounts_is_refused_by_role_and_by_version(
    sandbox: RunningSandbox, make_sandbox: SandboxFactory
) -> None:
    acme = actions(sandbox).find_resource(ResourceType.GROUP, "acme")
    with pytest.raises(ActionError) as refused:
        actions(sandbox, "developer").service_accounts(acme)
    assert refused.value.message == (
        "Listing the service accounts of acme needs the Owner role there."
    )
    older = make_sandbox(version="18.6.2")
    website = actions(older).find_resource(ResourceType.PROJECT, "acme/website")
    with pytest.raises(ActionError, match=r"project service accounts need GitLab 18\.11"):
        actions(older).service_accounts(website)
    assert ResourceType.PROJECT not in {
        r.type for r in actions(older).resources(TokenKind.SERVICE_ACCOUNT)
    }
    assert ResourceType.PROJECT in {
        r.type for r in actions(sandbox).resources(TokenKind.SERVICE_ACCOUNT)
    }
