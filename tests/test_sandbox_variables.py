"""Project and group CI/CD variables through python-gitlab (and raw HTTP for exact bodies)."""

from __future__ import annotations

from typing import Any

import gitlab
import pytest
from gitlab.v4.objects import GroupVariable, ProjectVariable

from gltui.sandbox.server import RunningSandbox
from tests.conftest import SandboxFactory, call, client

FIELDS = [
    "variable_type",
    "key",
    "value",
    "hidden",
    "protected",
    "masked",
    "raw",
    "environment_scope",
    "description",
]
AMBIGUOUS = (
    "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'"
)


def _project(sandbox: RunningSandbox, path: str, persona: str = "maintainer") -> Any:
    return client(sandbox, persona).projects.get(path, lazy=True)


def _group(sandbox: RunningSandbox, path: str, persona: str = "maintainer") -> Any:
    return client(sandbox, persona).groups.get(path, lazy=True)


def _raw(sandbox: RunningSandbox, method: str, path: str, body: object = None) -> Any:
    return call(
        sandbox.url, method, f"/api/v4/{path}", token=sandbox.credentials.maintainer, body=body
    )


def _create_error(manager: Any, data: dict[str, Any]) -> gitlab.GitlabCreateError:
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        manager.create(data)
    return caught.value


# --- the seed ------------------------------------------------------------------------
def test_seeded_project_variables_every_field(sandbox: RunningSandbox) -> None:
    website = _project(sandbox, "acme/website")
    found = {v.key: v for v in website.variables.list(get_all=True)}
    assert set(found) == {"DEPLOY_BOT_TOKEN", "RELEASE_BOT_TOKEN", "SITE_URL", "KUBECONFIG"}
    hidden = found["DEPLOY_BOT_TOKEN"]
    assert hidden.value is None  # masked and hidden: never shown again
    assert (hidden.hidden, hidden.masked, hidden.protected) == (True, True, True)
    kube = found["KUBECONFIG"]
    assert (kube.variable_type, kube.raw, kube.environment_scope) == ("file", True, "production")
    assert kube.description == "kubectl configuration"
    assert kube.value.startswith("apiVersion: v1\n")
    site = found["SITE_URL"]
    assert (site.masked, site.protected, site.raw, site.hidden) == (False, False, False, False)
    assert (site.environment_scope, site.description) == ("*", None)
    listing = _raw(sandbox, "GET", "projects/acme%2Fwebsite/variables")
    assert listing.status == 200
    assert [list(row) for row in listing.json()] == [FIELDS] * 4  # GitLab's field order


def test_seeded_values_identify_their_tokens(sandbox: RunningSandbox) -> None:
    """A masked variable's value is returned to maintainers (masking is for job logs) and
    is the token's real value: ``/personal_access_tokens/self`` names the token."""
    worker = _project(sandbox, "acme/backend/worker")
    renovate = worker.variables.get("RENOVATE_TOKEN")
    assert (renovate.masked, renovate.protected) == (True, True)
    assert renovate.value.startswith("glpat-")
    own = gitlab.Gitlab(sandbox.url, private_token=renovate.value)
    token = own.personal_access_tokens.get("self")
    assert token.name == "renovate"
    assert token.active is True  # the successor of a rotation, not the revoked original
    queue = worker.variables.get("QUEUE_ADMIN_TOKEN").value
    assert gitlab.Gitlab(sandbox.url, private_token=queue).personal_access_tokens.get(
        "self"
    ).name == ("queue admin")
    group_ci = _group(sandbox, "acme").variables.get("GROUP_CI_TOKEN").value
    assert gitlab.Gitlab(sandbox.url, private_token=group_ci).personal_access_tokens.get(
        "self"
    ).name == ("group ci")
    api = _project(sandbox, "acme/backend/api")
    sonar = api.variables.get("SONAR_TOKEN").value  # an expired token
    expired = call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=sonar)
    assert expired.status == 401
    assert expired.json()["error_description"].startswith("Token is expired")
    stale = api.variables.get("JIRA_TOKEN", filter={"environment_scope": "staging"}).value
    assert stale.startswith("glpat-")  # looks like a token, is none
    unknown = call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=stale)
    assert unknown.json() == {"message": "401 Unauthorized"}
    terraform = _project(sandbox, "platform/infra").variables.get("TF_HTTP_PASSWORD")
    assert (terraform.environment_scope, terraform.protected) == ("production", True)


def test_seed_is_the_same_for_the_same_seed(make_sandbox: SandboxFactory) -> None:
    def shape(sandbox: RunningSandbox) -> list[tuple[object, ...]]:
        with sandbox.store.lock:
            rows = sandbox.store.variables.rows.values()
            return [(v.owner, v.key, v.environment_scope, v.masked, v.hidden) for v in rows]

    first, second = make_sandbox(seed=5), make_sandbox(seed=5)
    assert shape(first) == shape(second)
    assert len(shape(first)) == 15


# --- create, read, update, delete ----------------------------------------------------
def test_project_variable_round_trip(sandbox: RunningSandbox) -> None:
    variables = _project(sandbox, "acme/website").variables
    created = variables.create(
        {
            "key": "NEW_SECRET",
            "value": "s3cr3t-value+/=@:.~",
            "variable_type": "file",
            "protected": True,
            "masked": True,
            "raw": False,
            "environment_scope": "review/*",
            "description": "for review apps",
        }
    )
    assert isinstance(created, ProjectVariable)
    assert {k: v for k, v in created.attributes.items() if k != "project_id"} == {
        "variable_type": "file",
        "key": "NEW_SECRET",
        "value": "s3cr3t-value+/=@:.~",
        "hidden": False,
        "protected": True,
        "masked": True,
        "raw": False,
        "environment_scope": "review/*",
        "description": "for review apps",
    }
    fetched = variables.get("NEW_SECRET")
    assert fetched.value == "s3cr3t-value+/=@:.~"
    fetched.value = "another-value-1234"
    fetched.description = "changed"
    fetched.save()
    again = variables.get("NEW_SECRET")
    assert (again.value, again.description, again.masked) == ("another-value-1234", "changed", True)
    assert again.environment_scope == "review/*"  # untouched attributes stay
    again.delete()
    with pytest.raises(gitlab.GitlabGetError) as caught:
        variables.get("NEW_SECRET")
    assert caught.value.response_code == 404


def test_defaults_and_status_codes(sandbox: RunningSandbox) -> None:
    reply = _raw(sandbox, "POST", "projects/acme%2Fwebsite/variables", {"key": " K1 ", "value": ""})
    assert reply.status == 201
    assert reply.json() == {
        "variable_type": "env_var",
        "key": "K1",  # stripped, as the model's key= does
        "value": "",
        "hidden": False,
        "protected": False,
        "masked": False,
        "raw": False,
        "environment_scope": "*",
        "description": None,
    }
    put = _raw(sandbox, "PUT", "projects/acme%2Fwebsite/variables/K1", {"protected": True})
    assert (put.status, put.json()["protected"], put.json()["value"]) == (200, True, "")
    gone = _raw(sandbox, "DELETE", "projects/acme%2Fwebsite/variables/K1")
    assert (gone.status, gone.text) == (204, "")


def test_group_variable_round_trip(sandbox: RunningSandbox) -> None:
    variables = _group(sandbox, "acme").variables
    created = variables.create(
        {"key": "GROUP_THING", "value": "v", "raw": True, "description": "d"}
    )
    assert isinstance(created, GroupVariable)
    assert (created.raw, created.description, created.hidden) == (True, "d", False)
    assert "GROUP_THING" in {v.key for v in variables.list(get_all=True)}
    variables.update("GROUP_THING", {"value": "w", "variable_type": "file"})
    fetched = variables.get("GROUP_THING")
    assert (fetched.value, fetched.variable_type) == ("w", "file")
    variables.delete("GROUP_THING")
    reply = _raw(sandbox, "GET", "groups/acme/variables/GROUP_THING")
    assert (reply.status, reply.json()) == (404, {"message": "404 GroupVariable Not Found"})


# --- masking, hiding, raw ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "raw", "accepted"),
    [
        ("12345678", False, True),  # exactly 8: the minimum
        ("1234567", False, False),
        ("a+b/c=d@e:f.g~h_i-j", False, True),  # the whole expanded alphabet
        ("has#hash", False, False),  # outside it while expanded...
        ("has#hash", True, True),  # ...fine when raw: any 8 non-space characters
        ("$VARIABLE_ref", True, True),
        ("has space", True, False),
        ("two\nlines", True, False),
        ("1234567", True, False),
        ("tab\tinside", False, False),
    ],
)
def test_masked_value_rule(sandbox: RunningSandbox, value: str, raw: bool, accepted: bool) -> None:
    variables = _project(sandbox, "acme/website").variables
    data = {"key": "MASKED_CASE", "value": value, "masked": True, "raw": raw}
    if accepted:
        assert variables.create(data).value == value
        return
    error = _create_error(variables, data)
    assert error.response_code == 400
    reply = _raw(sandbox, "POST", "projects/acme%2Fwebsite/variables", data)
    assert reply.json() == {"message": {"value": ["is invalid"]}}


def test_masking_an_existing_variable_checks_its_value(sandbox: RunningSandbox) -> None:
    variables = _project(sandbox, "acme/website").variables
    variables.create({"key": "SHORT", "value": "abc"})
    reply = _raw(sandbox, "PUT", "projects/acme%2Fwebsite/variables/SHORT", {"masked": True})
    assert (reply.status, reply.json()) == (400, {"message": {"value": ["is invalid"]}})
    assert variables.get("SHORT").masked is False  # nothing was stored
    variables.update("SHORT", {"value": "long-enough", "masked": True})
    assert variables.get("SHORT").masked is True


def test_hidden_variables_never_show_their_value(sandbox: RunningSandbox) -> None:
    variables = _project(sandbox, "acme/website").variables
    created = variables.create(
        {"key": "HIDDEN_ONE", "value": "hidden-value-123", "masked_and_hidden": True}
    )
    assert (created.value, created.hidden, created.masked) == (None, True, True)
    assert variables.get("HIDDEN_ONE").value is None
    listed = {v.key: v for v in variables.list(get_all=True)}
    assert listed["HIDDEN_ONE"].value is None
    # the value can still be replaced (and is still not shown)
    variables.update("HIDDEN_ONE", {"value": "replaced-value-456", "masked": True})
    assert variables.get("HIDDEN_ONE").value is None
    with sandbox.store.lock:
        stored = [v for v in sandbox.store.variables.rows.values() if v.key == "HIDDEN_ONE"]
    assert stored[0].value == "replaced-value-456"
    # but it cannot be un-masked or un-hidden
    reply = _raw(sandbox, "PUT", "projects/acme%2Fwebsite/variables/HIDDEN_ONE", {"masked": False})
    assert reply.status == 400
    assert reply.json() == {
        "message": {
            "base": ["The visibility setting cannot be changed for masked and hidden variables."]
        }
    }
    # ``hidden`` is no parameter of the update: sending it changes nothing
    kept = _raw(sandbox, "PUT", "projects/acme%2Fwebsite/variables/HIDDEN_ONE", {"hidden": False})
    assert (kept.status, kept.json()["hidden"], kept.json()["value"]) == (200, True, None)
    # and a hidden value must meet the masking rule
    short = _raw(
        sandbox,
        "POST",
        "projects/acme%2Fwebsite/variables",
        {"key": "HIDDEN_SHORT", "value": "short", "masked_and_hidden": True},
    )
    assert short.json() == {"message": {"value": ["is invalid"]}}


def test_masked_and_hidden_false_leaves_masked_as_sent(sandbox: RunningSandbox) -> None:
    variables = _group(sandbox, "acme").variables
    plain = variables.create({"key": "NOT_HIDDEN", "value": "x", "masked_and_hidden": False})
    assert (plain.masked, plain.hidden, plain.value) == (False, False, "x")


# --- environment scopes ----------------------------------------------------------------
def test_environment_scopes_and_filter(sandbox: RunningSandbox) -> None:
    variables = _project(sandbox, "acme/website").variables
    variables.create({"key": "SCOPED", "value": "everywhere"})
    variables.create({"key": "SCOPED", "value": "in-production", "environment_scope": "production"})
    with pytest.raises(gitlab.GitlabGetError) as caught:
        variables.get("SCOPED")
    assert (caught.value.response_code, caught.value.error_message) == (409, AMBIGUOUS)
    production = variables.get("SCOPED", filter={"environment_scope": "production"})
    assert production.value == "in-production"
    variables.update(
        "SCOPED", {"value": "new-production"}, filter={"environment_scope": "production"}
    )
    assert variables.get("SCOPED", filter={"environment_scope": "*"}).value == "everywhere"
    assert (
        variables.get("SCOPED", filter={"environment_scope": "production"}).value
        == "new-production"
    )
    with pytest.raises(gitlab.GitlabUpdateError) as ambiguous:
        variables.update("SCOPED", {"value": "which?"})
    assert ambiguous.value.response_code == 409
    with pytest.raises(gitlab.GitlabDeleteError) as unscoped:
        variables.delete("SCOPED")
    assert unscoped.value.response_code == 409
    missing = _raw(
        sandbox, "GET", "projects/acme%2Fwebsite/variables/SCOPED?filter[environment_scope]=staging"
    )
    assert (missing.status, missing.json()) == (404, {"message": "404 Variable Not Found"})
    variables.delete("SCOPED", filter={"environment_scope": "production"})
    assert variables.get("SCOPED").value == "everywhere"  # one left: no filter needed


def test_filter_in_a_json_body(sandbox: RunningSandbox) -> None:
    api = "projects/acme%2Fbackend%2Fapi/variables/JIRA_TOKEN"
    reply = _raw(
        sandbox, "PUT", api, {"description": "x", "filter": {"environment_scope": "staging"}}
    )
    assert (reply.status, reply.json()["environment_scope"]) == (200, "staging")
    bad = _raw(sandbox, "PUT", api, {"value": "x", "filter": "staging"})
    assert (bad.status, bad.json()) == (400, {"error": "filter is invalid"})


def test_group_filter_and_its_quirks(sandbox: RunningSandbox) -> None:
    variables = _group(sandbox, "acme").variables
    variables.create({"key": "G_SCOPED", "value": "first"})
    variables.create({"key": "G_SCOPED", "value": "second", "environment_scope": "staging"})
    with pytest.raises(gitlab.GitlabGetError) as caught:
        variables.get("G_SCOPED")
    assert caught.value.response_code == 409
    assert variables.get("G_SCOPED", filter={"environment_scope": "staging"}).value == "second"
    # PUT without a filter updates the first row with the key (GitLab keeps this for
    # compatibility, MR 136475) ...
    variables.update("G_SCOPED", {"value": "first-updated"})
    assert variables.get("G_SCOPED", filter={"environment_scope": "*"}).value == "first-updated"
    # ... and a filter naming no scope falls back to it too: read back to be sure
    variables.update("G_SCOPED", {"value": "surprise"}, filter={"environment_scope": "nope"})
    assert variables.get("G_SCOPED", filter={"environment_scope": "*"}).value == "surprise"
    assert variables.get("G_SCOPED", filter={"environment_scope": "staging"}).value == "second"
    with pytest.raises(gitlab.GitlabGetError) as unmatched:
        variables.get("G_SCOPED", filter={"environment_scope": "nope"})
    assert unmatched.value.response_code == 404


def test_duplicate_key_and_scope(sandbox: RunningSandbox) -> None:
    variables = _project(sandbox, "acme/backend/api").variables
    error = _create_error(variables, {"key": "SONAR_TOKEN", "value": "again"})
    assert error.response_code == 400
    reply = _raw(
        sandbox,
        "POST",
        "projects/acme%2Fbackend%2Fapi/variables",
        {"key": "SONAR_TOKEN", "value": "x"},
    )
    assert reply.json() == {"message": {"key": ["(SONAR_TOKEN) has already been taken"]}}
    other_scope = variables.create(
        {"key": "SONAR_TOKEN", "value": "x", "environment_scope": "review/*"}
    )
    assert other_scope.environment_scope == "review/*"
    moved = _raw(
        sandbox,
        "PUT",
        "projects/acme%2Fbackend%2Fapi/variables/JIRA_TOKEN?filter[environment_scope]=staging",
        {"environment_scope": "production"},
    )
    assert moved.json() == {"message": {"key": ["(JIRA_TOKEN) has already been taken"]}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"key": "bad key", "value": "x"},
            {"message": {"key": ["can contain only letters, digits and '_'."]}},
        ),
        (
            {"key": "", "value": "x"},
            {"message": {"key": ["can't be blank", "can contain only letters, digits and '_'."]}},
        ),
        (
            {"key": "K" * 256, "value": "x"},
            {"message": {"key": ["is too long (maximum is 255 characters)"]}},
        ),
        (
            {"key": "OK", "value": "x", "environment_scope": "prod!"},
            {
                "message": {
                    "environment_scope": [
                        "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', "
                        "'*' and spaces"
                    ]
                }
            },
        ),
        (
            {"key": "OK", "value": "x", "description": "d" * 256},
            {"message": {"description": ["is too long (maximum is 255 characters)"]}},
        ),
        (
            {"key": "bad-key", "value": "short", "masked": True},
            {
                "message": {
                    "key": ["can contain only letters, digits and '_'."],
                    "value": ["is invalid"],
                }
            },
        ),
        ({"value": "x"}, {"error": "key is missing"}),
        ({}, {"error": "key is missing, value is missing"}),
        (
            {"key": "OK", "value": "x", "variable_type": "secret"},
            {"error": "variable_type does not have a valid value"},
        ),
        ({"key": "OK", "value": "x", "masked": "perhaps"}, {"error": "masked is invalid"}),
    ],
)
def test_validation_errors(sandbox: RunningSandbox, body: dict[str, Any], expected: object) -> None:
    reply = _raw(sandbox, "POST", "projects/acme%2Fwebsite/variables", body)
    assert (reply.status, reply.json()) == (400, expected)


def test_key_at_the_length_limit(sandbox: RunningSandbox) -> None:
    created = _project(sandbox, "acme/website").variables.create({"key": "K" * 255, "value": "x"})
    assert len(created.key) == 255
