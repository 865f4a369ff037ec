"""Least-privilege token templates and their rendering into create requests.

A template names the token kinds it suits, the scopes, the role for project
and group tokens and a default lifetime. Rendering one for a kind, a target and
a day yields a :class:`CreateRequest`: exactly what will be sent to GitLab,
validated first so that GitLab never has to say no.

Built-ins follow design.md section 4 with one correction: ``read_package_registry``
is a deploy-token scope in GitLab (``lib/gitlab/auth.rb``); personal, project and
group tokens read the package registry through ``read_api``, so the
``analytics-read`` variants leave it out instead of sending a request GitLab
rejects with ``scopes does not have a valid value``.

Every built-in also has a fine-grained form (:mod:`gltui.domain.fine_grained_templates`):
on GitLab 19.2+ a personal token from it holds permissions on the chosen projects or
groups instead of scopes (:class:`~gltui.domain.granular.FineGrainedForm`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from gltui.domain.access import AccessLevel, parse_access_level
from gltui.domain.errors import ValidationError
from gltui.domain.fine_grained_templates import BUILTIN_FINE_GRAINED
from gltui.domain.granular import FineGrainedForm, Grant, check_grant, permission_risk
from gltui.domain.scopes import ScopeRisk, highest_risk, scope_risk, validate_scopes
from gltui.domain.template_config import template_from_config
from gltui.domain.template_model import DEFAULT_MAX_LIFETIME_DAYS, Template, TemplateVariant
from gltui.domain.tokens import Owner, Resource, ResourceType, TokenKind

__all__ = [
    "BUILTIN_TEMPLATES",
    "DEFAULT_MAX_LIFETIME_DAYS",
    "CreateRequest",
    "Template",
    "TemplateVariant",
    "find_template",
    "personal_token_form_url",
    "render_template",
    "resolve_expiry",
    "template_from_config",
]

MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 255


_PERSONAL = frozenset({TokenKind.PERSONAL})
_RESOURCE = frozenset({TokenKind.PROJECT, TokenKind.GROUP})

BUILTIN_TEMPLATES: tuple[Template, ...] = (
    Template(
        id="analytics-read",
        fine_grained=BUILTIN_FINE_GRAINED["analytics-read"],
        title="Read-only engineering analytics",
        description="An analytics platform that reads repositories, the API and registries.",
        read_only=True,
        variants=(
            TemplateVariant(
                _PERSONAL,
                ("read_repository", "read_api", "read_user", "read_registry"),
                lifetime_days=365,
            ),
            TemplateVariant(
                _RESOURCE,
                ("read_repository", "read_api", "read_registry"),
                lifetime_days=365,
                access_level=AccessLevel.REPORTER,
            ),
        ),
    ),
    Template(
        id="code-insights",
        fine_grained=BUILTIN_FINE_GRAINED["code-insights"],
        title="Code quality / DORA reader",
        description="A code-quality or DORA-metrics tool that reads repositories.",
        read_only=True,
        variants=(TemplateVariant(_PERSONAL, ("read_user", "read_repository", "read_api"), 365),),
    ),
    Template(
        id="jira-commits",
        fine_grained=BUILTIN_FINE_GRAINED["jira-commits"],
        title="Issue tracker: commit reader",
        description="An issue tracker (e.g. Jira) that reads commit and merge request info.",
        read_only=True,
        variants=(
            TemplateVariant(
                frozenset({TokenKind.PERSONAL, TokenKind.PROJECT}),
                ("read_api",),
                lifetime_days=365,
                access_level=AccessLevel.REPORTER,
            ),
        ),
    ),
    Template(
        id="jira-dev-panel",
        fine_grained=BUILTIN_FINE_GRAINED["jira-dev-panel"],
        title="Issue tracker: development panel",
        description="An issue tracker that also creates branches and merge requests.",
        variants=(
            TemplateVariant(
                frozenset({TokenKind.PERSONAL, TokenKind.PROJECT}),
                ("api",),
                lifetime_days=365,
                access_level=AccessLevel.DEVELOPER,
            ),
        ),
    ),
    Template(
        id="cicd-deploy",
        fine_grained=BUILTIN_FINE_GRAINED["cicd-deploy"],
        title="External CI/CD deployer",
        description="An external CI/CD system that creates webhooks, deploy keys and projects.",
        variants=(TemplateVariant(_PERSONAL, ("api",), 365),),
    ),
)


def find_template(templates: Iterable[Template], template_id: str) -> Template:
    """Look a template up by id; an unknown id names the closest known one."""
    by_id = {template.id: template for template in templates}
    if template_id in by_id:
        return by_id[template_id]
    close = difflib.get_close_matches(template_id, by_id, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(by_id))}"
    raise ValidationError("template", f"unknown template {template_id!r}{hint}")


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A validated token-creation request, ready for the API (no secret involved)."""

    kind: TokenKind
    name: str
    scopes: tuple[str, ...]
    expires_at: date
    description: str | None = None
    access_level: AccessLevel | None = None
    resource: Resource | None = None
    template_id: str | None = None
    granular: tuple[Grant, ...] | None = None
    """A fine-grained personal token's grants (``scopes`` is then empty): GitLab takes
    exactly one of ``scopes`` and ``granular_scopes``."""
    account: Owner | None = None
    """A service-account token's account (a service account of ``resource``); ``None``
    for every other kind."""

    @property
    def is_fine_grained(self) -> bool:
        """A request for a fine-grained ("granular") personal access token."""
        return self.granular is not None

    @property
    def risk(self) -> ScopeRisk:
        """The riskiest scope (or permission) the new token would hold."""
        if self.granular is not None:
            permissions = (p for grant in self.granular for p in grant.permissions)
            return max(map(permission_risk, permissions), default=ScopeRisk.NONE)
        return highest_risk(self.scopes)

    def api_payload(self) -> dict[str, object]:
        """The JSON body GitLab's create endpoint for this kind expects."""
        payload: dict[str, object] = {"name": self.name}
        if self.granular is not None:
            payload["granular_scopes"] = [grant.payload() for grant in self.granular]
        else:
            payload["scopes"] = list(self.scopes)
        payload["expires_at"] = self.expires_at.isoformat()
        if self.description:
            payload["description"] = self.description
        if self.kind.is_resource_token and self.access_level is not None:
            payload["access_level"] = int(self.access_level)
        return payload


def _check_resource(kind: TokenKind, resource: Resource | None) -> Resource | None:
    if kind in (TokenKind.PROJECT, TokenKind.GROUP):
        expected = ResourceType(kind.value)
        if resource is None:
            raise ValidationError("target", f"choose the {expected} the token belongs to")
        if resource.type is not expected:
            raise ValidationError(
                "target", f"a {kind} token needs a {expected}, not a {resource.type}"
            )
        return resource
    if kind is TokenKind.DEPLOY:
        if resource is None:
            raise ValidationError("target", "choose the project or group the deploy token is for")
        return resource
    if kind is TokenKind.SERVICE_ACCOUNT:
        if resource is None:
            raise ValidationError(
                "target", "choose the group or project whose service account the token is for"
            )
        return resource
    return None


def _check_text(field: str, value: str | None, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(field, "must not be empty")
        return None
    if len(text) > limit:
        raise ValidationError(field, f"is {len(text)} characters long; GitLab allows {limit}")
    return text


def resolve_expiry(
    today: date,
    *,
    default_days: int,
    max_lifetime_days: int = DEFAULT_MAX_LIFETIME_DAYS,
    lifetime_days: int | None = None,
    expires_at: date | None = None,
) -> date:
    """Pick the expiry date: explicit date, else explicit lifetime, else the default.

    The template's default is capped at the instance's limit (design: "capped");
    a date or lifetime the user asked for explicitly is checked instead, because
    silently changing what someone typed is worse than telling them.
    """
    latest = today + timedelta(days=max_lifetime_days)
    if expires_at is None and lifetime_days is None:
        return today + timedelta(days=max(1, min(default_days, max_lifetime_days)))
    if expires_at is None:
        assert lifetime_days is not None
        if lifetime_days < 1:
            raise ValidationError("expires_at", "a token must live at least one day")
        expires_at = today + timedelta(days=lifetime_days)
    if expires_at <= today:
        raise ValidationError(
            "expires_at", f"{expires_at} is not in the future; a token dated today is expired"
        )
    if expires_at > latest:
        raise ValidationError(
            "expires_at",
            f"{expires_at} is beyond this instance's limit of {max_lifetime_days} days "
            f"(latest allowed: {latest})",
        )
    return expires_at


def render_template(
    template: Template,
    kind: TokenKind,
    *,
    today: date,
    is_admin: bool,
    resource: Resource | None = None,
    name: str | None = None,
    description: str | None = None,
    scopes: Iterable[str] | None = None,
    role: str | int | None = None,
    lifetime_days: int | None = None,
    expires_at: date | None = None,
    max_lifetime_days: int = DEFAULT_MAX_LIFETIME_DAYS,
    fine_grained: bool = False,
    memberships: Sequence[Resource] = (),
    account: Owner | None = None,
) -> CreateRequest:
    """Turn ``template`` into a validated :class:`CreateRequest` for ``kind``.

    Every override (name, scopes, role, lifetime) is validated with the same rules
    GitLab applies, so errors surface with the field to fix before any request.
    ``fine_grained``: the template's fine-grained form instead of its legacy scopes,
    reaching ``memberships`` (the projects or groups chosen) where it selects them.
    ``account``: a service-account token's account, a service account of ``resource``
    (the token holds the template's personal scopes).
    """
    if fine_grained:
        if role is not None:
            raise ValidationError("role", "fine-grained personal tokens have no role")
        form = _fine_grained_form(template, kind)
        name, description, expiry = _named_and_dated(
            template,
            name,
            description,
            today=today,
            default_days=form.lifetime_days,
            lifetime_days=lifetime_days,
            expires_at=expires_at,
            max_lifetime_days=max_lifetime_days,
        )
        return CreateRequest(
            kind=kind,
            name=name,
            scopes=(),
            expires_at=expiry,
            description=description,
            template_id=template.id,
            granular=_grants_reaching(form, memberships),
        )
    variant = template.variant_for(kind)
    target = _check_resource(kind, resource)
    chosen_scopes = validate_scopes(
        kind, variant.scopes if scopes is None else scopes, is_admin=is_admin
    )
    if template.read_only:
        for scope in chosen_scopes:
            if scope_risk(scope) > ScopeRisk.READ:
                raise ValidationError(
                    "scopes",
                    f"template {template.id!r} is for a read-only integration; "
                    f"{scope!r} would let it write",
                )
    access_level: AccessLevel | None = None
    if kind.is_resource_token:
        if role is not None:
            access_level = parse_access_level(role)
        else:
            access_level = variant.access_level or AccessLevel.MAINTAINER
    elif role is not None:
        raise ValidationError("role", f"{kind} tokens have no role; roles are for project/group")
    if kind is TokenKind.SERVICE_ACCOUNT and (account is None or account.user_id is None):
        raise ValidationError("account", "choose the service account the token is for")
    name, description, expiry = _named_and_dated(
        template,
        name,
        description,
        today=today,
        default_days=variant.lifetime_days,
        lifetime_days=lifetime_days,
        expires_at=expires_at,
        max_lifetime_days=max_lifetime_days,
    )
    return CreateRequest(
        kind=kind,
        name=name,
        scopes=chosen_scopes,
        expires_at=expiry,
        description=description,
        access_level=access_level,
        resource=target,
        template_id=template.id,
        account=account if kind is TokenKind.SERVICE_ACCOUNT else None,
    )


def _named_and_dated(
    template: Template,
    name: str | None,
    description: str | None,
    *,
    today: date,
    default_days: int,
    lifetime_days: int | None,
    expires_at: date | None,
    max_lifetime_days: int,
) -> tuple[str, str | None, date]:
    """The name, description and expiry of a token made from ``template``, checked as
    GitLab checks them, whether its form is legacy or fine-grained."""
    checked_name = _check_text("name", name or template.id, MAX_NAME_LENGTH, required=True) or ""
    expiry = resolve_expiry(
        today,
        default_days=default_days,
        max_lifetime_days=max_lifetime_days,
        lifetime_days=lifetime_days,
        expires_at=expires_at,
    )
    checked_description = _check_text(
        "description",
        template.description if description is None else description,
        MAX_DESCRIPTION_LENGTH,
        required=False,
    )
    return checked_name, checked_description, expiry


def _fine_grained_form(template: Template, kind: TokenKind) -> FineGrainedForm:
    if kind is not TokenKind.PERSONAL:
        raise ValidationError(
            "type", f"fine-grained tokens are personal access tokens, not {kind} tokens"
        )
    if template.fine_grained is None:
        raise ValidationError(
            "type",
            f"template {template.id!r} has no fine-grained form; create a legacy token, or "
            "give the template granular_scopes",
        )
    return template.fine_grained


def _grants_reaching(form: FineGrainedForm, memberships: Sequence[Resource]) -> tuple[Grant, ...]:
    """The form's grants, the ones that select memberships reaching ``memberships``."""
    if form.needs_memberships and not memberships:
        raise ValidationError(
            "target",
            "choose the project or group the fine-grained token may reach "
            "(its selected_memberships)",
        )
    grants = tuple(grant.with_memberships(memberships) for grant in form.grants)
    return tuple(check_grant(f"granular_scopes[{i}]", g) for i, g in enumerate(grants))


def personal_token_form_url(
    instance_url: str, name: str, scopes: Iterable[str], *, legacy: bool = False
) -> str:
    """GitLab's prefilled "new personal access token" form for this name and scopes.

    Non-admins cannot create general-purpose personal tokens over the API, so
    gltui opens this page instead. ``legacy`` selects the pre-16 ``/-/profile``
    path. Commas between scopes stay literal, as GitLab's docs write them.
    """
    section = "profile" if legacy else "user_settings"
    path = f"/-/{section}/personal_access_tokens"
    query = urlencode({"name": name, "scopes": ",".join(scopes)}, safe=",", quote_via=quote)
    return f"{instance_url.rstrip('/')}{path}?{query}"
