"""Deploy tokens and impersonation tokens through python-gitlab."""

from __future__ import annotations

import re

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, call, client

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_project_deploy_tokens(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    tokens = {t.name: t for t in project.deploytokens.list(get_all=True)}
    assert set(tokens) == {"k8s pull", "forever"}
    assert INSTANT.match(tokens["k8s pull"].expires_at)  # a full datetime, not a date
    assert tokens["forever"].expires_at is None
    assert tokens["k8s pull"].username.startswith("gitlab+deploy-token-")
    raw = call(
        sandbox.url,
        "GET",
        f"/api/v4/projects/acme%2Fwebsite/deploy_tokens/{tokens['forever'].id}",
        token=sandbox.credentials.maintainer,
    ).json()
    assert set(raw) == {
        "id",
        "name",
        "username",
        "expires_at",
        "scopes",
        "revoked",
        "expired",
    }


def test_active_filter_and_expiry_instants(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/backend/api", lazy=True)
    everything = {t.name: t for t in project.deploytokens.list(get_all=True)}
    assert everything["nightly mirror"].expired is True
    assert everything["retired"].revoked is True
    active = project.deploytokens.list(active=True, get_all=True)
    assert active == []


def test_create_and_delete_deploy_token(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    created = project.deploytokens.create(
        {
            "name": "ci pull",
            "scopes": ["read_registry", "read_package_registry"],
            "expires_at": f"{TODAY.isoformat()}T18:30:00Z",
            "username": "ci-puller",
        }
    )
    assert created.token.startswith("gldt-")
    assert created.username == "ci-puller"
    assert created.expires_at == f"{TODAY.isoformat()}T18:30:00.000Z"
    project.deploytokens.delete(created.id)
    assert created.id not in {t.id for t in project.deploytokens.list(get_all=True)}


def test_deploy_token_errors(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.deploytokens.create({"name": "x", "scopes": ["api"]})
    assert caught.value.error_message == "scopes does not have a valid value"
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.deploytokens.create({"name": "x", "scopes": ["read_repository"], "username": "a b"})
    assert caught.value.response_code == 400
    developer = client(sandbox, "developer").projects.get("acme/website", lazy=True)
    with pytest.raises(gitlab.GitlabListError) as listing:
        developer.deploytokens.list()
    assert listing.value.response_code == 403
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/deploy_tokens/999",
        token=sandbox.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Not found"})


def test_deploy_tokens_cannot_call_the_api(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    secret = project.deploytokens.create({"name": "x", "scopes": ["read_repository"]}).token
    reply = call(sandbox.url, "GET", "/api/v4/user", token=secret)
    assert (reply.status, reply.json()) == (401, {"message": "401 Unauthorized"})


def test_group_deploy_tokens_and_instance_listing(sandbox: RunningSandbox) -> None:
    group = client(sandbox, "maintainer").groups.get("acme", lazy=True)
    assert {t.name for t in group.deploytokens.list(get_all=True)} == {"helm charts"}
    everything = client(sandbox, "admin").deploytokens.list(get_all=True)
    with sandbox.store.lock:
        assert len(everything) == len(sandbox.store.deploy_tokens)
    with pytest.raises(gitlab.GitlabListError) as caught:
        client(sandbox, "maintainer").deploytokens.list()
    assert caught.value.response_code == 403


def test_impersonation_tokens_lifecycle(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    alice = admin.users.list(username="alice")[0]
    tokens = alice.impersonationtokens.list(get_all=True)
    legacy = [t for t in tokens if t.scopes != ["granular"]]  # 19.2+ seeds a fine-grained one
    assert {t.name for t in legacy} == {"support session"}
    assert all(t.impersonation is True for t in tokens)
    created = alice.impersonationtokens.create(
        {"name": "debug", "scopes": ["read_api"], "expires_at": TODAY.replace(day=28).isoformat()}
    )
    assert created.token.startswith("glpat-")
    assert created.impersonation is True
    assert alice.impersonationtokens.get(created.id).name == "debug"
    alice.impersonationtokens.delete(created.id)
    inactive = alice.impersonationtokens.list(state="inactive", get_all=True)
    assert created.id in {t.id for t in inactive}
    active = alice.impersonationtokens.list(state="active", get_all=True)
    assert created.id not in {t.id for t in active}


def test_impersonation_errors(sandbox: RunningSandbox) -> None:
    admin_token = sandbox.credentials.admin
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/users/2/impersonation_tokens",
        token=sandbox.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})
    reply = call(sandbox.url, "GET", "/api/v4/users/9999/impersonation_tokens", token=admin_token)
    assert (reply.status, reply.json()) == (404, {"message": "404 User Not Found"})
    reply = call(sandbox.url, "GET", "/api/v4/users/2/impersonation_tokens/9999", token=admin_token)
    assert (reply.status, reply.json()) == (404, {"message": "404 Impersonation Token Not Found"})
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/users/2/impersonation_tokens",
        token=admin_token,
        body={"name": "no scopes"},
    )
    assert (reply.status, reply.json()) == (400, {"message": {"scopes": ["can't be blank"]}})
