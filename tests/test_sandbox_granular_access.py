"""Fine-grained tokens are held to their permissions and boundaries; the seed has them.

A fine-grained token reaches a route only with the permission the route declares, on a
boundary that covers the route's project, group, user or instance, and is refused as
GitLab refuses: 403 ``insufficient_granular_scope`` naming what is missing, 404 for a
project or group it may not see, and "doesn't support" on routes without a permission.
Legacy tokens keep their scope checks at every version.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import gitlab
import pytest

from gltui.sandbox.granular import grant_for, label
from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, SandboxFactory, call, client

DENIED = "Access denied: This operation requires a fine-grained personal access token"
UNSUPPORTED = "Access denied: This operation doesn't support fine-grained personal access tokens."


def token_for(gl: gitlab.Gitlab, *scopes: dict[str, Any]) -> gitlab.Gitlab:
    """A new fine-grained token of ``gl``'s user, signed in."""
    made = gl.http_post(
        "/user/personal_access_tokens", post_data={"name": "probe", "granular_scopes": scopes}
    )
    assert isinstance(made, dict)
    return gitlab.Gitlab(gl.url, private_token=made["token"])


def refusal(call_it: Any, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    with pytest.raises(gitlab.GitlabError) as caught:
        call_it(*args, **kwargs)
    error = caught.value
    assert error.response_code is not None
    assert error.response_body is not None
    return error.response_code, json.loads(error.response_body)


def denied(boundary: str, permission: str) -> tuple[int, dict[str, str]]:
    description = f"{DENIED} with the following {boundary} permissions: [{permission}]."
    return 403, {"error": "insufficient_granular_scope", "error_description": description}


def test_the_read_only_persona_reads_everything_gltui_walks(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "fine_grained")
    gl.auth()  # GET /user: User: Read
    assert gl.user is not None
    assert gl.user.username == "mara"
    assert gl.version()[0] == "19.6.0-ee"  # Metadata: Read
    assert gl.http_get("/metadata")["version"] == "19.6.0-ee"  # type: ignore[index]
    assert gl.personal_access_tokens.get("self").granular is True
    mine = gl.personal_access_tokens.list(get_all=True)
    assert {t.user_id for t in mine} == {gl.user.id}
    assert {g.full_path for g in gl.groups.list(get_all=True)} >= {"acme", "platform"}
    assert gl.projects.list(membership=True, get_all=True)
    website = gl.projects.get("acme/website")
    assert {t.name for t in website.access_tokens.list(get_all=True)} >= {"deploy bot"}
    assert website.deploytokens.list(get_all=True)
    acme = gl.groups.get("acme")
    assert {t.name for t in acme.access_tokens.list(get_all=True)} >= {"group ci"}
    assert acme.deploytokens.list(get_all=True)


def test_the_read_only_persona_can_change_nothing(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "fine_grained")
    own = next(t for t in gl.personal_access_tokens.list(get_all=True) if t.name == "k8s agent")
    assert refusal(gl.personal_access_tokens.delete, own.id) == denied(
        "user", "Personal Access Token: Revoke"
    )
    assert refusal(gl.personal_access_tokens.rotate, own.id) == denied(
        "user", "Personal Access Token: Rotate"
    )
    assert refusal(
        gl.http_post, "/user/personal_access_tokens", post_data={"name": "x", "scopes": ["api"]}
    ) == denied("user", "User Personal Access Token: Create")
    website = gl.projects.get("acme/website", lazy=True)
    new_bot = {"name": "x", "scopes": ["read_api"]}
    assert refusal(website.access_tokens.create, new_bot) == denied(
        "project", "Resource Access Token: Create"
    )
    # deploy-token creation has no fine-grained permission at all
    assert refusal(website.deploytokens.create, new_bot) == (
        403,
        {"error": "insufficient_granular_scope", "error_description": UNSUPPORTED},
    )
    # instance-level deploy tokens need Deploy Token: Read on the instance boundary
    assert refusal(gl.deploytokens.list) == denied("instance", "Deploy Token: Read")
    # a public project outside her memberships is outside all_memberships
    demo = gl.projects.get("opensource/gltui-demo", lazy=True)
    assert refusal(demo.access_tokens.list) == denied("project", "Resource Access Token: Read")
    # a project that does not exist gives nothing away
    assert refusal(gl.projects.get(99999, lazy=True).access_tokens.list) == (
        404,
        {"message": "404 Not Found"},
    )


def test_a_hidden_group_is_not_found(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    alice = admin.users.list(username="alice")[0]  # a member of platform only
    scope = {"access": "all_memberships", "permissions": ["read_resource_access_token"]}
    made = admin.http_post(
        f"/users/{alice.id}/personal_access_tokens",
        post_data={"name": "probe", "granular_scopes": [scope]},
    )
    assert isinstance(made, dict)
    gl = gitlab.Gitlab(sandbox.url, private_token=made["token"])
    assert gl.groups.get("platform", lazy=True).access_tokens.list(get_all=True)
    acme = gl.groups.get("acme", lazy=True)  # private, and alice is no member
    assert refusal(acme.access_tokens.list) == (404, {"message": "404 Not Found"})
    legacy = client(sandbox, "developer").groups.get("platform", lazy=True)
    assert refusal(legacy.access_tokens.list)[0] == 401  # a legacy token: the route decides


def test_a_selected_group_covers_its_subgroups_and_their_projects(
    sandbox: RunningSandbox,
) -> None:
    acme = client(sandbox, "maintainer").groups.get("acme")
    gl = token_for(
        client(sandbox, "maintainer"),
        {
            "access": "selected_memberships",
            "permissions": ["read_resource_access_token"],
            "group_ids": [acme.id],
        },
    )
    for path in ("acme/website", "acme/backend/api"):
        assert gl.projects.get(path, lazy=True).access_tokens.list(get_all=True)
    for path in ("acme", "acme/backend"):
        assert gl.groups.get(path, lazy=True).access_tokens.list(get_all=True)
    platform = gl.groups.get("platform", lazy=True)
    assert refusal(platform.access_tokens.list) == denied("group", "Resource Access Token: Read")
    infra = gl.projects.get("platform/infra", lazy=True)
    assert refusal(infra.access_tokens.list) == denied("project", "Resource Access Token: Read")


def test_a_selected_project_covers_that_project_only(sandbox: RunningSandbox) -> None:
    maintainer = client(sandbox, "maintainer")
    website = maintainer.projects.get("acme/website")
    gl = token_for(
        maintainer,
        {
            "access": "selected_memberships",
            "permissions": ["read_resource_access_token", "read_deploy_token"],
            "project_ids": [website.id],
        },
    )
    assert gl.projects.get(website.id, lazy=True).access_tokens.list(get_all=True)
    assert gl.projects.get(website.id, lazy=True).deploytokens.list(get_all=True)
    api = gl.projects.get("acme/backend/api", lazy=True)
    assert refusal(api.access_tokens.list) == denied("project", "Resource Access Token: Read")
    group = gl.groups.get("acme", lazy=True)
    assert refusal(group.access_tokens.list) == denied("group", "Resource Access Token: Read")
    # the token holds no user-boundary permission, not even to describe itself
    assert refusal(gl.personal_access_tokens.get, "self") == denied(
        "user", "Personal Access Token: Read"
    )
    assert refusal(gl.auth) == denied("user", "User: Read")


def test_a_token_cannot_grant_more_than_it_holds(sandbox: RunningSandbox) -> None:
    creator = token_for(
        client(sandbox, "maintainer"),
        {"access": "user", "permissions": ["create_user_personal_access_token", "read_user"]},
    )
    made = token_for(creator, {"access": "user", "permissions": ["read_user"]})
    made.auth()
    assert made.user is not None
    more = {"access": "user", "permissions": ["read_user", "read_personal_access_token"]}
    assert refusal(
        creator.http_post,
        "/user/personal_access_tokens",
        post_data={"name": "x", "granular_scopes": [more]},
    ) == (
        422,
        {"message": "The token cannot be granted permissions the token creating it does not hold"},
    )


def test_revoked_and_expired_fine_grained_tokens_are_refused_like_any(
    sandbox: RunningSandbox,
) -> None:
    maintainer = client(sandbox, "maintainer")
    scope = {"access": "user", "permissions": ["read_user"]}
    made = maintainer.http_post(
        "/user/personal_access_tokens", post_data={"name": "short", "granular_scopes": [scope]}
    )
    assert isinstance(made, dict)
    maintainer.personal_access_tokens.delete(made["id"])
    reply = call(sandbox.url, "GET", "/api/v4/user", token=made["token"])
    assert reply.status == 401
    assert reply.json()["error_description"].startswith("Token was revoked")


@pytest.mark.parametrize("version", ["15", "16", "18", "19.6"])
def test_legacy_tokens_keep_their_scope_checks(make_sandbox: SandboxFactory, version: str) -> None:
    sandbox = make_sandbox(version=version)
    readonly = client(sandbox, "readonly")
    assert readonly.personal_access_tokens.list(get_all=True)
    reply = call(
        sandbox.url,
        "DELETE",
        "/api/v4/personal_access_tokens/1",
        token=sandbox.credentials.readonly,
    )
    assert (reply.status, reply.json()["error"]) == (403, "insufficient_scope")


def test_routes_declare_only_known_permissions() -> None:
    assert label("read_service_account_personal_access_token") == (
        "Service Account Personal Access Token: Read"
    )
    assert grant_for(None, None) is None
    with pytest.raises(ValueError, match="unknown"):
        grant_for("read_everything", "user")
    with pytest.raises(ValueError, match="cannot be granted"):
        grant_for("read_trigger", "user")
    with pytest.raises(ValueError, match="both"):
        grant_for("read_trigger", None)


def test_the_seed_has_fine_grained_tokens_in_every_state(make_sandbox: SandboxFactory) -> None:
    new = make_sandbox(version="19.6")
    store = new.store
    with store.lock:
        fine = [t for t in store.pats.values() if t.granular]
        first = min(t.id for t in fine)
        seeded_before = {
            t.id: (t.name, t.expires_at, t.revoked) for t in store.pats.values() if t.id < first
        }
        owners = {store.users[t.user_id].username for t in fine}
    today = TODAY
    assert all(t.scopes == ["granular"] for t in fine)
    assert any(
        t.active(today) and t.expires_at and t.expires_at > today + timedelta(14) for t in fine
    )
    soon = today + timedelta(days=14)
    assert any(t.active(today) and t.expires_at and t.expires_at <= soon for t in fine)
    assert any(t.expires_at == today for t in fine)  # expires today: already expired
    assert any(t.revoked for t in fine)
    assert any(t.expired(today) and not t.revoked for t in fine)
    assert any(t.previous_id for t in fine)  # a rotation chain
    assert any(t.impersonation for t in fine)
    assert any(t.last_used_at is None for t in fine)
    accesses = {s.access for t in fine for s in t.granular_scopes or ()}
    assert accesses == {
        "user",
        "instance",
        "all_memberships",
        "personal_projects",
        "selected_memberships",
    }
    assert owners >= {"root", "mara", "dev", "alice", "emilie"}
    # everything seeded before them is the 18 profile's inventory, id for id
    old = make_sandbox(version="18").store
    with old.lock:
        assert not any(t.granular for t in old.pats.values())
        assert {
            t.id: (t.name, t.expires_at, t.revoked) for t in old.pats.values() if t.id < first
        } == seeded_before


def test_a_generated_instance_gets_cheap_fine_grained_tokens(
    make_sandbox: SandboxFactory,
) -> None:
    store = make_sandbox(scale=100).store
    with store.lock:
        generated = [
            t
            for t in store.pats.values()
            if t.granular and store.users[t.user_id].username.startswith("user")
        ]
    assert len(generated) == 5  # one for every fifth of the 25 generated people
    assert {t.revoked for t in generated} == {True, False}
