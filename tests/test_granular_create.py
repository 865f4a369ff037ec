"""Creating fine-grained tokens, without sockets: the version gates, the plan the pane and
the CLI share, the write side over the fake port, and GitLab's refusals in plain words."""

from __future__ import annotations

import json
from datetime import date

import pytest
from gitlab import exceptions as gitlab_errors

from gltui.actions.explain import explain_create, explain_revoke
from gltui.actions.plan import Where, plan_create, prefers_fine_grained
from gltui.actions.service import ActionError, FineGrainedUnavailable, TokenActions
from gltui.adapters.endpoints import FineGrainedUnsupported, NotPossible, create_path
from gltui.adapters.errors import from_http_error
from gltui.adapters.wire import is_missing_route
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.templates import BUILTIN_TEMPLATES, CreateRequest, render_template
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec
from tests.fake_port import FakePort

TODAY = date(2026, 11, 21)
TEMPLATES = {template.id: template for template in BUILTIN_TEMPLATES}
WEBSITE = Resource(ResourceType.PROJECT, 6, "acme/website")
SPEC = InstanceSpec("fake", "https://gitlab.example", Secret("glpat-" + "x" * 20))
ME = 2


def fine(template: str = "jira-commits", *places: Resource) -> CreateRequest:
    return render_template(
        TEMPLATES[template],
        TokenKind.PERSONAL,
        today=TODAY,
        is_admin=False,
        fine_grained=True,
        memberships=places or (WEBSITE,),
    )


def legacy(template: str = "jira-commits") -> CreateRequest:
    return render_template(TEMPLATES[template], TokenKind.PERSONAL, today=TODAY, is_admin=False)


# --- the version gates ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["19.2.0", "19.6.0-ee", "20.0.1", None])
def test_anyone_creates_their_own_fine_grained_token_from_19_2(version: str | None) -> None:
    for is_admin in (False, True):
        path = create_path(fine(), user_id=ME, is_admin=is_admin, version=version, own_user_id=ME)
        assert path == "/user/personal_access_tokens"


@pytest.mark.parametrize("version", ["19.1.3", "18.6.2", "16.11.10", "15.0.5"])
def test_before_19_2_no_fine_grained_token_is_made(version: str) -> None:
    with pytest.raises(FineGrainedUnsupported, match=r"need GitLab 19\.2 or later"):
        create_path(fine(), user_id=ME, is_admin=False, version=version, own_user_id=ME)


def test_an_admin_makes_someone_elses_fine_grained_token_from_19_6() -> None:
    assert (
        create_path(fine(), user_id=9, is_admin=True, version="19.6.0", own_user_id=ME)
        == "/users/9/personal_access_tokens"
    )
    with pytest.raises(FineGrainedUnsupported, match=r"from GitLab 19\.6"):
        create_path(fine(), user_id=9, is_admin=True, version="19.5.2", own_user_id=ME)
    with pytest.raises(NotPossible, match="only administrators"):
        create_path(fine(), user_id=9, is_admin=False, version="19.6.0", own_user_id=ME)
    # legacy tokens keep today's paths
    assert create_path(legacy(), user_id=9, is_admin=True) == "/users/9/personal_access_tokens"
    with pytest.raises(NotPossible, match="prefilled form"):
        create_path(legacy(), user_id=ME, is_admin=False, version="19.6.0")


# --- the plan -------------------------------------------------------------------------------


def where(version: str | None, *, admin: bool = False) -> Where:
    return Where("https://gitlab.example", ME, admin, version)


@pytest.mark.parametrize(
    ("version", "admin", "expected"),
    [
        ("19.6.0", False, True),
        ("19.2.0", False, True),
        ("19.2.0", True, True),
        (None, False, True),  # unknown: try, and let GitLab's answer say no
        ("19.1.9", False, False),
        ("18.6.2", True, False),
    ],
)
def test_fine_grained_is_the_default_where_the_instance_makes_it(
    version: str | None, admin: bool, expected: bool
) -> None:
    template = TEMPLATES["analytics-read"]
    assert (
        prefers_fine_grained(template, TokenKind.PERSONAL, where(version, admin=admin)) is expected
    )
    assert not prefers_fine_grained(template, TokenKind.PROJECT, where(version, admin=admin))
    other = prefers_fine_grained(
        template, TokenKind.PERSONAL, where("19.5.0", admin=True), for_other_user=True
    )
    assert other is False


def test_the_plan_shows_the_exact_request_without_a_secret() -> None:
    plan = plan_create(fine(), where("19.6.0"))
    assert plan.path == "/user/personal_access_tokens"
    method, body = plan.preview().split("\n", 1)
    assert method == "POST /api/v4/user/personal_access_tokens"
    assert json.loads(body) == {
        "name": "jira-commits",
        "granular_scopes": [
            {
                "access": "selected_memberships",
                "permissions": ["read_project", "read_commit", "read_branch", "read_merge_request"],
                "project_ids": [6],
            }
        ],
        "expires_at": "2027-11-21",
        "description": TEMPLATES["jira-commits"].description,
    }
    assert "token" not in json.loads(body)


@pytest.mark.parametrize(
    ("version", "section"), [("18.6.2", "user_settings"), ("15.0.5", "profile")]
)
def test_older_instances_keep_the_prefilled_form(version: str, section: str) -> None:
    plan = plan_create(legacy(), where(version))
    assert plan.path is None
    assert plan.form_url == (
        f"https://gitlab.example/-/{section}/personal_access_tokens?name=jira-commits&scopes=read_api"
    )
    assert "only administrators" in plan.preview()
    too_old = plan_create(fine(), where(version))
    assert too_old.needs_legacy
    assert too_old.path is None
    assert too_old.form_url is None


# --- the write side over the port ------------------------------------------------------------


def actions(port: FakePort, version: str | None = "19.6.0", *, admin: bool = False) -> TokenActions:
    identity = Identity(ME, "mara", admin, version)
    return TokenActions(SPEC, identity, connect=lambda spec: port)


def port() -> FakePort:
    return FakePort(me={"id": ME, "username": "mara", "is_admin": False})


def test_a_fine_grained_token_is_created_over_the_api() -> None:
    fake = port()
    issued = actions(fake).create(fine())
    ((path, body),) = fake.created
    assert path == "/user/personal_access_tokens"
    assert "scopes" not in body
    assert body["granular_scopes"] == [grant.payload() for grant in fine().granular or ()]
    assert issued.token.is_fine_grained
    assert issued.secret.reveal() == "x"


def test_an_admin_replaces_someone_elses_fine_grained_token_on_19_6_only() -> None:
    fake = port()
    actions(fake, admin=True).create(fine(), for_user=9)
    assert fake.created[0][0] == "/users/9/personal_access_tokens"
    with pytest.raises(FineGrainedUnavailable, match=r"from GitLab 19\.6"):
        actions(port(), "19.4.0", admin=True).create(fine(), for_user=9)


def test_a_404_where_the_route_should_be_falls_back() -> None:
    fake = port()
    fake.failures["/user/personal_access_tokens"] = Failure(
        FailureKind.NOT_FOUND, "404 while creating a token: GitLab has no such route", 404
    )
    with pytest.raises(FineGrainedUnavailable, match="cannot create them over the API yet"):
        actions(fake, version=None).create(fine())


def test_a_404_about_a_chosen_project_is_not_taken_for_a_missing_route() -> None:
    fake = port()
    fake.failures["/user/personal_access_tokens"] = Failure(
        FailureKind.NOT_FOUND, "404 while creating a token: 404 Not Found", 404
    )
    with pytest.raises(ActionError) as raised:
        actions(fake).create(fine())
    assert not isinstance(raised.value, FineGrainedUnavailable)


# --- GitLab's refusals -----------------------------------------------------------------------


def http_error(status: int, body: dict[str, object]) -> gitlab_errors.GitlabHttpError:
    return gitlab_errors.GitlabHttpError(
        response_code=status, response_body=json.dumps(body).encode()
    )


def test_a_fine_grained_refusal_is_its_own_kind_and_does_not_stop_the_instance() -> None:
    said = (
        "Access denied: This operation requires a fine-grained personal access token with "
        "the following project permissions: [Deploy Token: Read]."
    )
    failure = from_http_error(
        http_error(403, {"error": "insufficient_granular_scope", "error_description": said}),
        "listing deploy tokens",
    )
    assert failure.kind is FailureKind.MISSING_PERMISSION
    assert "[Deploy Token: Read]" in failure.message
    assert not failure.stops_the_instance
    assert "gltui config check" in failure.advice


def test_a_missing_route_is_told_from_a_missing_thing() -> None:
    route = from_http_error(http_error(404, {"error": "404 Not Found"}), "creating a token")
    thing = from_http_error(http_error(404, {"message": "404 Project Not Found"}), "x")
    assert is_missing_route(route)
    assert not is_missing_route(thing)


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (
            400,
            "granular_scopes[0][permissions] does not have a valid value",
            "GitLab refused a permission or boundary of the fine-grained token",
        ),
        (400, "scopes, granular_scopes are mutually exclusive", "GitLab refused the fine-grained"),
        (
            422,
            "At least one granular scope must be provided",
            "GitLab refused the fine-grained token: At least one granular scope",
        ),
    ],
)
def test_gitlabs_validation_errors_are_said_plainly(
    status: int, message: str, expected: str
) -> None:
    failure = Failure(
        FailureKind.BAD_RESPONSE, f"{status} answer while creating a token: {message}", status
    )
    assert explain_create(failure, fine()).startswith(expected)


def test_a_permission_gltuis_own_token_lacks_is_named() -> None:
    failure = Failure(
        FailureKind.MISSING_PERMISSION,
        "the fine-grained token may not do this (creating a token): Access denied: "
        "[User Personal Access Token: Create].",
        403,
    )
    said = explain_create(failure, fine())
    assert "create_user_personal_access_token" in said
    assert "[User Personal Access Token: Create]" in said
    token = Token("w", TokenKind.PERSONAL, 3, "ci", (), False, None)
    assert "may not revoke this" in explain_revoke(failure, token)
    legacy_said = explain_create(failure, legacy())
    assert "fine-grained and may not create this" in legacy_said
