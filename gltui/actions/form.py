"""The create pane's logic without Textual: fields in, validated request and preview out.

Everything the pane shows (the scopes a kind allows and why others are not, the
exact API request, a template made from the settings) comes from here, so it is
tested as plain Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from gltui.domain.access import AccessLevel
from gltui.domain.errors import ValidationError
from gltui.domain.granular import FineGrainedForm
from gltui.domain.scopes import (
    ADMIN_SCOPES,
    DEPLOY_TOKEN_SCOPES,
    USER_SCOPES,
    ScopeRisk,
    scope_risk,
    validate_scopes,
)
from gltui.domain.templates import (
    DEFAULT_MAX_LIFETIME_DAYS,
    CreateRequest,
    Template,
    TemplateVariant,
    render_template,
)
from gltui.domain.tokens import Owner, Resource, TokenKind

CREATABLE_KINDS = (
    TokenKind.PERSONAL,
    TokenKind.PROJECT,
    TokenKind.GROUP,
    TokenKind.DEPLOY,
    TokenKind.SERVICE_ACCOUNT,
)
"""A service account's token is made for an account of a group or project (GitLab's
``…/service_accounts/:user_id/personal_access_tokens``) from a template's personal scopes."""
ALL_SCOPES = tuple(sorted(USER_SCOPES | ADMIN_SCOPES | DEPLOY_TOKEN_SCOPES))


@dataclass(frozen=True)
class ScopeChoice:
    """One scope as the pane lists it."""

    scope: str
    why_not: str | None
    """Why the kind cannot hold it (the item is disabled), or ``None``."""
    writes: bool


def scope_choices(kind: TokenKind, *, is_admin: bool) -> list[ScopeChoice]:
    """Every scope, the ones valid for ``kind`` first; write scopes marked."""
    choices = []
    for scope in ALL_SCOPES:
        try:
            validate_scopes(kind, [scope], is_admin=is_admin)
            why_not = None
        except ValidationError as error:
            why_not = error.message
        choices.append(ScopeChoice(scope, why_not, scope_risk(scope) >= ScopeRisk.WRITE))
    return sorted(choices, key=lambda c: (c.why_not is not None, c.scope))


@dataclass(frozen=True)
class CreateForm:
    """What the user has entered."""

    template: Template
    kind: TokenKind
    resource: Resource | None = None
    name: str = ""
    description: str = ""
    expires: str = ""
    """``YYYY-MM-DD``; empty: the template's lifetime."""
    role: str | None = None
    scopes: tuple[str, ...] | None = None
    """``None``: the template's."""
    fine_grained: bool = False
    """The template's fine-grained form (a personal token; ``resource``, when chosen, is
    the project or group its selected memberships reach)."""
    account: Owner | None = None
    """A service account's token: the account (of ``resource``) it is for."""


def build_request(
    form: CreateForm, today: date, *, is_admin: bool, max_lifetime_days: int = 365
) -> CreateRequest:
    """The validated request, or a :class:`ValidationError` naming the field to fix."""
    expires_at = None
    if form.expires.strip():
        try:
            expires_at = date.fromisoformat(form.expires.strip())
        except ValueError:
            raise ValidationError("expires", "write the expiry as YYYY-MM-DD") from None
    fine_grained = form.fine_grained and form.kind is TokenKind.PERSONAL
    return render_template(
        form.template,
        form.kind,
        today=today,
        is_admin=is_admin,
        resource=form.resource if form.kind is not TokenKind.PERSONAL else None,
        name=form.name or None,
        description=form.description,
        scopes=None if fine_grained else form.scopes,
        role=form.role if form.kind.is_resource_token else None,
        expires_at=expires_at,
        max_lifetime_days=max_lifetime_days,
        fine_grained=fine_grained,
        memberships=(form.resource,) if fine_grained and form.resource is not None else (),
        account=form.account if form.kind is TokenKind.SERVICE_ACCOUNT else None,
    )


def preview(request: CreateRequest, path: str) -> str:
    """The exact request gltui will send, as the pane shows it before sending."""
    body = json.dumps(request.api_payload(), indent=2, ensure_ascii=False)
    return f"POST /api/v4{path}\n{body}"


def template_like(request: CreateRequest, today: date, template_id: str = "like-this") -> Template:
    """A one-off template holding a request's settings ("create like this")."""
    lifetime = min(max(1, (request.expires_at - today).days), DEFAULT_MAX_LIFETIME_DAYS)
    if request.granular is not None:  # a fine-grained token: its grants, as they are
        return Template(
            id=template_id,
            title=f"Like {request.name}",
            description=request.description or "",
            builtin=False,
            variants=(),
            fine_grained=FineGrainedForm(
                request.granular, f"The permissions of {request.name}.", lifetime
            ),
        )
    return Template(
        id=template_id,
        title=f"Like {request.name}",
        description=request.description or "",
        builtin=False,
        variants=(
            TemplateVariant(
                frozenset({request.kind}),
                request.scopes,
                lifetime,
                request.access_level,
            ),
        ),
    )


def template_table(request: CreateRequest, title: str, lifetime_days: int) -> dict[str, Any]:
    """``[templates.<id>]`` for "save as template" (what ``template_from_config`` reads)."""
    table: dict[str, Any] = {"title": title, "kinds": [request.kind.value]}
    if request.granular is not None:
        table["granular_scopes"] = [grant.payload() for grant in request.granular]
    else:
        table["scopes"] = list(request.scopes)
    table["lifetime_days"] = max(1, min(lifetime_days, DEFAULT_MAX_LIFETIME_DAYS))
    if request.description:
        table["description"] = request.description
    if request.access_level is not None and request.kind.is_resource_token:
        table["role"] = AccessLevel(request.access_level).name.lower()
    return table
