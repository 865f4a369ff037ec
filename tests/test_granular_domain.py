"""Fine-grained tokens in the domain: permissions, boundaries, grants, templates, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gltui.actions.form import template_like, template_table
from gltui.actions.like import request_like
from gltui.domain.audit import Flag, audit, drift, fine_grained_reasons
from gltui.domain.errors import ValidationError
from gltui.domain.granular import (
    Breadth,
    FineGrainedForm,
    Grant,
    boundary_breadth,
    check_grant,
    grants_of,
    permission_risk,
)
from gltui.domain.scopes import ScopeRisk
from gltui.domain.templates import (
    BUILTIN_TEMPLATES,
    Template,
    render_template,
    template_from_config,
)
from gltui.domain.tokens import (
    Boundary,
    GranularScope,
    Resource,
    ResourceType,
    Token,
    TokenKind,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
TEMPLATES = {template.id: template for template in BUILTIN_TEMPLATES}
WEBSITE = Resource(ResourceType.PROJECT, 6, "acme/website")
ACME = Resource(ResourceType.GROUP, 3, "acme")


def scope(access: str, *permissions: str, project: int | None = None) -> GranularScope:
    return GranularScope(access, permissions, project_id=project)


def fine_grained(*scopes: GranularScope, name: str = "t") -> Token:
    return Token(
        instance="w",
        kind=TokenKind.PERSONAL,
        id=1,
        name=name,
        scopes=("granular",),
        revoked=False,
        expires_at=TODAY + timedelta(days=30),
        created_at=NOW - timedelta(days=10),
        last_used_at=NOW - timedelta(days=1),
        granular_scopes=scopes,
    )


# --- permissions and boundaries -------------------------------------------------------


@pytest.mark.parametrize(
    ("permission", "risk"),
    [
        ("read_job", ScopeRisk.READ),
        ("read_personal_access_token", ScopeRisk.READ),
        ("create_branch", ScopeRisk.WRITE),
        ("delete_deploy_token", ScopeRisk.WRITE),
        ("rotate_personal_access_token", ScopeRisk.WRITE),
        ("revoke_personal_access_token", ScopeRisk.WRITE),
        ("approve_merge_request", ScopeRisk.WRITE),  # an action gltui has never seen
    ],
)
def test_only_read_permissions_are_read(permission: str, risk: ScopeRisk) -> None:
    assert permission_risk(permission) is risk


@pytest.mark.parametrize(
    ("access", "breadth"),
    [
        ("selected_memberships", Breadth.NARROW),
        ("user", Breadth.OWN),
        ("personal_projects", Breadth.OWN),
        ("all_memberships", Breadth.BROAD),
        ("instance", Breadth.BROAD),
        ("organization", Breadth.BROAD),  # a boundary a newer GitLab adds: assume broad
    ],
)
def test_boundary_breadth(access: str, breadth: Breadth) -> None:
    assert boundary_breadth(access) is breadth


def test_a_grant_sends_ids_for_selected_memberships_only() -> None:
    selected = Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (6,), (3,))
    assert selected.payload() == {
        "access": "selected_memberships",
        "permissions": ["read_job"],
        "group_ids": [3],
        "project_ids": [6],
    }
    assert Grant(Boundary.USER, ("read_user",)).payload() == {
        "access": "user",
        "permissions": ["read_user"],
    }
    chosen = Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",)).with_memberships([WEBSITE, ACME])
    assert (chosen.project_ids, chosen.group_ids) == ((6,), (3,))
    fixed = Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (9,))
    assert fixed.with_memberships([WEBSITE]) is fixed  # a grant naming its own ids keeps them


@pytest.mark.parametrize(
    ("grant", "message"),
    [
        (Grant(Boundary.USER, ()), "choose at least one permission"),
        (Grant(Boundary.USER, ("Read Job",)), "is not a permission name"),
        (Grant(Boundary.USER, ("job",)), "is not a permission name"),
        (Grant(Boundary.USER, ("read_user",), (6,)), "belong to selected_memberships"),
        (Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (0,)), "whole numbers from 1"),
    ],
)
def test_bad_grants_are_named(grant: Grant, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_grant("granular_scopes[0]", grant)


def test_a_tokens_scopes_become_grants_one_per_boundary_and_permission_set() -> None:
    grants = grants_of(
        (
            scope("selected_memberships", "read_job", project=6),
            scope("selected_memberships", "read_job", project=7),
            GranularScope("selected_memberships", ("read_job",), group_id=3),
            scope("user", "read_user"),
            scope("galaxy", "read_everything"),  # unknown: cannot be asked for again
        )
    )
    assert grants == (
        Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (6, 7), (3,)),
        Grant(Boundary.USER, ("read_user",)),
    )


# --- built-in templates -----------------------------------------------------------------


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t.id)
def test_every_builtin_has_a_fine_grained_form_that_says_why(template: Template) -> None:
    form = template.fine_grained
    assert form is not None
    assert form.note
    assert "UNCONFIRMED" in form.note
    assert form.needs_memberships  # the narrowest boundary: the projects the user picks
    for grant in form.grants:
        check_grant(template.id, grant)
        assert grant.access in (Boundary.SELECTED_MEMBERSHIPS, Boundary.USER)
    if template.read_only:
        assert form.read_only, "a read-only integration's fine-grained form must not write"


def test_the_write_templates_write_only_what_the_integration_does() -> None:
    dev_panel = TEMPLATES["jira-dev-panel"].fine_grained
    assert dev_panel is not None
    writes = [p for p in dev_panel.permissions if permission_risk(p) is ScopeRisk.WRITE]
    assert writes == ["create_branch", "create_merge_request"]
    deploy = TEMPLATES["cicd-deploy"].fine_grained
    assert deploy is not None
    assert set(deploy.permissions) >= {"create_project", "create_webhook", "create_deploy_key"}


def test_render_a_fine_grained_request() -> None:
    request = render_template(
        TEMPLATES["jira-commits"],
        TokenKind.PERSONAL,
        today=TODAY,
        is_admin=False,
        fine_grained=True,
        memberships=[WEBSITE],
    )
    assert request.is_fine_grained
    assert request.scopes == ()
    assert request.risk is ScopeRisk.READ
    payload = request.api_payload()
    assert "scopes" not in payload  # GitLab takes exactly one of scopes and granular_scopes
    assert payload["granular_scopes"] == [
        {
            "access": "selected_memberships",
            "permissions": ["read_project", "read_commit", "read_branch", "read_merge_request"],
            "project_ids": [6],
        }
    ]
    assert payload["expires_at"] == (TODAY + timedelta(days=365)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({}, "target", "choose the project or group"),
        ({"memberships": [WEBSITE], "kind": TokenKind.PROJECT}, "type", "personal access tokens"),
        ({"memberships": [WEBSITE], "role": "reporter"}, "role", "no role"),
        ({"memberships": [WEBSITE], "expires_at": date(2030, 1, 1)}, "expires_at", "limit"),
    ],
)
def test_fine_grained_render_names_the_field_to_fix(
    changes: dict[str, object], field: str, message: str
) -> None:
    options: dict[str, object] = {"kind": TokenKind.PERSONAL, **changes}
    kind = options.pop("kind")
    assert isinstance(kind, TokenKind)
    with pytest.raises(ValidationError, match=message) as raised:
        render_template(
            TEMPLATES["jira-commits"],
            kind,
            today=TODAY,
            is_admin=False,
            fine_grained=True,
            **options,  # type: ignore[arg-type]
        )
    assert raised.value.field == field


def test_a_template_without_a_fine_grained_form_says_so() -> None:
    legacy = template_from_config("legacy", {"scopes": ["read_api"]})
    assert legacy.fine_grained is None
    with pytest.raises(ValidationError, match="no fine-grained form"):
        render_template(legacy, TokenKind.PERSONAL, today=TODAY, is_admin=False, fine_grained=True)


# --- user templates in the config -------------------------------------------------------


def test_a_user_template_with_both_variants() -> None:
    template = template_from_config(
        "ci-reader",
        {
            "title": "CI reader",
            "kinds": ["personal", "project"],
            "scopes": ["read_api"],
            "read_only": True,
            "granular_note": "jobs only",
            "granular_scopes": [
                {"access": "selected_memberships", "permissions": ["read_job"], "project_ids": [6]},
                {"access": "user", "permissions": ["read_user", "read_user"]},
            ],
        },
    )
    assert template.kinds == (TokenKind.PERSONAL, TokenKind.PROJECT)
    assert template.has_legacy(TokenKind.PERSONAL)
    form = template.fine_grained
    assert form is not None
    assert form.note == "jobs only"
    assert form.grants == (
        Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (6,)),
        Grant(Boundary.USER, ("read_user",)),
    )
    assert not form.needs_memberships  # it names its project: nothing to choose
    request = render_template(
        template, TokenKind.PERSONAL, today=TODAY, is_admin=False, fine_grained=True
    )
    assert request.granular == form.grants


def test_a_fine_grained_only_template_makes_personal_tokens_only() -> None:
    template = template_from_config(
        "jobs", {"granular_scopes": [{"access": "all_memberships", "permissions": ["read_job"]}]}
    )
    assert template.kinds == (TokenKind.PERSONAL,)
    assert not template.has_legacy(TokenKind.PERSONAL)
    with pytest.raises(ValidationError, match="fine-grained personal tokens only") as raised:
        render_template(template, TokenKind.PERSONAL, today=TODAY, is_admin=False)
    assert raised.value.field == "type"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "x"}, "templates.t.scopes", "give scopes"),
        ({"granular_scopes": []}, "templates.t.granular_scopes", "non-empty array of tables"),
        ({"granular_scopes": {"access": "user"}}, "templates.t.granular_scopes", "array"),
        ({"granular_scopes": ["read_job"]}, "templates.t.granular_scopes[0]", "must be a table"),
        (
            {"granular_scopes": [{"permissions": ["read_job"]}]},
            "templates.t.granular_scopes[0].access",
            "is required",
        ),
        (
            {"granular_scopes": [{"access": "everywhere", "permissions": ["read_job"]}]},
            "templates.t.granular_scopes[0].access",
            "use user, instance, all_memberships",
        ),
        (
            {"granular_scopes": [{"access": "user", "permissions": "read_job"}]},
            "templates.t.granular_scopes[0].permissions",
            "must be a list",
        ),
        (
            {"granular_scopes": [{"access": "user", "permissions": ["Read Jobs"]}]},
            "templates.t.granular_scopes[0].permissions",
            "<action>_<resource>",
        ),
        (
            {"granular_scopes": [{"access": "user", "permissions": ["read_job"], "projects": [1]}]},
            "templates.t.granular_scopes[0].projects",
            "did you mean 'project_ids'",
        ),
        (
            {
                "granular_scopes": [
                    {
                        "access": "selected_memberships",
                        "permissions": ["read_job"],
                        "group_ids": ["a"],
                    }
                ]
            },
            "templates.t.granular_scopes[0].group_ids",
            "list of project or group ids",
        ),
        (
            {
                "granular_scopes": [
                    {"access": "user", "permissions": ["read_job"], "project_ids": [6]}
                ]
            },
            "templates.t.granular_scopes[0]",
            "belong to selected_memberships",
        ),
        (
            {
                "kinds": ["project"],
                "scopes": ["read_api"],
                "granular_scopes": [{"access": "user", "permissions": ["read_user"]}],
            },
            "templates.t.granular_scopes",
            "add 'personal' to kinds",
        ),
        (
            {
                "kinds": ["personal", "project"],
                "granular_scopes": [{"access": "user", "permissions": ["read_user"]}],
            },
            "templates.t.kinds",
            "give scopes for the other kinds",
        ),
        (
            {
                "read_only": True,
                "granular_scopes": [{"access": "user", "permissions": ["create_project"]}],
            },
            "templates.t.granular_scopes",
            "cannot hold write permissions",
        ),
        ({"scopes": ["read_api"], "granular_note": "why"}, "templates.t.granular_note", "add them"),
    ],
)
def test_user_fine_grained_template_mistakes_are_named(
    data: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        template_from_config("t", data)
    assert raised.value.field == field


def test_saving_a_fine_grained_request_as_a_template_loads_back() -> None:
    request = render_template(
        TEMPLATES["code-insights"],
        TokenKind.PERSONAL,
        today=TODAY,
        is_admin=False,
        fine_grained=True,
        memberships=[ACME],
    )
    table = template_table(request, "Insights", 90)
    assert "scopes" not in table
    loaded = template_from_config("insights", table)
    assert loaded.fine_grained is not None
    assert loaded.fine_grained.grants == request.granular
    like = template_like(request, TODAY)
    assert like.fine_grained is not None
    assert like.fine_grained.grants == request.granular


def test_a_copy_of_a_fine_grained_token_holds_its_grants() -> None:
    token = fine_grained(
        scope("selected_memberships", "read_job", project=6), scope("user", "read_user")
    )
    request = request_like(token, TODAY)
    assert request.granular == (
        Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (6,)),
        Grant(Boundary.USER, ("read_user",)),
    )
    assert "scopes" not in request.api_payload()  # never ["granular"]


# --- audit --------------------------------------------------------------------------------


def test_read_only_on_selected_memberships_is_narrow() -> None:
    token = fine_grained(scope("selected_memberships", "read_job", project=6))
    assert audit(token, NOW) == ()  # "granular" is not a write scope
    assert fine_grained_reasons(token) == (
        "narrow: read-only permissions on selected projects and groups",
    )


@pytest.mark.parametrize(
    ("scopes", "reason"),
    [
        ((scope("selected_memberships", "create_branch", project=6),), "write permissions"),
        ((scope("user", "revoke_personal_access_token"),), "write permissions"),
        ((scope("all_memberships", "read_job"),), "broad boundary: all_memberships"),
        ((scope("instance", "read_metadata"),), "broad boundary: instance"),
    ],
)
def test_write_permissions_and_broad_boundaries_are_broad(
    scopes: tuple[GranularScope, ...], reason: str
) -> None:
    token = fine_grained(*scopes)
    assert Flag.BROAD_SCOPE in audit(token, NOW)
    assert any(said.startswith(reason) for said in fine_grained_reasons(token))


def test_a_token_whose_permissions_were_not_listed_is_not_judged() -> None:
    token = fine_grained()
    assert Flag.BROAD_SCOPE not in audit(token, NOW)
    assert fine_grained_reasons(token) == ("GitLab's listing did not include its permissions",)
    assert fine_grained_reasons(Token("w", TokenKind.PERSONAL, 1, "l", ("api",), False, None)) == ()


def test_drift_from_a_fine_grained_template() -> None:
    made = "jira-commits"
    faithful = fine_grained(
        scope("selected_memberships", "read_commit", "read_branch", project=6), name=made
    )
    assert drift(faithful, BUILTIN_TEMPLATES) == ()
    assert Flag.DRIFT not in audit(faithful, NOW, templates=BUILTIN_TEMPLATES)
    more = fine_grained(
        scope("selected_memberships", "read_commit", "create_branch", project=6), name=made
    )
    assert drift(more, BUILTIN_TEMPLATES) == ("create_branch",)
    assert Flag.DRIFT in audit(more, NOW, templates=BUILTIN_TEMPLATES)
    broader = fine_grained(scope("all_memberships", "read_commit"), name=made)
    assert drift(broader, BUILTIN_TEMPLATES) == ("all_memberships boundary",)
    unrelated = fine_grained(scope("instance", "create_project"), name="my script")
    assert drift(unrelated, BUILTIN_TEMPLATES) == ()


def test_drift_from_a_form_that_names_its_projects() -> None:
    template = Template(
        "pinned",
        "Pinned",
        (),
        fine_grained=FineGrainedForm(
            (Grant(Boundary.SELECTED_MEMBERSHIPS, ("read_job",), (6,)),), "project 6 only"
        ),
        builtin=False,
    )
    inside = fine_grained(scope("selected_memberships", "read_job", project=6), name="pinned")
    assert drift(inside, [template]) == ()
    elsewhere = fine_grained(scope("selected_memberships", "read_job", project=7), name="pinned")
    assert drift(elsewhere, [template]) == ("selected_memberships boundary",)


def test_a_legacy_token_from_a_template_drifts_as_before() -> None:
    legacy = Token("w", TokenKind.PERSONAL, 1, "jira-commits", ("read_api", "api"), False, None)
    assert drift(legacy, BUILTIN_TEMPLATES) == ("api",)
