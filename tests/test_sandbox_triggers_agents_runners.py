"""Pipeline triggers, cluster agent tokens and runner tokens through python-gitlab."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox, SandboxApp, SandboxOptions
from tests.conftest import NOW, TODAY, SandboxFactory, call, client, fixed_clock

TRIGGER_VALUE = re.compile(r"^glptt-[0-9a-f]{40}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def at(days: int, hour: int) -> str:
    """The sandbox's seeded instants: ``days`` from today at ``hour`` UTC."""
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, hour, tzinfo=UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def by(rows: Any, key: str = "description") -> dict[str, Any]:
    return {getattr(row, key) if hasattr(row, key) else row[key]: row for row in rows}


# --- pipeline triggers ------------------------------------------------------------


def test_maintainer_lists_triggers_with_others_values_shortened(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    triggers = by(gl.projects.get("acme/website", lazy=True).triggers.list(get_all=True))
    assert set(triggers) == {"deploy from jenkins", "nightly (root's)", "old hook"}
    own = triggers["deploy from jenkins"].asdict(with_parent_attrs=False)
    assert TRIGGER_VALUE.match(own["token"])  # Mara's own: the full value
    assert own["owner"]["username"] == "mara"
    assert own["expires_at"] is None
    assert TIMESTAMP.match(own["created_at"])
    assert TIMESTAMP.match(own["last_used"])
    assert own["last_used"] >= own["created_at"]
    assert set(own) == {
        "id",
        "token",
        "description",
        "created_at",
        "updated_at",
        "last_used",
        "expires_at",
        "owner",
    }
    others = triggers["nightly (root's)"].asdict()
    assert len(others["token"]) == 4  # root's: four characters, never the value
    assert not others["token"].startswith("glptt")
    assert others["expires_at"] == at(7, 12)
    assert triggers["old hook"].expires_at == at(-3, 12)  # expired, still listed
    # root sees its own in full and Mara's shortened
    as_admin = by(client(sandbox, "admin").projects.get("acme/website", lazy=True).triggers.list())
    assert TRIGGER_VALUE.match(as_admin["nightly (root's)"].token)
    assert as_admin["deploy from jenkins"].token == own["token"].removeprefix("glptt-")[:4]


def test_trigger_expiry_boundaries(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    api = by(gl.projects.get("acme/backend/api", lazy=True).triggers.list())
    assert api["api release"].expires_at == at(14, 23)
    assert api["api docs"].expires_at == at(15, 0)
    assert api["api docs"].last_used is None
    worker = gl.projects.get("acme/backend/worker", lazy=True).triggers.list()
    assert [t.expires_at for t in worker] == [at(1, 6)]


def test_get_create_and_delete_a_trigger(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    first = project.triggers.list()[0]
    assert project.triggers.get(first.id).description == first.description
    created = project.triggers.create({"description": "from the test"})
    assert TRIGGER_VALUE.match(created.token)
    assert created.owner["username"] == "mara"
    assert created.last_used is None
    created.delete()
    assert "from the test" not in by(project.triggers.list(get_all=True))
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.triggers.get(created.id)
    assert (caught.value.response_code, caught.value.error_message) == (404, "404 Not found")
    token = sandbox.credentials.maintainer
    reply = call(sandbox.url, "POST", "/api/v4/projects/acme%2Fwebsite/triggers", token=token)
    assert (reply.status, reply.json()) == (400, {"error": "description is missing"})
    reply = call(sandbox.url, "GET", "/api/v4/projects/acme%2Fwebsite/triggers/x", token=token)
    assert (reply.status, reply.json()) == (400, {"error": "trigger_id is invalid"})
    other = client(sandbox, "maintainer").projects.get("acme/backend/api", lazy=True).triggers
    with pytest.raises(gitlab.GitlabGetError):
        other.get(first.id)  # a trigger of another project


def test_triggers_need_the_maintainer_role(sandbox: RunningSandbox) -> None:
    developer = sandbox.credentials.developer
    for method in ("GET", "POST"):
        reply = call(
            sandbox.url,
            method,
            "/api/v4/projects/acme%2Fwebsite/triggers",
            token=developer,
            body={"description": "x"} if method == "POST" else None,
        )
        assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})
    reply = call(
        sandbox.url, "DELETE", "/api/v4/projects/acme%2Fwebsite/triggers/1", token=developer
    )
    assert reply.status == 403
    reply = call(
        sandbox.url, "GET", "/api/v4/projects/platform%2Fci-templates/triggers", token=developer
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 Project Not Found"})


def test_trigger_expires_at_arrives_in_17_0(make_sandbox: SandboxFactory) -> None:
    older = make_sandbox(version="16.11.10")
    rows = client(older, "maintainer").projects.get("acme/website", lazy=True).triggers.list()
    assert rows
    assert all("expires_at" not in t.attributes for t in rows)
    newer = make_sandbox(version="17.0.0")
    rows = client(newer, "maintainer").projects.get("acme/website", lazy=True).triggers.list()
    assert {t.description: t.expires_at for t in rows}["old hook"] == at(-3, 12)


# --- cluster agents -----------------------------------------------------------------


def agent_path(gl: gitlab.Gitlab, project: str, agent: str) -> str:
    found = gl.projects.get(project, lazy=True).cluster_agents.list(get_all=True)
    agent_id = next(a.id for a in found if a.name == agent)
    return f"/projects/{project.replace('/', '%2F')}/cluster_agents/{agent_id}"


def test_developer_reads_active_agent_tokens(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "developer")
    agents = gl.projects.get("acme/website", lazy=True).cluster_agents.list()
    assert [a.name for a in agents] == ["production"]
    assert agents[0].config_project["path_with_namespace"] == "acme/website"
    base = agent_path(gl, "acme/website", "production")
    tokens = gl.http_list(f"{base}/tokens", get_all=True)
    assert isinstance(tokens, list)
    assert [t["name"] for t in tokens] == ["primary", "secondary"]  # "old" is revoked
    assert set(tokens[0]) == {
        "id",
        "name",
        "description",
        "agent_id",
        "status",
        "created_at",
        "created_by_user_id",
    }
    assert {t["status"] for t in tokens} == {"active"}
    assert tokens[1]["description"] is None
    one = gl.http_get(f"{base}/tokens/{tokens[0]['id']}")
    assert isinstance(one, dict)
    assert one["last_used_at"] >= one["created_at"]
    assert "token" not in one


def test_agents_need_the_developer_role(sandbox: RunningSandbox) -> None:
    # platform/infra is internal: Dev sees the project but is no member of it
    developer = sandbox.credentials.developer
    reply = call(
        sandbox.url, "GET", "/api/v4/projects/platform%2Finfra/cluster_agents", token=developer
    )
    assert (reply.status, reply.json()) == (404, {"message": "404 ClusterAgents Not Found"})
    path = agent_path(client(sandbox, "admin"), "platform/infra", "platform-k8s")
    reply = call(sandbox.url, "GET", f"/api/v4{path}/tokens", token=developer)
    assert (reply.status, reply.json()) == (404, {"message": "404 Not found"})


def test_revoke_and_create_agent_tokens(sandbox: RunningSandbox) -> None:
    mara = client(sandbox, "maintainer")
    base = agent_path(mara, "acme/website", "production")
    tokens = mara.http_list(f"{base}/tokens", get_all=True)
    assert isinstance(tokens, list)
    primary = tokens[0]["id"]
    # two active tokens already: the limit
    with pytest.raises(gitlab.GitlabHttpError) as caught:
        mara.http_post(f"{base}/tokens", post_data={"name": "third"})
    assert (caught.value.response_code, caught.value.error_message) == (
        400,
        "400 Bad request - An agent can have only two active tokens at a time",
    )
    refused = call(
        sandbox.url,
        "DELETE",
        f"/api/v4{base}/tokens/{primary}",
        token=sandbox.credentials.developer,
    )
    assert (refused.status, refused.json()) == (403, {"message": "403 Forbidden"})
    mara.http_delete(f"{base}/tokens/{primary}")
    mara.http_delete(f"{base}/tokens/{primary}")  # revoking twice: still 204
    assert [t["name"] for t in mara.http_list(f"{base}/tokens", get_all=True)] == ["secondary"]
    with pytest.raises(gitlab.GitlabHttpError) as gone:
        mara.http_get(f"{base}/tokens/{primary}")
    assert gone.value.response_code == 404  # a revoked token is not found
    created = mara.http_post(f"{base}/tokens", post_data={"name": "third", "description": "new"})
    assert isinstance(created, dict)
    assert created["token"].startswith("glagent-")
    assert (created["status"], created["last_used_at"]) == ("active", None)
    reply = call(
        sandbox.url,
        "POST",
        f"/api/v4{base}/tokens",
        token=sandbox.credentials.developer,
        body={"name": "x"},
    )
    assert reply.status == 403


def test_deleting_an_agent_takes_its_tokens_and_no_other_project_s(
    sandbox: RunningSandbox,
) -> None:
    mara = client(sandbox, "maintainer")
    website = mara.projects.get("acme/website", lazy=True)
    before = {a["name"] for a in mara.http_list("/projects/acme%2Fwebsite/cluster_agents")}
    others = mara.http_list("/projects/acme%2Fbackend%2Fworker/cluster_agents", get_all=True)
    agent = mara.http_post(f"/projects/{website.id}/cluster_agents", post_data={"name": "temp"})
    assert isinstance(agent, dict)
    base = f"/projects/{website.id}/cluster_agents/{agent['id']}"
    token = mara.http_post(f"{base}/tokens", post_data={"name": "only"})
    assert isinstance(token, dict)
    assert [t["name"] for t in mara.http_list(f"{base}/tokens", get_all=True)] == ["only"]
    mara.http_delete(base)
    after = {a["name"] for a in mara.http_list("/projects/acme%2Fwebsite/cluster_agents")}
    assert after == before
    with pytest.raises(gitlab.GitlabHttpError) as gone:
        mara.http_get(f"{base}/tokens/{token['id']}")
    assert gone.value.response_code == 404
    again = mara.http_list("/projects/acme%2Fbackend%2Fworker/cluster_agents", get_all=True)
    assert again == others


# --- runners ------------------------------------------------------------------------


def test_owned_runners_and_filters(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    owned = by(gl.runners.list(get_all=True))
    # Owner of acme (its group runner, its projects'), Maintainer of platform's projects;
    # platform's group runner needs platform's Owner, instance runners are nobody's own
    assert set(owned) == {"acme group runner", "website docker", "backend runner", "infra runner"}
    assert owned["backend runner"].paused is True
    assert owned["backend runner"].status == "paused"
    assert owned["infra runner"].status == "never_contacted"
    assert owned["website docker"].online is True
    assert set(by(gl.runners.list(type="group_type"))) == {"acme group runner"}
    assert set(by(gl.runners.list(paused=True))) == {"backend runner"}
    assert set(by(gl.runners.list(status="never_contacted"))) == {"infra runner"}
    assert set(by(gl.runners.list(tag_list="docker,linux"))) == {"website docker"}
    token = sandbox.credentials.maintainer
    reply = call(sandbox.url, "GET", "/api/v4/runners?type=elastic", token=token)
    assert (reply.status, reply.json()) == (400, {"error": "type does not have a valid value"})
    reply = call(sandbox.url, "GET", "/api/v4/runners?scope=shared", token=token)
    assert (reply.status, reply.json()) == (400, {"message": "Scope contains invalid value"})
    assert client(sandbox, "developer").runners.list() == []


def test_all_runners_for_administrators(sandbox: RunningSandbox) -> None:
    everything = by(client(sandbox, "admin").runners_all.list(get_all=True))
    assert len(everything) == 8
    assert everything["shared-runner-1"].is_shared is True
    assert everything["shared-runner-legacy"].status == "stale"
    with pytest.raises(gitlab.GitlabListError) as caught:
        client(sandbox, "maintainer").runners_all.list()
    assert caught.value.response_code == 403


def test_runner_details_carry_the_token_expiry(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    ids = {r.description: r.id for r in admin.runners_all.list(get_all=True)}
    gl = client(sandbox, "maintainer")
    website = gl.runners.get(ids["website docker"])
    assert website.token_expires_at == at(14, 12)  # expiring
    assert website.tag_list == ["docker", "linux"]
    assert "token" not in website.attributes
    assert gl.runners.get(ids["backend runner"]).token_expires_at == at(15, 0)
    assert gl.runners.get(ids["infra runner"]).token_expires_at is None
    assert admin.runners.get(ids["platform runner"]).token_expires_at == at(-2, 12)  # expired
    # an instance runner is anyone's to read; a project runner its maintainers'
    dev = client(sandbox, "developer")
    assert dev.runners.get(ids["shared-runner-1"]).token_expires_at == at(30, 12)
    with pytest.raises(gitlab.GitlabGetError) as caught:
        dev.runners.get(ids["website docker"])
    assert (caught.value.response_code, caught.value.error_message) == (
        403,
        "403 Forbidden - No access granted",
    )
    with pytest.raises(gitlab.GitlabGetError) as missing:
        gl.runners.get(99999)
    assert (missing.value.response_code, missing.value.error_message) == (404, "404 Not found")


def test_runner_details_lack_the_expiry_before_19_1(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="19.0.2")
    admin = client(sandbox, "admin")
    runner = admin.runners_all.list()[0]
    assert "token_expires_at" not in admin.runners.get(runner.id).attributes


def test_reset_shows_the_new_token_once(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    ids = {r.description: r.id for r in admin.runners_all.list(get_all=True)}
    gl = client(sandbox, "maintainer")
    reset = gl.http_post(f"/runners/{ids['website docker']}/reset_authentication_token")
    assert isinstance(reset, dict)
    assert set(reset) == {"token", "token_expires_at"}
    assert reset["token"].startswith("glrt-")
    expected = (NOW + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert reset["token_expires_at"] == expected
    assert gl.runners.get(ids["website docker"]).token_expires_at == expected
    assert "token" not in gl.runners.get(ids["website docker"]).attributes
    no_interval = gl.http_post(f"/runners/{ids['infra runner']}/reset_authentication_token")
    assert isinstance(no_interval, dict)
    assert no_interval["token_expires_at"] is None
    for persona, runner in (("developer", "website docker"), ("maintainer", "shared-runner-1")):
        reply = call(
            sandbox.url,
            "POST",
            f"/api/v4/runners/{ids[runner]}/reset_authentication_token",
            token=getattr(sandbox.credentials, persona),
        )
        assert (reply.status, reply.json()) == (
            403,
            {"message": "403 Forbidden - No access granted"},
        )
    # Mara maintains platform but does not own it: its group runner is not hers to reset
    reply = call(
        sandbox.url,
        "POST",
        f"/api/v4/runners/{ids['platform runner']}/reset_authentication_token",
        token=sandbox.credentials.maintainer,
    )
    assert reply.status == 403
    shared = admin.http_post(f"/runners/{ids['shared-runner-1']}/reset_authentication_token")
    assert isinstance(shared, dict)
    assert shared["token"].startswith("glrt-")


def test_project_and_group_runners(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    website = by(gl.projects.get("acme/website", lazy=True).runners.list(get_all=True))
    assert set(website) == {
        "website docker",
        "acme group runner",
        "shared-runner-1",
        "shared-runner-legacy",
    }
    api = by(gl.projects.get("acme/backend/api", lazy=True).runners.list(type="project_type"))
    assert set(api) == {"backend runner"}
    acme = by(gl.groups.get("acme/backend", lazy=True).runners.list(get_all=True))
    assert set(acme) == {"acme group runner", "shared-runner-1", "shared-runner-legacy"}
    developer = sandbox.credentials.developer
    for path in ("/api/v4/projects/acme%2Fwebsite/runners", "/api/v4/groups/acme/runners"):
        reply = call(sandbox.url, "GET", path, token=developer)
        assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})


# --- the seed ------------------------------------------------------------------------


def test_every_kind_is_seeded_in_every_state_and_the_same_each_time() -> None:
    def snapshot() -> tuple[Any, ...]:
        store = SandboxApp(SandboxOptions(scale=40), clock=fixed_clock).store
        ci = store.ci
        return (
            [(t.description, t.expires_at, t.last_used) for t in ci.triggers.values()],
            [(t.name, t.status, t.created_at) for t in ci.agent_tokens.values()],
            [(r.description, r.token_expires_at, r.contacted_at) for r in ci.runners.values()],
            [
                (t.name, t.expires_at, t.revoked, t.created_at)
                for t in store.pats.values()
                if store.users[t.user_id].user_type == "service_account"
            ],
        )

    triggers, agent_tokens, runners, service_tokens = snapshot()
    assert snapshot() == (triggers, agent_tokens, runners, service_tokens)
    soon = NOW + timedelta(days=15)
    for expiries in ([e for _, e, _ in triggers], [e for _, e, _ in runners]):
        assert None in expiries
        assert any(e is not None and e <= NOW for e in expiries)  # expired
        assert any(e is not None and NOW < e < soon for e in expiries)  # expiring
        assert any(e is not None and e >= soon for e in expiries)  # active
    assert {status for _, status, _ in agent_tokens} == {"active", "revoked"}
    expiry_days = [e for _, e, revoked, _ in service_tokens if not revoked]
    assert None in expiry_days  # never expires
    assert any(e is not None and e <= TODAY for e in expiry_days)
    assert any(e is not None and TODAY < e < TODAY + timedelta(days=15) for e in expiry_days)
    assert any(revoked for _, _, revoked, _ in service_tokens)


def test_fine_grained_tokens_read_with_the_declared_permissions(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.fine_grained
    assert token is not None  # the current profile has fine-grained tokens
    for path in (
        "/api/v4/projects/acme%2Fwebsite/triggers",
        "/api/v4/projects/acme%2Fwebsite/cluster_agents",
        "/api/v4/projects/acme%2Fwebsite/runners",
        "/api/v4/groups/acme/service_accounts",
    ):
        assert call(sandbox.url, "GET", path, token=token).status == 200, path
    refused = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/triggers",
        token=token,
        body={"description": "x"},
    )
    assert refused.status == 403
    assert refused.json()["error"] == "insufficient_granular_scope"
