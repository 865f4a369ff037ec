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
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from gltui.domain.access import AccessLevel, parse_access_level
from gltui.domain.errors import ValidationError
from gltui.domain.scopes import ScopeRisk, highest_risk, scope_risk, validate_scopes
from gltui.domain.tokens import Resource, ResourceType, TokenKind

DEFAULT_MAX_LIFETIME_DAYS = 365
"""GitLab's default maximum token lifetime; instances may lower it (or raise it to 400)."""

MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 255


@dataclass(frozen=True, slots=True)
class TemplateVariant:
    """The settings a template uses for some of the kinds it suits."""

    kinds: frozenset[TokenKind]
    scopes: tuple[str, ...]
    lifetime_days: int
    access_level: AccessLevel | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A named least-privilege recipe for tokens of one or more kinds."""

    id: str
    title: str
    variants: tuple[TemplateVariant, ...]
    description: str = ""
    read_only: bool = False
    """A read-only integration: write scopes are refused, even as overrides."""
    builtin: bool = True

    @property
    def kinds(self) -> tuple[TokenKind, ...]:
        """Every kind the template suits, in a stable order."""
        return tuple(kind for kind in TokenKind if any(kind in v.kinds for v in self.variants))

    def variant_for(self, kind: TokenKind) -> TemplateVariant:
        """The settings for ``kind``, or a validation error naming the kinds it suits."""
        for variant in self.variants:
            if kind in variant.kinds:
                return variant
        suits = ", ".join(self.kinds)
        raise ValidationError(
            "kind", f"template {self.id!r} is for {suits} tokens, not {kind} tokens"
        )


_PERSONAL = frozenset({TokenKind.PERSONAL})
_RESOURCE = frozenset({TokenKind.PROJECT, TokenKind.GROUP})

BUILTIN_TEMPLATES: tuple[Template, ...] = (
    Template(
        id="analytics-read",
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
        title="Code quality / DORA reader",
        description="A code-quality or DORA-metrics tool that reads repositories.",
        read_only=True,
        variants=(TemplateVariant(_PERSONAL, ("read_user", "read_repository", "read_api"), 365),),
    ),
    Template(
        id="jira-commits",
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

    @property
    def risk(self) -> ScopeRisk:
        """The riskiest scope the new token would hold."""
        return highest_risk(self.scopes)

    def api_payload(self) -> dict[str, object]:
        """The JSON body GitLab's create endpoint for this kind expects."""
        payload: dict[str, object] = {
            "name": self.name,
            "scopes": list(self.scopes),
            "expires_at": self.expires_at.isoformat(),
        }
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
) -> CreateRequest:
    """Turn ``template`` into a validated :class:`CreateRequest` for ``kind``.

    Every override (name, scopes, role, lifetime) is validated with the same rules
    GitLab applies, so errors surface with the field to fix before any request.
    """
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
    return CreateRequest(
        kind=kind,
        name=_check_text("name", name or template.id, MAX_NAME_LENGTH, required=True) or "",
        scopes=chosen_scopes,
        expires_at=resolve_expiry(
            today,
            default_days=variant.lifetime_days,
            max_lifetime_days=max_lifetime_days,
            lifetime_days=lifetime_days,
            expires_at=expires_at,
        ),
        description=_check_text(
            "description",
            template.description if description is None else description,
            MAX_DESCRIPTION_LENGTH,
            required=False,
        ),
        access_level=access_level,
        resource=target,
        template_id=template.id,
    )


_TEMPLATE_KEYS = ("title", "description", "kinds", "scopes", "role", "lifetime_days", "read_only")


def template_from_config(template_id: str, data: Mapping[str, object]) -> Template:
    """Build a user template from its config table, naming any bad key or value.

    Shape (TOML)::

        [templates.grafana-reader]
        title = "Grafana GitLab data source"
        kinds = ["personal", "project"]
        scopes = ["read_api"]
        role = "reporter"          # project/group tokens only
        lifetime_days = 90
        read_only = true
    """
    where = f"templates.{template_id}"
    for key in data:
        if key not in _TEMPLATE_KEYS:
            close = difflib.get_close_matches(key, _TEMPLATE_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValidationError(f"{where}.{key}", f"unknown key{hint}")
    kinds = _kinds(where, data.get("kinds", ["personal"]))
    scopes = _string_list(f"{where}.scopes", data.get("scopes"))
    lifetime = data.get("lifetime_days", DEFAULT_MAX_LIFETIME_DAYS)
    if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime < 1:
        raise ValidationError(f"{where}.lifetime_days", "must be a whole number of days, >= 1")
    role = data.get("role")
    access_level = None
    if role is not None:
        if not isinstance(role, str | int):
            raise ValidationError(f"{where}.role", "must be a role name such as 'reporter'")
        access_level = parse_access_level(role, field=f"{where}.role")
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        raise ValidationError(f"{where}.read_only", "must be true or false")
    for kind in kinds:
        try:
            validate_scopes(kind, scopes, is_admin=True)
        except ValidationError as error:
            raise ValidationError(f"{where}.scopes", error.message) from None
    if read_only and highest_risk(scopes) > ScopeRisk.READ:
        raise ValidationError(f"{where}.scopes", "a read_only template cannot hold write scopes")
    title = data.get("title", template_id)
    description = data.get("description", "")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ValidationError(where, "title and description must be strings")
    return Template(
        id=template_id,
        title=title,
        description=description,
        read_only=read_only,
        builtin=False,
        variants=(TemplateVariant(frozenset(kinds), tuple(scopes), lifetime, access_level),),
    )


def _string_list(field: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(field, "must be a non-empty list of strings")
    return [str(v) for v in value]


def _kinds(where: str, value: object) -> list[TokenKind]:
    kinds = []
    for text in _string_list(f"{where}.kinds", value):
        try:
            kinds.append(TokenKind(text))
        except ValueError:
            valid = ", ".join(kind.value for kind in TokenKind)
            raise ValidationError(f"{where}.kinds", f"unknown kind {text!r}; use {valid}") from None
    return kinds


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
