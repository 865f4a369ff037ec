"""Project and group access tokens through python-gitlab."""

from __future__ import annotations

from datetime import timedelta

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, SandboxFactory, call, client


def test_maintainer_lists_project_tokens_by_path(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    project = gl.projects.get("acme/website")
    tokens = project.access_tokens.list(get_all=True)
    assert {t.name for t in tokens} == {"deploy bot", "metrics", "old release bot"}
    bot = tokens[0].attributes
    assert bot["access_level"] == 40
    assert bot["resource_type"] == "project"
    assert bot["resource_id"] == project.id
    assert "token" not in bot
    # lazy objects with an URL-encoded namespaced path work too (no GET of the project)
    lazy = gl.projects.get("acme/backend/api", lazy=True)
    assert {t.name for t in lazy.access_tokens.list(get_all=True)} == {"jira", "sonar"}


def test_inherited_maintainer_from_group(sandbox: RunningSandbox) -> None:
    # Mara is Owner of "acme", so Maintainer+ on the subgroup's projects
    gl = client(sandbox, "maintainer")
    assert gl.projects.get("acme/backend/worker").access_tokens.list(get_all=True)


def test_state_filter_and_inactive_tokens_stay_listed(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    inactive = project.access_tokens.list(state="inactive", get_all=True)
    active = project.access_tokens.list(state="active", get_all=True)
    assert {t.name for t in inactive} == {"old release bot"}
    assert {t.name for t in active} == {"deploy bot", "metrics"}


def test_developer_gets_401_not_403(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.developer,
    )
    assert (reply.status, reply.json()) == (401, {"message": "401 Unauthorized"})
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(sandbox, "developer").projects.get("acme/website", lazy=True).access_tokens.list()


def test_private_project_of_others_is_404(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/platform%2Fci-templates/access_tokens",
        token=sandbox.credentials.developer,
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Project Not Found"})
    reply = call(
        sandbox.url, "GET", "/api/v4/groups/nowhere/access_tokens", token=sandbox.credentials.admin
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Group Not Found"})


def test_group_tokens_need_owner(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    owned = gl.groups.get("acme", lazy=True).access_tokens.list(get_all=True)
    assert {t.name for t in owned} == {"group ci", "group reader"}
    with pytest.raises(gitlab.GitlabAuthenticationError):
        gl.groups.get("platform", lazy=True).access_tokens.list()  # only Maintainer there


def test_get_one_token(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    first = project.access_tokens.list()[0]
    assert project.access_tokens.get(first.id).name == first.name
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/access_tokens/99999",
        token=sandbox.credentials.maintainer,
    )
    assert reply.status == 404
    assert reply.json() == {
        "message": "404 Could not find project access token with token_id: 99999 Not Found"
    }


def test_create_project_token_with_defaults(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    created = project.access_tokens.create({"name": "renovate", "scopes": ["read_api"]})
    assert created.token.startswith("glpat-")
    assert created.access_level == 40  # default Maintainer
    assert created.expires_at == (TODAY + timedelta(days=365)).isoformat()
    bot = client(sandbox, "admin").users.get(created.user_id)
    assert bot.username.startswith(f"project_{created.resource_id}_bot_")
    assert bot.bot is True
    assert created.name in {t.name for t in project.access_tokens.list(get_all=True)}


def test_create_project_token_errors(sandbox: RunningSandbox) -> None:
    maintainer = client(sandbox, "maintainer")
    project = maintainer.projects.get("platform/infra", lazy=True)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.access_tokens.create({"name": "x", "scopes": ["read_user"]})
    assert (caught.value.response_code, caught.value.error_message) == (
        400,
        "scopes does not have a valid value",
    )
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.access_tokens.create({"name": "x", "scopes": ["api"], "access_level": 50})
    assert caught.value.error_message == (
        "400 Bad request - Access level of the token contains permissions not held by the "
        "creating user"
    )
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.access_tokens.create({"name": "x", "scopes": ["api"], "access_level": 25})
    assert caught.value.error_message == "access_level does not have a valid value"
    developer = client(sandbox, "developer").projects.get("acme/website", lazy=True)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        developer.access_tokens.create({"name": "x", "scopes": ["api"]})
    assert caught.value.error_message == (
        "400 Bad request - User does not have permission to create project access token"
    )
    missing = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.maintainer,
        body={"scopes": ["api"]},
    )
    assert (missing.status, missing.json()) == (400, {"error": "name is missing"})


def test_project_token_cannot_create_tokens(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    bot_token = project.access_tokens.create({"name": "bot", "scopes": ["api"]}).token
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=bot_token,
        body={"name": "child", "scopes": ["api"]},
    )
    assert reply.status == 400
    assert "does not have permission" in reply.json()["message"]


def test_rotate_and_revoke_project_token(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    metrics = next(t for t in project.access_tokens.list(get_all=True) if t.name == "metrics")
    rotated = project.access_tokens.rotate(metrics.id)
    assert rotated["id"] != metrics.id
    assert rotated["access_level"] == 20  # the bot keeps its membership
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()
    project.access_tokens.delete(rotated["id"])
    inactive = project.access_tokens.list(state="inactive", get_all=True)
    assert rotated["id"] in {t.id for t in inactive}  # revoked tokens stay listed (17.3+)


def test_developer_revoke_is_400(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    token = project.access_tokens.list()[0]
    reply = call(
        sandbox.url,
        "DELETE",
        f"/api/v4/projects/acme%2Fwebsite/access_tokens/{token.id}",
        token=sandbox.credentials.developer,
    )
    assert reply.status == 400
    assert reply.json()["message"].startswith("400 Bad request - Dev Eloper cannot delete project_")


def test_readonly_token_cannot_write(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.readonly,
        body={"name": "x", "scopes": ["api"]},
    )
    assert reply.status == 403
    assert reply.json() == {
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the "
        "access token.",
        "scope": "api",
    }
    assert 'error="insufficient_scope"' in reply.headers["WWW-Authenticate"]


def test_old_versions_drop_revoked_resource_tokens(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="16")
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    tokens = project.access_tokens.list(get_all=True)
    target = next(t for t in tokens if t.name == "metrics")
    assert "resource_type" not in target.attributes  # newer field
    project.access_tokens.delete(target.id)
    assert target.id not in {t.id for t in project.access_tokens.list(get_all=True)}
    with pytest.raises(gitlab.GitlabGetError):
        client(sandbox, "admin").users.get(target.user_id)  # the bot went with it


def test_resource_self_rotation(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    created = project.access_tokens.create({"name": "self", "scopes": ["self_rotate"]})
    rotated = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens/self/rotate",
        token=created.token,
    )
    assert rotated.status == 200
    assert rotated.json()["id"] != created.id
    human = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens/self/rotate",
        token=sandbox.credentials.maintainer,
    )
    assert (human.status, human.json()) == (405, {"message": "405 Method Not Allowed"})
