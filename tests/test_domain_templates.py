"""Templates render into the exact request GitLab accepts, or name the field to fix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gltui.domain.access import AccessLevel
from gltui.domain.errors import ValidationError
from gltui.domain.scopes import ScopeRisk, validate_scopes
from gltui.domain.templates import (
    BUILTIN_TEMPLATES,
    Template,
    find_template,
    personal_token_form_url,
    render_template,
    template_from_config,
)
from gltui.domain.tokens import Resource, ResourceType, TokenKind

pytestmark = pytest.mark.usefixtures("local_timezone")  # UTC and two far-off zones

TODAY = date(2026, 11, 21)
PROJECT = Resource(ResourceType.PROJECT, 7, "acme/api")
GROUP = Resource(ResourceType.GROUP, 3, "acme")


def test_builtin_ids_are_the_documented_ones() -> None:
    assert [t.id for t in BUILTIN_TEMPLATES] == [
        "analytics-read",
        "code-insights",
        "jira-commits",
        "jira-dev-panel",
        "cicd-deploy",
    ]


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t.id)
def test_every_builtin_variant_is_valid_for_its_kinds(template: Template) -> None:
    for variant in template.variants:
        for kind in variant.kinds:
            validate_scopes(kind, variant.scopes, is_admin=False)
            if template.read_only:
                assert all(not s.startswith("write_") and s != "api" for s in variant.scopes)


def test_analytics_read_personal_request() -> None:
    template = find_template(BUILTIN_TEMPLATES, "analytics-read")
    request = render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=True)
    assert request.scopes == ("read_repository", "read_api", "read_user", "read_registry")
    assert request.expires_at == TODAY + timedelta(days=365)
    assert request.access_level is None
    assert request.risk is ScopeRisk.READ
    assert request.api_payload() == {
        "name": "analytics-read",
        "scopes": ["read_repository", "read_api", "read_user", "read_registry"],
        "expires_at": "2027-11-21",
        "description": template.description,
    }


def test_analytics_read_project_drops_read_user_and_uses_reporter() -> None:
    template = find_template(BUILTIN_TEMPLATES, "analytics-read")
    request = render_template(
        template, TokenKind.PROJECT, today=TODAY, is_admin=False, resource=PROJECT, name="metrics"
    )
    assert "read_user" not in request.scopes
    assert request.access_level is AccessLevel.REPORTER
    assert request.api_payload()["access_level"] == 20
    assert request.resource == PROJECT
    assert request.name == "metrics"


def test_jira_dev_panel_is_developer_with_api() -> None:
    template = find_template(BUILTIN_TEMPLATES, "jira-dev-panel")
    request = render_template(
        template, TokenKind.PROJECT, today=TODAY, is_admin=False, resource=PROJECT
    )
    assert request.scopes == ("api",)
    assert request.access_level is AccessLevel.DEVELOPER


def test_wrong_kind_names_the_kinds_the_template_suits() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(ValidationError, match="is for personal tokens, not group") as caught:
        render_template(template, TokenKind.GROUP, today=TODAY, is_admin=True, resource=GROUP)
    assert caught.value.field == "kind"


def test_resource_kinds_need_a_matching_target() -> None:
    template = find_template(BUILTIN_TEMPLATES, "analytics-read")
    with pytest.raises(ValidationError, match="choose the project"):
        render_template(template, TokenKind.PROJECT, today=TODAY, is_admin=True)
    with pytest.raises(ValidationError, match="needs a group, not a project"):
        render_template(template, TokenKind.GROUP, today=TODAY, is_admin=True, resource=PROJECT)


def test_read_only_template_refuses_write_scope_override() -> None:
    template = find_template(BUILTIN_TEMPLATES, "jira-commits")
    with pytest.raises(ValidationError, match="'api' would let it write"):
        render_template(
            template, TokenKind.PERSONAL, today=TODAY, is_admin=True, scopes=["read_api", "api"]
        )


def test_sudo_override_for_non_admin_is_refused() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(ValidationError, match="administrators"):
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=False, scopes=["sudo"])


@pytest.mark.parametrize(
    ("lifetime", "expected"),
    [
        (1, TODAY + timedelta(days=1)),
        (14, TODAY + timedelta(days=14)),
        (365, TODAY + timedelta(days=365)),
    ],
)
def test_explicit_lifetime_within_limit(lifetime: int, expected: date) -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    request = render_template(
        template, TokenKind.PERSONAL, today=TODAY, is_admin=True, lifetime_days=lifetime
    )
    assert request.expires_at == expected


def test_explicit_expiry_beyond_limit_is_an_error_naming_the_latest_day() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(
        ValidationError, match=r"limit of 365 days \(latest allowed: 2027-11-21\)"
    ) as caught:
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=True, lifetime_days=366)
    assert caught.value.field == "expires_at"


@pytest.mark.parametrize("expires_at", [TODAY, TODAY - timedelta(days=1)])
def test_expiry_today_or_past_is_refused(expires_at: date) -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(ValidationError, match="not in the future"):
        render_template(
            template, TokenKind.PERSONAL, today=TODAY, is_admin=True, expires_at=expires_at
        )


def test_template_default_is_capped_at_a_lower_instance_limit() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    request = render_template(
        template, TokenKind.PERSONAL, today=TODAY, is_admin=True, max_lifetime_days=90
    )
    assert request.expires_at == TODAY + timedelta(days=90)


def test_unknown_role_is_refused() -> None:
    template = find_template(BUILTIN_TEMPLATES, "analytics-read")
    with pytest.raises(ValidationError, match="unknown role 'boss'"):
        render_template(
            template, TokenKind.PROJECT, today=TODAY, is_admin=True, resource=PROJECT, role="boss"
        )


def test_role_on_personal_token_is_refused() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(ValidationError) as caught:
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=True, role="reporter")
    assert caught.value.field == "role"


def test_name_limits() -> None:
    template = find_template(BUILTIN_TEMPLATES, "cicd-deploy")
    with pytest.raises(ValidationError, match="255"):
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=True, name="x" * 256)
    with pytest.raises(ValidationError, match="empty"):
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=True, name="   ")


def test_unknown_template_suggests_the_closest() -> None:
    with pytest.raises(ValidationError, match="did you mean 'jira-commits'"):
        find_template(BUILTIN_TEMPLATES, "jira-comits")


def test_user_template_from_config() -> None:
    template = template_from_config(
        "grafana",
        {
            "title": "Grafana",
            "kinds": ["personal", "project"],
            "scopes": ["read_api"],
            "role": "reporter",
            "lifetime_days": 90,
            "read_only": True,
        },
    )
    assert not template.builtin
    assert template.kinds == (TokenKind.PERSONAL, TokenKind.PROJECT)
    request = render_template(
        template, TokenKind.PROJECT, today=TODAY, is_admin=False, resource=PROJECT
    )
    assert request.expires_at == TODAY + timedelta(days=90)
    assert request.access_level is AccessLevel.REPORTER


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"scopes": ["read_api"], "scope": ["x"]}, "templates.t.scope", "did you mean 'scopes'"),
        ({"scopes": []}, "templates.t.scopes", "non-empty list"),
        ({"scopes": ["read_api"], "kinds": ["robot"]}, "templates.t.kinds", "unknown kind 'robot'"),
        (
            {"scopes": ["read_user"], "kinds": ["project"]},
            "templates.t.scopes",
            "cannot hold 'read_user'",
        ),
        ({"scopes": ["api"], "read_only": True}, "templates.t.scopes", "cannot hold write scopes"),
        ({"scopes": ["read_api"], "role": "chief"}, "templates.t.role", "unknown role"),
        ({"scopes": ["read_api"], "lifetime_days": 0}, "templates.t.lifetime_days", ">= 1"),
    ],
)
def test_user_template_errors_name_the_field(
    data: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        template_from_config("t", data)
    assert caught.value.field == field


def test_prefilled_form_urls() -> None:
    assert (
        personal_token_form_url(
            "https://gitlab.example.com/", "jira commits", ["read_api", "read_user"]
        )
        == "https://gitlab.example.com/-/user_settings/personal_access_tokens?name=jira%20commits&scopes=read_api,read_user"
    )
    assert personal_token_form_url("https://old.example.com/gitlab", "x", ["api"], legacy=True) == (
        "https://old.example.com/gitlab/-/profile/personal_access_tokens?name=x&scopes=api"
    )
