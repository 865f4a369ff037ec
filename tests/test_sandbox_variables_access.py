"""Who may use CI/CD variables, the 404s, pagination and the version gates."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from tests.conftest import SandboxFactory, call, client


def _project(sandbox: RunningSandbox, path: str, persona: str = "maintainer") -> Any:
    return client(sandbox, persona).projects.get(path, lazy=True)


def _group(sandbox: RunningSandbox, path: str, persona: str = "maintainer") -> Any:
    return client(sandbox, persona).groups.get(path, lazy=True)


def _raw(sandbox: RunningSandbox, method: str, path: str, body: object = None) -> Any:
    return call(
        sandbox.url, method, f"/api/v4/{path}", token=sandbox.credentials.maintainer, body=body
    )


# --- who may ------------------------------------------------------------------------
def test_developer_may_not_touch_project_variables(sandbox: RunningSandbox) -> None:
    website = _project(sandbox, "acme/website", persona="developer")
    with pytest.raises(gitlab.GitlabListError) as listing:
        website.variables.list()
    assert listing.value.response_code == 403
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/variables",
        token=sandbox.credentials.developer,
        body={},  # the role is checked before the parameters, as GitLab's before block does
    )
    assert (reply.status, reply.json()) == (403, {"message": "403 Forbidden"})
    demo = _project(sandbox, "opensource/gltui-demo", persona="developer")
    with pytest.raises(gitlab.GitlabGetError) as caught:
        demo.variables.get("DEMO_CI_TOKEN")
    assert caught.value.response_code == 403


def test_group_variables_need_the_owner(sandbox: RunningSandbox) -> None:
    # Mara maintains platform (403 on its group variables) but may manage its projects'
    platform = _group(sandbox, "platform")
    with pytest.raises(gitlab.GitlabListError) as caught:
        platform.variables.list()
    assert caught.value.response_code == 403
    with pytest.raises(gitlab.GitlabCreateError):
        platform.variables.create({"key": "NOPE", "value": "x"})
    assert _project(sandbox, "platform/infra").variables.list(get_all=True)
    # she owns acme, and so acme/backend through it
    assert {v.key for v in _group(sandbox, "acme/backend").variables.list()} == {"RELEASE_TOKEN"}
    admin = client(sandbox, "admin").groups.get("platform", lazy=True)
    assert {v.key for v in admin.variables.list()} == {"AUDIT_TOKEN"}


def test_unknown_places_and_keys(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.maintainer
    for path, body in [
        ("/api/v4/projects/999/variables", {"message": "404 Project Not Found"}),
        ("/api/v4/groups/999/variables", {"message": "404 Group Not Found"}),
        ("/api/v4/projects/acme%2Fwebsite/variables/NOPE", {"message": "404 Variable Not Found"}),
        ("/api/v4/groups/acme/variables/NOPE", {"message": "404 GroupVariable Not Found"}),
    ]:
        reply = call(sandbox.url, "GET", path, token=token)
        assert (reply.status, reply.json()) == (404, body), path
    for method in ("PUT", "DELETE"):
        for path in ("projects/acme%2Fwebsite/variables/NOPE", "groups/acme/variables/NOPE"):
            assert _raw(sandbox, method, path, {"value": "x"}).status == 404
    private = call(sandbox.url, "GET", "/api/v4/groups/acme/variables", token=None)
    assert private.status == 401


def test_read_only_token_reads_but_does_not_write(sandbox: RunningSandbox) -> None:
    website = _project(sandbox, "acme/website", persona="readonly")
    assert website.variables.list(get_all=True)
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/variables",
        token=sandbox.credentials.readonly,
        body={"key": "X", "value": "y"},
    )
    assert (reply.status, reply.json()["error"]) == (403, "insufficient_scope")


# --- pagination -----------------------------------------------------------------------
def test_pagination(sandbox: RunningSandbox) -> None:
    variables = _group(sandbox, "acme/backend").variables
    for number in range(24):
        variables.create({"key": f"PAGED_{number:02d}", "value": str(number)})
    reply = _raw(sandbox, "GET", "groups/acme%2Fbackend/variables?per_page=10&page=2")
    assert reply.status == 200
    assert (reply.headers["X-Total"], reply.headers["X-Total-Pages"]) == ("25", "3")
    assert (reply.headers["X-Page"], reply.headers["X-Next-Page"]) == ("2", "3")
    assert [row["key"] for row in reply.json()] == [f"PAGED_{n:02d}" for n in range(9, 19)]
    everything = variables.list(get_all=True, per_page=10)
    assert len(everything) == 25
    assert everything[0].key == "RELEASE_TOKEN"  # by id: the seeded one first
    first_page = variables.list(per_page=20, get_all=False)
    assert len(first_page) == 20


# --- versions --------------------------------------------------------------------------
def test_old_versions_lack_hidden_raw_and_description(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15")
    website = quote("acme/website", safe="")
    listing = _raw(sandbox, "GET", f"projects/{website}/variables").json()
    assert [list(row) for row in listing] == [
        ["variable_type", "key", "value", "protected", "masked", "environment_scope"]
    ] * 4
    hidden = next(row for row in listing if row["key"] == "DEPLOY_BOT_TOKEN")
    assert hidden["value"].startswith("glpat-")  # no hidden variables before 17.4
    created = _raw(
        sandbox,
        "POST",
        f"projects/{website}/variables",
        {"key": "OLD", "value": "has#hash1", "masked_and_hidden": True, "raw": True},
    )
    # both parameters are unknown to 15.0 and ignored: a plain, visible variable
    assert created.status == 201
    assert created.json() == {
        "variable_type": "env_var",
        "key": "OLD",
        "value": "has#hash1",
        "protected": False,
        "masked": False,
        "environment_scope": "*",
    }


def test_masked_raw_values_before_the_relaxed_rule(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15.8.0")
    reply = _raw(
        sandbox,
        "POST",
        "projects/acme%2Fwebsite/variables",
        {"key": "RAW_MASKED", "value": "has#hash1", "masked": True, "raw": True},
    )
    assert (reply.status, reply.json()) == (400, {"message": {"value": ["is invalid"]}})


def test_group_filter_arrives_in_16_9(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="16.8.0")
    variables = _group(sandbox, "acme").variables
    variables.create({"key": "G", "value": "first"})
    variables.create({"key": "G", "value": "second", "environment_scope": "staging"})
    # no 409 and no filter: the first row with the key, whatever the filter says
    assert variables.get("G").value == "first"
    assert variables.get("G", filter={"environment_scope": "staging"}).value == "first"
    variables.delete("G")
    assert variables.get("G").value == "second"


def test_fine_grained_tokens_are_refused(sandbox: RunningSandbox) -> None:
    """No fine-grained permission covers CI/CD variables here, so the route refuses them
    as GitLab's routes without ``route_setting :authorization`` do."""
    token = sandbox.credentials.fine_grained
    assert token is not None
    reply = call(sandbox.url, "GET", "/api/v4/projects/acme%2Fwebsite/variables", token=token)
    assert (reply.status, reply.json()["error"]) == (403, "insufficient_granular_scope")
