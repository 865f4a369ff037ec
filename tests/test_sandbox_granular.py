"""Fine-grained personal access tokens in the sandbox: fields and creation, by version.

Everything goes through python-gitlab over HTTP, as a client would: list, get, ``/self``
and rotate answers per version (19.2 lists, 19.5 ``/self``, 19.6 self-rotate and create
answers), and creation for oneself (19.2), as an impersonation token (19.2) and by an
administrator for another user (19.6), with GitLab's refusals. Older profiles (15, 16,
18) have no such tokens and treat ``granular_scopes`` as the unknown parameter it is.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from tests.conftest import TODAY, SandboxFactory, client

OLDER = ("15", "16", "18")
READ_OWN = {"access": "user", "permissions": ["read_personal_access_token"]}


def ids(sandbox: RunningSandbox) -> dict[str, int]:
    """Seeded projects and groups by path (their ids do not depend on the version)."""
    store = sandbox.store
    with store.lock:
        found = {f"project:{p.path}": p.id for p in store.projects.values()}
        found.update({f"group:{g.path}": g.id for g in store.groups.values()})
        found.update({f"user:{u.username}": u.id for u in store.users.values()})
    return found


def create_own(gl: gitlab.Gitlab, **data: Any) -> dict[str, Any]:
    """``POST /user/personal_access_tokens`` (python-gitlab sends the body as JSON)."""
    answer = gl.http_post("/user/personal_access_tokens", post_data={"name": "fg", **data})
    assert isinstance(answer, dict)
    return answer


def refused(call: Any, **data: Any) -> tuple[int, Any]:
    """Status and JSON body of a refused call."""
    with pytest.raises(gitlab.GitlabHttpError) as caught:
        call(**data)
    error = caught.value
    assert error.response_code is not None
    assert error.response_body is not None
    return error.response_code, json.loads(error.response_body)


@pytest.mark.parametrize("version", OLDER)
def test_older_versions_have_no_fine_grained_tokens(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    assert sandbox.credentials.fine_grained is None
    assert "fine_grained" not in json.loads(sandbox.app.contract_line(sandbox.url))["tokens"]
    rows = client(sandbox, "admin").personal_access_tokens.list(get_all=True)
    assert rows
    for row in rows:
        assert row.scopes != ["granular"]
        assert "granular_scopes" not in row.attributes
        assert row.attributes.get("granular", False) is False  # 18 has the field, 15/16 not


@pytest.mark.parametrize("version", ["19.2.0", "19.6"])
def test_lists_and_get_show_granular_scopes_from_19_2(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    gl = client(sandbox, "maintainer")
    rows = gl.personal_access_tokens.list(get_all=True)
    fine = [row for row in rows if row.granular]
    legacy = [row for row in rows if not row.granular]
    assert fine
    assert legacy
    for row in legacy:
        assert "granular_scopes" not in row.attributes
    for row in fine:
        assert row.scopes == ["granular"]
        for scope in row.granular_scopes:
            assert set(scope) == {"access", "permissions", "project_id", "group_id"}
            if scope["access"] != "selected_memberships":
                assert (scope["project_id"], scope["group_id"]) == (None, None)
            else:  # one boundary per entry: exactly one of the two ids
                assert (scope["project_id"] is None) != (scope["group_id"] is None)
    persona = next(row for row in fine if row.name == "dashboard reader (fine-grained)")
    fetched = gl.personal_access_tokens.get(persona.id)
    assert fetched.granular_scopes == persona.granular_scopes
    assert {s["access"] for s in fetched.granular_scopes} == {"user", "instance", "all_memberships"}


@pytest.mark.parametrize(
    ("version", "shown"), [("19.2.0", False), ("19.5.0", True), ("19.6", True)]
)
def test_self_shows_granular_scopes_from_19_5(
    make_sandbox: SandboxFactory, version: str, shown: bool
) -> None:
    sandbox = make_sandbox(version=version)
    me = client(sandbox, "fine_grained").personal_access_tokens.get("self")
    assert (me.granular, me.scopes) == (True, ["granular"])
    assert ("granular_scopes" in me.attributes) is shown


@pytest.mark.parametrize(
    ("version", "by_id", "by_self"), [("19.2.0", True, False), ("19.6", True, True)]
)
def test_rotation_keeps_granular_scopes_and_shows_them_by_version(
    make_sandbox: SandboxFactory, version: str, by_id: bool, by_self: bool
) -> None:
    sandbox = make_sandbox(version=version)
    rotating = {
        "access": "user",
        "permissions": ["read_personal_access_token", "rotate_personal_access_token"],
    }
    made = create_own(client(sandbox, "maintainer"), granular_scopes=[rotating])
    rotated = client(sandbox, "maintainer").personal_access_tokens.rotate(made["id"])
    assert rotated["granular"] is True
    assert ("granular_scopes" in rotated) is by_id
    own = gitlab.Gitlab(sandbox.url, private_token=rotated["token"])
    again = own.personal_access_tokens.rotate("self")
    assert ("granular_scopes" in again) is by_self
    kept = client(sandbox, "maintainer").personal_access_tokens.get(again["id"])
    assert kept.granular_scopes == [
        {**rotating, "project_id": None, "group_id": None}
    ]  # the new row keeps its boundaries
    assert kept.expires_at == (TODAY + timedelta(days=7)).isoformat()  # rotation: a week


@pytest.mark.parametrize(("version", "shown"), [("19.2.0", False), ("19.6", True)])
def test_anyone_creates_a_fine_grained_token_for_themselves(
    make_sandbox: SandboxFactory, version: str, shown: bool
) -> None:
    sandbox = make_sandbox(version=version)
    known = ids(sandbox)
    gl = client(sandbox, "developer")  # no administrator: 19.2 opened this to everyone
    selected = {
        "access": "selected_memberships",
        "permissions": ["read_resource_access_token", "read_deploy_token"],
        "project_ids": [known["project:gltui-demo"]],
        "group_ids": [known["group:acme"]],
    }
    made = create_own(gl, granular_scopes=[selected, READ_OWN], expires_at="2027-01-31")
    assert made["token"].startswith("glpat-")
    assert (made["granular"], made["scopes"], made["active"]) == (True, ["granular"], True)
    assert made["expires_at"] == "2027-01-31"
    assert ("granular_scopes" in made) is shown
    listed = gl.personal_access_tokens.get(made["id"]).granular_scopes
    boundary = {"access": "selected_memberships", "permissions": selected["permissions"]}
    assert listed == [  # one entry per boundary, groups before projects
        {**boundary, "project_id": None, "group_id": known["group:acme"]},
        {**boundary, "project_id": known["project:gltui-demo"], "group_id": None},
        {**READ_OWN, "project_id": None, "group_id": None},
    ]


def test_legacy_self_service_tokens_are_unchanged(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    made = create_own(gl, scopes=["k8s_proxy"])
    assert (made["granular"], made["scopes"]) == (False, ["k8s_proxy"])
    assert "granular_scopes" not in made
    status, body = refused(create_own, gl=gl, scopes=["api"])
    assert (status, body) == (400, {"error": "scopes does not have a valid value"})


def test_creation_refusals_read_like_gitlab(sandbox: RunningSandbox) -> None:
    known = ids(sandbox)
    gl = client(sandbox, "maintainer")

    def attempt(**data: Any) -> tuple[int, Any]:
        return refused(create_own, gl=gl, **data)

    assert attempt() == (
        400,
        {"error": "scopes, granular_scopes are missing, exactly one parameter must be provided"},
    )
    both = attempt(scopes=["k8s_proxy"], granular_scopes=[READ_OWN])
    assert both == (400, {"error": "scopes, granular_scopes are mutually exclusive"})
    bad_access = attempt(granular_scopes=[{"access": "everything", "permissions": ["read_job"]}])
    assert bad_access == (400, {"error": "granular_scopes[0][access] does not have a valid value"})
    unknown = {"access": "all_memberships", "permissions": ["read_job", "steal_everything"]}
    assert attempt(granular_scopes=[unknown]) == (
        400,
        {"error": "granular_scopes[0][permissions] does not have a valid value"},
    )
    wrong_boundary = {"access": "user", "permissions": ["read_trigger"]}  # a project permission
    assert attempt(granular_scopes=[READ_OWN, wrong_boundary]) == (
        400,
        {"error": "granular_scopes[1][permissions] does not have a valid value"},
    )
    missing = "granular_scopes[0][access] is missing, granular_scopes[0][permissions] is missing"
    assert attempt(granular_scopes=[{}]) == (400, {"error": missing})
    assert attempt(granular_scopes="user") == (400, {"error": "granular_scopes is invalid"})
    no_ids = {"access": "selected_memberships", "permissions": ["read_job"]}
    empty = (422, {"message": "At least one granular scope must be provided"})
    assert attempt(granular_scopes=[no_ids]) == empty
    assert attempt(granular_scopes=[]) == empty
    bad_ids = {**no_ids, "project_ids": ["one"]}
    assert attempt(granular_scopes=[bad_ids]) == (
        400,
        {"error": "granular_scopes[0][project_ids] is invalid"},
    )
    outsider = {**no_ids, "project_ids": [known["project:gltui-demo"]]}  # mara is no member
    assert attempt(granular_scopes=[outsider]) == (404, {"message": "404 Not Found"})
    twice = {**no_ids, "group_ids": f"{known['group:acme']},{known['group:acme']}"}
    assert attempt(granular_scopes=[twice]) == (
        422,
        {"message": "The token cannot have multiple granular scopes for the same namespace"},
    )
    assert attempt(granular_scopes=[READ_OWN, READ_OWN], name="x") == (
        422,
        {"message": "The token cannot have multiple instance-level granular scopes"},
    )
    late = attempt(granular_scopes=[READ_OWN], expires_at="2030-01-01")
    assert late[0] == 422
    assert late[1]["message"].startswith("Expires at must be before ")


@pytest.mark.parametrize("version", ["16", "18"])
def test_before_19_2_granular_scopes_is_an_unknown_parameter(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    gl = client(sandbox, "maintainer")
    status, body = refused(create_own, gl=gl, granular_scopes=[READ_OWN])
    assert (status, body) == (400, {"error": "scopes is missing"})
    made = create_own(gl, scopes=["k8s_proxy"], granular_scopes=[READ_OWN])  # ignored
    assert made["scopes"] == ["k8s_proxy"]
    assert made.get("granular", False) is False


def test_gitlab_15_cannot_create_own_tokens(make_sandbox: SandboxFactory) -> None:
    gl = client(make_sandbox(version="15"), "maintainer")
    status, body = refused(create_own, gl=gl, granular_scopes=[READ_OWN])
    assert (status, body) == (404, {"error": "404 Not Found"})


@pytest.mark.parametrize("version", ["19.2.0", "19.5.0", "19.6"])
def test_administrators_create_for_others_from_19_6(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    known = ids(sandbox)
    admin = client(sandbox, "admin")
    path = f"/users/{known['user:alice']}/personal_access_tokens"
    platform = {
        "access": "selected_memberships",
        "permissions": ["read_deploy_token"],
        "group_ids": [known["group:platform"]],
    }
    data = {"name": "fg", "granular_scopes": [platform]}
    if version != "19.6":  # Grape does not know the parameter yet
        status, body = refused(admin.http_post, path=path, post_data=data)
        assert (status, body) == (400, {"error": "scopes is missing"})
        return
    made = admin.http_post(path, post_data=data)
    assert isinstance(made, dict)
    assert made["user_id"] == known["user:alice"]
    assert made["granular_scopes"] == [
        {
            "access": "selected_memberships",
            "permissions": ["read_deploy_token"],
            "project_id": None,
            "group_id": known["group:platform"],
        }
    ]
    # the boundary must be the owner's: alice is no member of acme
    acme = {**platform, "group_ids": [known["group:acme"]]}
    status, body = refused(
        admin.http_post, path=path, post_data={"name": "fg", "granular_scopes": [acme]}
    )
    assert (status, body) == (404, {"message": "404 Not Found"})
    both = {"name": "fg", "scopes": ["api"], "granular_scopes": [platform]}
    status, body = refused(admin.http_post, path=path, post_data=both)
    assert (status, body) == (400, {"error": "scopes, granular_scopes are mutually exclusive"})
    status, _ = refused(client(sandbox, "maintainer").http_post, path=path, post_data={"name": "x"})
    assert status == 403  # administrators only, as before


@pytest.mark.parametrize(("version", "shown"), [("18", None), ("19.2.0", False), ("19.6", True)])
def test_impersonation_tokens_can_be_fine_grained_from_19_2(
    make_sandbox: SandboxFactory, version: str, shown: bool | None
) -> None:
    sandbox = make_sandbox(version=version)
    admin = client(sandbox, "admin")
    alice = admin.users.list(username="alice")[0]
    path = f"/users/{alice.id}/impersonation_tokens"
    data = {"name": "fg support", "granular_scopes": [READ_OWN], "expires_at": "2026-12-01"}
    if shown is None:  # 18: unknown parameter, and the model wants scopes
        status, body = refused(admin.http_post, path=path, post_data=data)
        assert (status, body) == (400, {"message": {"scopes": ["can't be blank"]}})
        return
    made = admin.http_post(path, post_data=data)
    assert isinstance(made, dict)
    assert (made["impersonation"], made["granular"], made["scopes"]) == (True, True, ["granular"])
    assert ("granular_scopes" in made) is shown
    listed = {t.id: t for t in alice.impersonationtokens.list(get_all=True)}
    assert ("granular_scopes" in listed[made["id"]].attributes) is shown
    assert admin.personal_access_tokens.get(made["id"]).granular_scopes == [
        {**READ_OWN, "project_id": None, "group_id": None}
    ]  # the PAT API shows them from 19.2
    both = {**data, "scopes": ["api"]}
    status, body = refused(admin.http_post, path=path, post_data=both)
    assert (status, body) == (400, {"error": "scopes, granular_scopes are mutually exclusive"})
    status, body = refused(admin.http_post, path=path, post_data={**data, "granular_scopes": []})
    empty = "400 Bad request - At least one granular scope must be provided"
    assert (status, body) == (400, {"message": empty})
