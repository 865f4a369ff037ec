"""Fine-grained tokens end to end: python-gitlab against the sandbox at every profile
(15, 16, 18 and 19.6). Creating from a template as a user and as an administrator (over
the API on 19.6, GitLab's form or the legacy API before), capability found out from
GitLab's answers, GitLab's refusals, and gltui walking on a fine-grained token."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gitlab
import pytest

from gltui.actions.like import request_like
from gltui.actions.plan import Where, plan_create, prefers_fine_grained
from gltui.actions.service import ActionError, FineGrainedUnavailable, TokenActions
from gltui.domain.audit import Flag, audit
from gltui.domain.secret import Secret
from gltui.domain.templates import (
    BUILTIN_TEMPLATES,
    CreateRequest,
    Template,
    render_template,
    template_from_config,
)
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.inventory.probe import probe_instance
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, TODAY, SandboxFactory, client

OLDER = ["18", "16", "15"]
TEMPLATES = {template.id: template for template in BUILTIN_TEMPLATES}
CI_READER = template_from_config(
    "ci-reader",
    {
        "title": "CI job reader",
        "scopes": ["read_api"],
        "read_only": True,
        "granular_note": "jobs of one project, and who the account is",
        "granular_scopes": [
            {"access": "selected_memberships", "permissions": ["read_job"]},
            {"access": "user", "permissions": ["read_user"]},
        ],
    },
)
"""A template with both variants, in permissions the reference names (the built-ins'
names are UNCONFIRMED, see fine_grained_templates; the sandbox knows those too)."""
PATS_ONLY = template_from_config(
    "pats-only",
    {
        "granular_scopes": [
            {"access": "user", "permissions": ["read_personal_access_token", "read_user"]},
            {"access": "instance", "permissions": ["read_metadata"]},
        ]
    },
)
"""A fine-grained-only template on the user and instance boundaries: no membership."""


def walk(sandbox: RunningSandbox, secret: str) -> tuple[InstanceSpec, InstanceInventory]:
    spec = InstanceSpec("work", sandbox.url, Secret(secret))
    return spec, walk_instance(spec, NOW)


def actions_of(sandbox: RunningSandbox, persona: str) -> TokenActions:
    spec, found = walk(sandbox, getattr(sandbox.credentials, persona))
    assert found.identity is not None
    return TokenActions(spec, found.identity)


def where_of(sandbox: RunningSandbox, act: TokenActions) -> Where:
    assert act.identity is not None
    who = act.identity
    return Where(sandbox.url, who.user_id, who.is_admin, who.version)


def fine_request(template: Template, *places: Resource) -> CreateRequest:
    return render_template(
        template,
        TokenKind.PERSONAL,
        today=TODAY,
        is_admin=False,
        fine_grained=True,
        memberships=places,
    )


def gitlabs_record(sandbox: RunningSandbox, token: Token) -> dict[str, Any]:
    """The token as GitLab's own list shows it (python-gitlab, as an administrator)."""
    found = client(sandbox, "admin").personal_access_tokens.get(token.id)
    return dict(found.attributes)


# --- 19.6: creating over the API -------------------------------------------------------------


def test_a_user_creates_a_fine_grained_token_from_a_template(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="19.6")
    act = actions_of(sandbox, "maintainer")
    try:
        where = where_of(sandbox, act)
        assert prefers_fine_grained(CI_READER, TokenKind.PERSONAL, where)
        website = act.find_resource(ResourceType.PROJECT, "acme/website")
        request = fine_request(CI_READER, website)
        assert plan_create(request, where).path == "/user/personal_access_tokens"
        issued = act.create(request)
    finally:
        act.close()
    token = issued.token
    assert token.is_fine_grained
    assert issued.secret.reveal().startswith("glpat-")
    record = gitlabs_record(sandbox, token)
    assert record["granular"] is True
    assert record["scopes"] == ["granular"]
    boundaries = {
        (s["access"], s["project_id"]): s["permissions"] for s in record["granular_scopes"]
    }
    assert boundaries == {
        ("selected_memberships", website.id): ["read_job"],
        ("user", None): ["read_user"],
    }
    # the new token is in the next walk, fine-grained and narrow, not "granular"-scoped
    _, found = walk(sandbox, sandbox.credentials.maintainer)
    listed = next(t for t in found.tokens if t.identity == token.identity)
    assert listed.is_fine_grained
    assert Flag.BROAD_SCOPE not in audit(listed, NOW, templates=(CI_READER,))
    assert Flag.DRIFT not in audit(listed, NOW, templates=(CI_READER,))


@pytest.mark.parametrize(
    "template", [t for t in BUILTIN_TEMPLATES if t.fine_grained is not None], ids=lambda t: t.id
)
def test_every_built_in_fine_grained_form_is_created_over_the_api(
    make_sandbox: SandboxFactory, template: Template
) -> None:
    sandbox = make_sandbox(version="19.6")
    act = actions_of(sandbox, "maintainer")
    try:
        website = act.find_resource(ResourceType.PROJECT, "acme/website")
        issued = act.create(fine_request(template, website))
    finally:
        act.close()
    assert issued.token.is_fine_grained
    record = gitlabs_record(sandbox, issued.token)
    asked = template.fine_grained
    assert asked is not None
    granted = {p for s in record["granular_scopes"] for p in s["permissions"]}
    assert granted == set(asked.permissions)


def test_an_admin_creates_fine_grained_tokens_for_themselves_and_for_others(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="19.6")
    mara = client(sandbox, "maintainer")
    mara.auth()
    assert mara.user is not None
    act = actions_of(sandbox, "admin")
    try:
        where = where_of(sandbox, act)
        mine = fine_request(PATS_ONLY)  # the administrator is a member of no project here
        assert plan_create(mine, where).path == "/user/personal_access_tokens"
        own = act.create(mine)
        website = act.find_resource(ResourceType.PROJECT, "acme/website")
        request = fine_request(CI_READER, website)  # Mara is a member of acme/website
        assert plan_create(request, where, for_user=mara.user.id).path == (
            f"/users/{mara.user.id}/personal_access_tokens"
        )
        theirs = act.create(request, for_user=mara.user.id)
    finally:
        act.close()
    assert gitlabs_record(sandbox, own.token)["user_id"] == where.user_id
    assert gitlabs_record(sandbox, theirs.token)["user_id"] == mara.user.id
    assert gitlabs_record(sandbox, theirs.token)["granular"] is True


# --- older profiles: GitLab's form for users, the legacy API for administrators ------------------


@pytest.mark.parametrize("version", OLDER)
def test_older_instances_keep_the_form_for_users(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    act = actions_of(sandbox, "maintainer")
    try:
        where = where_of(sandbox, act)
        assert not prefers_fine_grained(CI_READER, TokenKind.PERSONAL, where)
        legacy = render_template(CI_READER, TokenKind.PERSONAL, today=TODAY, is_admin=False)
        plan = plan_create(legacy, where)
        section = "profile" if version == "15" else "user_settings"
        assert plan.form_url == (
            f"{sandbox.url}/-/{section}/personal_access_tokens?name=ci-reader&scopes=read_api"
        )
        website = act.find_resource(ResourceType.PROJECT, "acme/website")
        asked = fine_request(CI_READER, website)
        assert plan_create(asked, where).needs_legacy
        with pytest.raises(FineGrainedUnavailable, match=r"need GitLab 19\.2 or later"):
            act.create(asked)  # the version says no: nothing is sent
    finally:
        act.close()


@pytest.mark.parametrize("version", OLDER)
def test_older_instances_let_admins_create_the_legacy_token(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    act = actions_of(sandbox, "admin")
    try:
        where = where_of(sandbox, act)
        assert not prefers_fine_grained(TEMPLATES["jira-commits"], TokenKind.PERSONAL, where)
        request = render_template(
            TEMPLATES["jira-commits"], TokenKind.PERSONAL, today=TODAY, is_admin=True
        )
        assert plan_create(request, where).path is not None
        issued = act.create(request)
    finally:
        act.close()
    assert issued.token.scopes == ("read_api",)
    assert not issued.token.is_fine_grained


@pytest.mark.parametrize("version", OLDER)
def test_an_unknown_version_is_found_out_from_gitlabs_answer(
    make_sandbox: SandboxFactory, version: str
) -> None:
    """Without a version (a token that may not read /metadata), gltui asks and reads the
    answer: a 404 where the route does not exist yet (15), or GitLab wanting scopes (16,
    18): both mean "no fine-grained token here", and the legacy way is offered."""
    sandbox = make_sandbox(version=version)
    act = actions_of(sandbox, "maintainer")
    assert act.identity is not None
    act.identity = replace(act.identity, version=None)
    try:
        website = act.find_resource(ResourceType.PROJECT, "acme/website")
        with pytest.raises(FineGrainedUnavailable) as raised:
            act.create(fine_request(CI_READER, website))
    finally:
        act.close()
    expected = "answered 404" if version == "15" else "does not take fine-grained permissions"
    assert expected in raised.value.message


# --- refusals ----------------------------------------------------------------------------------


def test_gitlabs_400_for_a_permission_it_does_not_know(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="19.6")
    typo = template_from_config(
        "typo", {"granular_scopes": [{"access": "user", "permissions": ["read_jobz"]}]}
    )
    act = actions_of(sandbox, "maintainer")
    try:
        with pytest.raises(ActionError) as raised:
            act.create(fine_request(typo))
    finally:
        act.close()
    message = raised.value.message
    assert message.startswith("GitLab refused a permission or boundary of the fine-grained token")
    assert "granular_scopes[0][permissions]" in message


def test_gitlabs_400_for_a_scope_it_does_not_know(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="19.6")
    act = actions_of(sandbox, "admin")
    bad = replace(
        render_template(TEMPLATES["jira-commits"], TokenKind.PERSONAL, today=TODAY, is_admin=True),
        scopes=("read_jobz",),  # past gltui's own check: what GitLab says
    )
    try:
        with pytest.raises(ActionError, match="A scope is not valid for a personal token"):
            act.create(bad)
    finally:
        act.close()


def test_a_fine_grained_gltui_token_is_told_what_it_may_not_do(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="19.6")
    assert sandbox.credentials.fine_grained is not None
    spec, found = walk(sandbox, sandbox.credentials.fine_grained)
    assert found.identity is not None
    act = TokenActions(spec, found.identity)
    try:
        with pytest.raises(ActionError) as creating:
            act.create(fine_request(CI_READER, Resource(ResourceType.PROJECT, 1, "acme/website")))
        victim = next(t for t in found.tokens if t.kind is TokenKind.PERSONAL and not t.revoked)
        outcome = act.revoke(victim)
    finally:
        act.close()
    assert "may not create this" in creating.value.message
    assert "create_user_personal_access_token" in creating.value.message
    assert not outcome.ok
    assert "may not revoke this" in outcome.message
    still = client(sandbox, "admin").personal_access_tokens.get(victim.id)
    assert still.attributes["revoked"] is False


# --- gltui on a fine-grained token -------------------------------------------------------------


def test_gltui_walks_on_its_read_only_fine_grained_token(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="19.6")
    assert sandbox.credentials.fine_grained is not None
    _, fine = walk(sandbox, sandbox.credentials.fine_grained)
    _, legacy = walk(sandbox, sandbox.credentials.maintainer)
    assert fine.failure is None
    assert fine.own_token is not None
    assert fine.own_token.is_fine_grained
    kinds = {token.kind for token in fine.tokens}
    assert {TokenKind.PERSONAL, TokenKind.PROJECT, TokenKind.GROUP, TokenKind.DEPLOY} <= kinds
    # the same user, the same tokens as a legacy api token sees (each counted once), but
    # for what its permissions do not open, quietly: runners (Runner: Read is checked on the
    # instance boundary; it holds it on all_memberships) and project service accounts (whose
    # routes take no fine-grained token)
    beyond = {
        t.identity
        for t in legacy.tokens
        if t.kind is TokenKind.RUNNER
        or (
            t.kind is TokenKind.SERVICE_ACCOUNT
            and t.resource is not None
            and t.resource.type is ResourceType.PROJECT
        )
    }
    assert beyond
    assert {t.identity for t in fine.tokens} == {t.identity for t in legacy.tokens} - beyond
    assert fine.problems == ()


def test_a_narrower_fine_grained_token_loses_listings_not_the_instance(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="19.6")
    act = actions_of(sandbox, "maintainer")
    try:
        issued = act.create(fine_request(PATS_ONLY))
    finally:
        act.close()
    spec, found = walk(sandbox, issued.secret.reveal())
    assert found.failure is None
    assert {token.kind for token in found.tokens} == {TokenKind.PERSONAL}
    refused = [
        p
        for p in found.problems
        if "not available with this token's permissions" in p.failure.message
    ]
    assert refused  # the projects and groups listings, said as what they are
    check = probe_instance(spec, NOW, 14, readonly=True)
    assert check.failure is None
    (problem,) = check.problems
    for permission in (
        "read_project",
        "read_group",
        "read_resource_access_token",
        "read_deploy_token",
    ):
        assert permission in problem


def test_the_legacy_profiles_still_walk_as_before(make_sandbox: SandboxFactory) -> None:
    for version in OLDER:
        sandbox = make_sandbox(version=version)
        _, found = walk(sandbox, sandbox.credentials.maintainer)
        assert found.failure is None, version
        assert found.tokens, version
        assert not any(token.is_fine_grained for token in found.tokens), version
        assert isinstance(client(sandbox, "maintainer"), gitlab.Gitlab)


def test_a_project_the_owner_is_not_a_member_of_is_named(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="19.6")
    act = actions_of(sandbox, "admin")
    try:
        with pytest.raises(ActionError) as raised:  # the administrator is no member of it
            act.create(fine_request(CI_READER, Resource(ResourceType.PROJECT, 1, "acme/website")))
    finally:
        act.close()
    assert not isinstance(raised.value, FineGrainedUnavailable)  # not "no route here"
    assert raised.value.message.startswith("GitLab answered 404: a project or group the token")


def test_replacing_a_fine_grained_token_copies_its_permissions(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="19.6")
    spec, found = walk(sandbox, sandbox.credentials.maintainer)
    assert found.identity is not None
    old = next(t for t in found.tokens if t.name == "ci release (fine-grained)")
    assert old.granular_scopes
    assert Flag.BROAD_SCOPE in audit(old, NOW)  # rotate_resource_access_token writes
    request = request_like(old, TODAY)
    assert "scopes" not in request.api_payload()
    act = TokenActions(spec, found.identity)
    try:
        issued = act.create(request, for_user=old.owner.user_id if old.owner else None)
    finally:
        act.close()
    record = gitlabs_record(sandbox, issued.token)
    held = {
        (s["access"], s["project_id"], s["group_id"], tuple(s["permissions"]))
        for s in record["granular_scopes"]
    }
    assert held == {
        (s.access, s.project_id, s.group_id, s.permissions) for s in old.granular_scopes
    }
