"""Revoke, rotate and create through python-gitlab against the sandbox, and each refusal
said in plain words."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from gltui.actions.service import ActionError, TokenActions
from gltui.adapters.endpoints import NotPossible, create_path, revoke_path, rotate_call
from gltui.domain.access import AccessLevel
from gltui.domain.secret import Secret
from gltui.domain.states import TokenState, classify
from gltui.domain.templates import BUILTIN_TEMPLATES, CreateRequest, render_template
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, TODAY, SandboxFactory

TEMPLATES = {template.id: template for template in BUILTIN_TEMPLATES}


def inventory(sandbox: RunningSandbox, persona: str) -> tuple[InstanceSpec, InstanceInventory]:
    spec = InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))
    return spec, walk_instance(spec, NOW)


def actions(sandbox: RunningSandbox, persona: str = "maintainer") -> TokenActions:
    spec, found = inventory(sandbox, persona)
    return TokenActions(spec, found.identity)


def named(found: InstanceInventory, name: str, kind: TokenKind | None = None) -> Token:
    return next(t for t in found.tokens if t.name == name and (kind is None or t.kind is kind))


def state_now(sandbox: RunningSandbox, persona: str, token: Token) -> TokenState | None:
    _, found = inventory(sandbox, persona)
    match = [t for t in found.tokens if t.identity == token.identity]
    return classify(match[0], NOW) if match else None


def test_revoke_each_kind_and_404_counts_as_done(sandbox: RunningSandbox) -> None:
    _, found = inventory(sandbox, "maintainer")
    act = actions(sandbox)
    for name, kind in [
        ("k8s agent", TokenKind.PERSONAL),
        ("metrics", TokenKind.PROJECT),
        ("backend release", TokenKind.GROUP),
        ("k8s pull", TokenKind.DEPLOY),
    ]:
        token = named(found, name, kind)
        outcome = act.revoke(token)
        assert outcome.ok, outcome.message
        assert outcome.message == "revoked"
        assert state_now(sandbox, "maintainer", token) in (TokenState.REVOKED, None)
    gone = replace(named(found, "k8s agent"), id=987_654)
    outcome = act.revoke(gone)
    assert outcome.ok
    assert outcome.message == "already gone"


def test_permission_errors_are_explained(sandbox: RunningSandbox) -> None:
    _, mara = inventory(sandbox, "maintainer")
    developer = actions(sandbox, "developer")
    project_token = named(mara, "metrics", TokenKind.PROJECT)
    outcome = developer.revoke(project_token)
    assert not outcome.ok
    assert outcome.message == (
        "Revoking a project access token needs the Maintainer or Owner role in acme/website."
    )
    personal = named(mara, "k8s agent")
    outcome = developer.revoke(personal)
    assert not outcome.ok
    assert outcome.message == "Only the token's owner or an administrator can revoke it."
    outcome = actions(sandbox, "readonly").revoke(personal)
    assert not outcome.ok
    assert "lacks the api scope" in outcome.message


def test_rotate_returns_the_successor_once(sandbox: RunningSandbox) -> None:
    _, found = inventory(sandbox, "maintainer")
    old = named(found, "k8s agent")
    issued = actions(sandbox).rotate(old, TODAY + timedelta(days=30))
    assert issued.token.id != old.id
    assert issued.token.name == old.name
    assert issued.token.expires_at == TODAY + timedelta(days=30)
    assert issued.secret.reveal().startswith("glpat-")
    assert "glpat-" not in repr(issued)
    assert state_now(sandbox, "maintainer", old) is TokenState.REVOKED
    with pytest.raises(ActionError, match="cannot rotate a revoked token"):
        actions(sandbox).rotate(old, None)


def test_rotate_is_version_gated(make_sandbox: SandboxFactory) -> None:
    old_gitlab = make_sandbox(version="15")
    token = next(
        t for t in inventory(old_gitlab, "maintainer")[1].tokens if t.kind.value == "personal"
    )
    with pytest.raises(ActionError, match=r"needs GitLab 16\.0 or later"):
        actions(old_gitlab).rotate(token, None)
    deploy = Token("w", TokenKind.DEPLOY, 1, "d", (), False, None)
    with pytest.raises(NotPossible, match="use replace"):
        rotate_call(deploy, "18.6.2")
    assert rotate_call(replace(deploy, kind=TokenKind.PERSONAL), "16.5.0").accepts_expiry is False


def test_create_a_project_token_from_a_template(sandbox: RunningSandbox) -> None:
    _, found = inventory(sandbox, "maintainer")
    website = named(found, "metrics", TokenKind.PROJECT).resource
    request = render_template(
        TEMPLATES["jira-commits"], TokenKind.PROJECT, today=TODAY, is_admin=False, resource=website
    )
    issued = actions(sandbox).create(request)
    assert issued.token.kind is TokenKind.PROJECT
    assert issued.token.scopes == ("read_api",)
    assert issued.token.access_level == int(AccessLevel.REPORTER)
    assert issued.secret.reveal().startswith("glpat-")


def test_personal_tokens_need_an_admin(sandbox: RunningSandbox) -> None:
    request = render_template(
        TEMPLATES["jira-commits"], TokenKind.PERSONAL, today=TODAY, is_admin=False
    )
    with pytest.raises(ActionError, match="only administrators"):
        actions(sandbox).create(request)
    issued = actions(sandbox, "admin").create(request)
    assert issued.token.kind is TokenKind.PERSONAL


def request_for(resource: Resource | None, **changes: object) -> CreateRequest:
    base = CreateRequest(
        kind=TokenKind.PROJECT,
        name="x",
        scopes=("read_api",),
        expires_at=TODAY + timedelta(days=30),
        access_level=AccessLevel.REPORTER,
        resource=resource,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"scopes": ("read_user",)}, "A scope is not valid for a project token"),
        ({"expires_at": TODAY + timedelta(days=800)}, "The expiry is beyond this instance's limit"),
        ({"access_level": AccessLevel.OWNER}, "The role is higher than your own role there"),
        ({"name": ""}, "The token needs a name"),
    ],
)
def test_create_mistakes_are_the_users_in_plain_words(
    sandbox: RunningSandbox, changes: dict[str, object], expected: str
) -> None:
    resource = Resource(ResourceType.PROJECT, 0, "acme/website")
    _, mara = inventory(sandbox, "maintainer")
    resource = named(mara, "metrics", TokenKind.PROJECT).resource or resource
    if "access_level" in changes:  # mara is Owner of acme: Owner is not above her there;
        # she is only a Maintainer of platform/infra
        resource = named(mara, "terraform", TokenKind.PROJECT).resource or resource
    act = actions(sandbox, "maintainer")
    with pytest.raises(ActionError) as raised:
        act.create(request_for(resource, **changes))
    assert raised.value.message.startswith(expected), raised.value.message


def test_token_limit_reached(make_sandbox: SandboxFactory) -> None:
    limited = make_sandbox(token_limit=1)
    _, found = inventory(limited, "maintainer")
    resource = named(found, "metrics", TokenKind.PROJECT).resource
    with pytest.raises(ActionError, match="limit of access tokens is reached"):
        actions(limited).create(request_for(resource))


def test_paths_for_tokens_whose_resource_is_unknown() -> None:
    bot = Token("w", TokenKind.PROJECT, 7, "bot", (), False, None)
    assert revoke_path(bot) == "/personal_access_tokens/7"
    with pytest.raises(NotPossible, match="does not say which project"):
        revoke_path(replace(bot, kind=TokenKind.DEPLOY))
    with pytest.raises(NotPossible, match="prefilled form"):
        create_path(request_for(None, kind=TokenKind.PERSONAL), user_id=1, is_admin=False)


def test_gltuis_own_dead_token_is_named_as_the_cause() -> None:
    from gltui.actions.explain import explain_revoke
    from gltui.domain.failures import Failure, FailureKind

    token = Token("w", TokenKind.PERSONAL, 3, "ci", (), False, None)
    failure = Failure(FailureKind.TOKEN_EXPIRED, "the token has expired", 401)
    message = explain_revoke(failure, token)
    assert message.startswith("gltui's own token for this instance: the token has expired. ")
    assert failure.advice in message
