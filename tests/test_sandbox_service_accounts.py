"""Service accounts and their tokens through python-gitlab: instance, group and project."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import gitlab
import pytest
from gitlab.v4.objects import GroupServiceAccount, ProjectServiceAccount

from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, SandboxFactory, call, client

ROUTE_MISSING = (404, {"error": "404 Not Found"})


def group_account(gl: gitlab.Gitlab, group: str, name: str) -> GroupServiceAccount:
    accounts = gl.groups.get(group, lazy=True).service_accounts.list(get_all=True)
    return next(a for a in accounts if a.name == name)


def project_account(gl: gitlab.Gitlab, project: str, name: str) -> ProjectServiceAccount:
    accounts = gl.projects.get(project, lazy=True).service_accounts.list(get_all=True)
    return next(a for a in accounts if a.name == name)


def names(rows: Any) -> set[str]:
    return {row.name for row in rows}


# --- instance service accounts ----------------------------------------------------


def test_instance_accounts_are_for_administrators(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    accounts = admin.service_accounts.list(get_all=True)
    assert [a.name for a in accounts] == ["Backup robot"]  # not the groups' or projects'
    backup = accounts[0]
    assert backup.username.startswith("service_account_")
    assert backup.email == f"{backup.username}@noreply.gitlab.example.com"
    created = admin.service_accounts.create({"name": "Exporter"})
    assert created.name == "Exporter"
    assert created.username.startswith("service_account_")
    # newest first by default, username order on request
    listed = admin.service_accounts.list(get_all=True)
    assert [a.name for a in listed] == ["Exporter", "Backup robot"]
    by_name = admin.service_accounts.list(order_by="username", sort="asc", get_all=True)
    assert [a.username for a in by_name] == sorted(a.username for a in listed)
    with pytest.raises(gitlab.GitlabListError) as caught:
        client(sandbox, "maintainer").service_accounts.list()
    assert (caught.value.response_code, caught.value.error_message) == (403, "403 Forbidden")
    with pytest.raises(gitlab.GitlabCreateError) as refused:
        client(sandbox, "maintainer").service_accounts.create({})
    assert refused.value.response_code == 403


def test_instance_account_tokens_go_through_the_pat_api(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    backup = admin.service_accounts.list()[0]
    tokens = admin.personal_access_tokens.list(user_id=backup.id, get_all=True)
    by_name = {t.name: t for t in tokens}
    assert by_name["nightly backup"].expires_at is None  # a service-account token may never expire
    assert by_name["nightly backup"].active is True
    assert by_name["metrics scrape"].expires_at == (TODAY + timedelta(days=10)).isoformat()
    assert by_name["old exporter"].active is False
    assert by_name["exporter (leaked)"].revoked is True
    created = admin.users.get(backup.id, lazy=True).personal_access_tokens.create(
        {"name": "new", "scopes": ["read_api"]}
    )
    assert created.token.startswith("glpat-")
    rotated = admin.personal_access_tokens.rotate(by_name["metrics scrape"].id)
    assert rotated["user_id"] == backup.id
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()
    # people never see a service account's tokens in their own listing
    mine = client(sandbox, "maintainer").personal_access_tokens.list(get_all=True)
    assert not {t.user_id for t in mine} - {mine[0].user_id}


# --- group service accounts -------------------------------------------------------


def test_group_owner_lists_accounts_and_tokens(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")  # Owner of acme
    accounts = gl.groups.get("acme", lazy=True).service_accounts.list(get_all=True)
    assert names(accounts) == {"Acme deploy bot"}
    bot = accounts[0]
    assert bot.username.startswith(f"service_account_group_{gl.groups.get('acme').id}_")
    tokens = bot.access_tokens.list(get_all=True)
    by_name = {t.name: t.attributes for t in tokens}
    assert by_name["deploy"]["expires_at"] is None
    assert by_name["deploy"]["active"] is True
    assert by_name["ci cache"]["expires_at"] == TODAY.isoformat()
    assert by_name["ci cache"]["active"] is False  # expires today: already expired
    assert by_name["legacy"]["revoked"] is True
    assert "token" not in by_name["deploy"]
    assert [t.id for t in tokens] == sorted(t.id for t in tokens)


def test_group_token_filters_at_the_boundaries(sandbox: RunningSandbox) -> None:
    bot = group_account(client(sandbox, "maintainer"), "acme", "Acme deploy bot")
    active = bot.access_tokens.list(state="active", get_all=True)
    assert "ci cache" not in names(active)
    assert {"deploy", "release", "release (next)"} <= names(active)
    inactive = bot.access_tokens.list(state="inactive", get_all=True)
    assert names(inactive) == {"ci cache", "legacy", "rotating"}
    revoked = bot.access_tokens.list(revoked=True, get_all=True)
    assert names(revoked) == {"legacy", "rotating"}
    # GitLab's "expiring in two weeks": active and expires_before today + 15 days
    cutoff = (TODAY + timedelta(days=15)).isoformat()
    expiring = bot.access_tokens.list(state="active", expires_before=cutoff, get_all=True)
    assert "release" in names(expiring)  # 14 days
    assert "release (next)" not in names(expiring)  # 15 days
    assert "deploy" not in names(expiring)  # never expires
    assert names(bot.access_tokens.list(search="rele", get_all=True)) == {
        "release",
        "release (next)",
    }
    ordered = bot.access_tokens.list(sort="expires_asc", get_all=True)
    assert ordered[-1].expires_at is None  # NULLs last ascending
    reply = call(
        sandbox.url,
        "GET",
        f"/api/v4/groups/acme/service_accounts/{bot.id}/personal_access_tokens?state=gone",
        token=sandbox.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == (400, {"error": "state does not have a valid value"})


def test_group_accounts_need_the_owner_role(sandbox: RunningSandbox) -> None:
    maintainer = sandbox.credentials.maintainer
    # Mara only maintains platform
    reply = call(sandbox.url, "GET", "/api/v4/groups/platform/service_accounts", token=maintainer)
    assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})
    with pytest.raises(gitlab.GitlabListError) as caught:
        client(sandbox, "developer").groups.get("acme", lazy=True).service_accounts.list()
    assert caught.value.response_code == 403
    reply = call(sandbox.url, "GET", "/api/v4/groups/nowhere/service_accounts", token=maintainer)
    assert (reply.status, reply.json()) == (404, {"message": "404 Group Not Found"})
    # Alice owns platform; an administrator may manage any group's
    assert names(client(sandbox, "admin").groups.get("platform", lazy=True).service_accounts.list())
    renovate = group_account(client(sandbox, "admin"), "platform", "Platform renovate")
    path = f"/api/v4/groups/platform/service_accounts/{renovate.id}/personal_access_tokens"
    assert call(sandbox.url, "GET", path, token=maintainer).status == 403


def test_a_service_account_of_another_group_is_not_found(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    renovate = group_account(admin, "platform", "Platform renovate")
    reply = call(
        sandbox.url,
        "GET",
        f"/api/v4/groups/acme/service_accounts/{renovate.id}/personal_access_tokens",
        token=sandbox.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 User Not Found"})
    human = admin.users.list(username="dev")[0]
    reply = call(
        sandbox.url,
        "POST",
        f"/api/v4/groups/acme/service_accounts/{human.id}/personal_access_tokens",
        token=sandbox.credentials.maintainer,
        body={"name": "x", "scopes": ["api"]},
    )
    assert reply.status == 404


def test_group_owner_creates_an_account_and_a_token(sandbox: RunningSandbox) -> None:
    group = client(sandbox, "maintainer").groups.get("acme", lazy=True)
    account = group.service_accounts.create({"name": "Renovate", "username": "acme-renovate"})
    assert (account.name, account.username) == ("Renovate", "acme-renovate")
    token = account.access_tokens.create({"name": "renovate", "scopes": ["api"]})
    assert token.token.startswith("glpat-")
    assert token.expires_at == (TODAY + timedelta(days=365)).isoformat()  # the maximum
    assert token.user_id == account.id
    chosen = (TODAY + timedelta(days=30)).isoformat()
    dated = account.access_tokens.create(
        {"name": "dated", "scopes": "read_api", "expires_at": chosen}
    )
    assert (dated.expires_at, dated.scopes) == (chosen, ["read_api"])
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        account.access_tokens.create({"name": "bad", "scopes": ["everything"]})
    assert (caught.value.response_code, caught.value.error_message) == (
        400,
        "scopes does not have a valid value",
    )
    beyond = (TODAY + timedelta(days=400)).isoformat()
    with pytest.raises(gitlab.GitlabCreateError) as too_long:
        account.access_tokens.create({"name": "long", "scopes": ["api"], "expires_at": beyond})
    assert too_long.value.response_code == 422
    with pytest.raises(gitlab.GitlabCreateError) as taken:
        group.service_accounts.create({"username": "acme-renovate"})
    assert taken.value.response_code == 400


def test_rotate_defaults_to_a_week_and_honours_expires_at(sandbox: RunningSandbox) -> None:
    bot = group_account(client(sandbox, "maintainer"), "acme", "Acme deploy bot")
    release = next(t for t in bot.access_tokens.list(get_all=True) if t.name == "release")
    rotated = bot.access_tokens.rotate(release.id)
    assert rotated["id"] != release.id
    assert rotated["name"] == "release"
    assert rotated["token"].startswith("glpat-")
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()
    chosen = (TODAY + timedelta(days=90)).isoformat()
    again = bot.access_tokens.rotate(rotated["id"], expires_at=chosen)
    assert again["expires_at"] == chosen
    listed = {t.id: t for t in bot.access_tokens.list(get_all=True)}
    assert listed[release.id].revoked is True
    assert listed[rotated["id"]].revoked is True
    assert listed[again["id"]].active is True
    # a revoked token: 400 and nothing else
    with pytest.raises(gitlab.GitlabRotateError) as caught:
        bot.access_tokens.rotate(release.id)
    assert (caught.value.response_code, caught.value.error_message) == (
        400,
        "400 Bad request - Token already revoked",
    )
    assert {t.id: t for t in bot.access_tokens.list(get_all=True)}[again["id"]].active is True
    # someone else's token id is not found here
    admin = client(sandbox, "admin")
    other = admin.personal_access_tokens.list(get_all=True)[0]
    with pytest.raises(gitlab.GitlabRotateError) as missing:
        bot.access_tokens.rotate(other.id)
    assert (missing.value.response_code, missing.value.error_message) == (404, "404 Not Found")


def test_revoke(sandbox: RunningSandbox) -> None:
    bot = group_account(client(sandbox, "maintainer"), "acme", "Acme deploy bot")
    deploy = next(t for t in bot.access_tokens.list(get_all=True) if t.name == "deploy")
    bot.access_tokens.delete(deploy.id)
    bot.access_tokens.delete(deploy.id)  # revoking twice: still 204
    assert {t.id: t for t in bot.access_tokens.list(get_all=True)}[deploy.id].revoked is True
    reply = call(
        sandbox.url,
        "DELETE",
        f"/api/v4/groups/acme/service_accounts/{bot.id}/personal_access_tokens/99999",
        token=sandbox.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Personal Access Token Not Found"})
    refused = call(
        sandbox.url,
        "DELETE",
        f"/api/v4/groups/acme/service_accounts/{bot.id}/personal_access_tokens/{deploy.id}",
        token=sandbox.credentials.developer,
    )
    assert (refused.status, refused.json()) == (403, {"message": "403 Forbidden"})


# --- project service accounts (18.11) --------------------------------------------


def test_project_accounts_are_for_maintainers(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")  # Maintainer of platform/infra, not its group's Owner
    terraform = project_account(gl, "platform/infra", "Infra terraform")
    tokens = terraform.access_tokens.list(get_all=True)
    assert names(tokens) == {"terraform plan"}
    rotated = terraform.access_tokens.rotate(tokens[0].id)
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()
    smoke = project_account(gl, "acme/website", "Website smoke tests")
    states = {t.name: t for t in smoke.access_tokens.list(get_all=True)}
    assert states["smoke"].expires_at is None
    assert states["smoke (expiring)"].expires_at == (TODAY + timedelta(days=1)).isoformat()
    assert states["smoke (expired)"].active is False
    assert states["smoke (revoked)"].revoked is True
    smoke.access_tokens.delete(states["smoke"].id)
    created = gl.projects.get("acme/website", lazy=True).service_accounts.create({})
    assert created.name == "Service account user"
    assert created.username.startswith("service_account_project_")
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/service_accounts",
        token=sandbox.credentials.developer,
    )
    assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/platform%2Fci-templates/service_accounts",
        token=sandbox.credentials.developer,
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Project Not Found"})


def test_project_accounts_arrive_in_18_11(make_sandbox: SandboxFactory) -> None:
    before = make_sandbox(version="18.10.3")
    reply = call(
        before.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/service_accounts",
        token=before.credentials.maintainer,
    )
    assert (reply.status, reply.json()) == ROUTE_MISSING
    with before.store.lock:
        assert not [
            u
            for u in before.store.users.values()
            if u.provisioned_by is not None and u.provisioned_by[0] == "project"
        ]
    after = make_sandbox(version="18.11.0")
    gl = client(after, "maintainer")
    assert names(gl.projects.get("acme/website", lazy=True).service_accounts.list())


# --- versions and subgroups --------------------------------------------------------


def test_versions_without_the_endpoints(make_sandbox: SandboxFactory) -> None:
    old = make_sandbox(version="15")
    admin = old.credentials.admin
    for method, path in (
        ("GET", "/api/v4/service_accounts"),
        ("POST", "/api/v4/service_accounts"),
        ("GET", "/api/v4/groups/acme/service_accounts"),
    ):
        assert (call(old.url, method, path, token=admin).status, method) == (404, method)
    with old.store.lock:
        assert not [u for u in old.store.users.values() if u.user_type == "service_account"]
    # 16.1 creates accounts and tokens; listing arrives in 17.1
    first = make_sandbox(version="16.1.0")
    assert (
        call(first.url, "POST", "/api/v4/service_accounts", token=first.credentials.admin).status
        == 201
    )
    listing = call(first.url, "GET", "/api/v4/service_accounts", token=first.credentials.admin)
    assert (listing.status, listing.json()) == ROUTE_MISSING
    # 17.10: rotation, but no token list nor revoke yet (17.11)
    before_list = make_sandbox(version="17.10.0")
    bot = group_account(client(before_list, "maintainer"), "acme", "Acme deploy bot")
    tokens = f"/api/v4/groups/acme/service_accounts/{bot.id}/personal_access_tokens"
    token = before_list.credentials.maintainer
    assert (call(before_list.url, "GET", tokens, token=token).json()) == ROUTE_MISSING[1]
    assert call(before_list.url, "DELETE", f"{tokens}/1", token=token).status == 404
    with before_list.store.lock:
        release = next(t for t in before_list.store.tokens_of_user(bot.id) if t.name == "release")
    rotated = call(
        before_list.url,
        "POST",
        f"{tokens}/{release.id}/rotate",
        token=token,
        body={"expires_at": (TODAY + timedelta(days=60)).isoformat()},
    )
    assert rotated.status == 200
    assert rotated.json()["expires_at"] == (TODAY + timedelta(days=60)).isoformat()
    assert "email" in bot.attributes  # 17.9+


def test_rotate_ignores_expires_at_before_17_9(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="17.8.2")
    bot = group_account(client(sandbox, "maintainer"), "acme", "Acme deploy bot")
    assert "email" not in bot.attributes
    with sandbox.store.lock:
        release = next(t for t in sandbox.store.tokens_of_user(bot.id) if t.name == "release")
    chosen = (TODAY + timedelta(days=60)).isoformat()
    rotated = bot.access_tokens.rotate(release.id, expires_at=chosen)
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()


def test_subgroups_own_accounts_only_from_18_11(make_sandbox: SandboxFactory) -> None:
    before = make_sandbox(version="18.6.2")
    backend = client(before, "maintainer").groups.get("acme/backend", lazy=True)
    assert backend.service_accounts.list() == []
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        backend.service_accounts.create({})
    assert caught.value.response_code == 400
    after = make_sandbox(version="18.11.0")
    backend = client(after, "maintainer").groups.get("acme/backend", lazy=True)
    assert names(backend.service_accounts.list()) == {"Backend builder"}
    assert backend.service_accounts.create({}).username.startswith("service_account_group_")
