"""How a token from a template gets made on one instance: over the API, or in GitLab's
web form, and which variant (fine-grained or legacy) by default.

The create pane and ``gltui create`` share this, so both say the same thing for the
same template, instance and user. Capability comes from the version GitLab reports
(``gltui.adapters.endpoints`` holds the gates) and, where the version is unknown, from
GitLab's answer to the request itself (a 404 where the route does not exist yet:
:class:`~gltui.actions.service.FineGrainedUnavailable`); never from a guess.

Defaults, per instance:

* a personal token from a template with a fine-grained form is fine-grained wherever
  the instance creates one for this user: GitLab 19.2+ for yourself (administrators
  included: the least privilege is the point), 19.6+ for an administrator creating
  someone else's; an unknown version is tried;
* otherwise the legacy scopes: over the API for administrators and for project, group
  and deploy tokens; GitLab's prefilled form for everyone else's personal tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gltui.adapters.endpoints import (
    FINE_GRAINED_ADMIN_CREATE_SINCE,
    FINE_GRAINED_SELF_CREATE_SINCE,
    FineGrainedUnsupported,
    NotPossible,
    at_least,
    create_path,
    parse_version,
)
from gltui.domain.templates import CreateRequest, Template, personal_token_form_url
from gltui.domain.tokens import TokenKind

LEGACY_FORM_BEFORE = (16, 0)
"""GitLab before 16.0 has the form under ``/-/profile`` rather than ``/-/user_settings``."""


@dataclass(frozen=True)
class Where:
    """The instance and who gltui is there."""

    url: str
    user_id: int
    is_admin: bool
    version: str | None


def prefers_fine_grained(
    template: Template, kind: TokenKind, where: Where, *, for_other_user: bool = False
) -> bool:
    """Whether a ``kind`` token from ``template`` is fine-grained by default here."""
    if kind is not TokenKind.PERSONAL or template.fine_grained is None:
        return False
    if not template.has_legacy(kind):
        return True  # the only variant it has
    since = FINE_GRAINED_ADMIN_CREATE_SINCE if for_other_user else FINE_GRAINED_SELF_CREATE_SINCE
    return at_least(where.version, since) is not False


@dataclass(frozen=True)
class CreatePlan:
    """What will happen to a validated request: the ``POST`` path the API takes it to,
    or GitLab's form (``form_url``), or nothing (``why`` says why)."""

    request: CreateRequest
    path: str | None = None
    form_url: str | None = None
    why: str | None = None
    """Why not the API (the form's reason, or why nothing can be done)."""
    needs_legacy: bool = False
    """The instance cannot make this fine-grained token: the legacy variant is the way."""

    def preview(self) -> str:
        """The exact request gltui will send (method, path, JSON body; never a secret),
        or the form's address and why."""
        if self.path is not None:
            body = json.dumps(self.request.api_payload(), indent=2, ensure_ascii=False)
            return f"POST /api/v4{self.path}\n{body}"
        if self.form_url is not None:
            return (
                f"{self.why}:\n{self.form_url}\n(prefilled with this name and these scopes; "
                "choose the expiry there)"
            )
        return self.why or ""


def form_url(where: Where, request: CreateRequest) -> str:
    """GitLab's prefilled "new personal access token" form for ``request``'s legacy scopes."""
    version = parse_version(where.version)
    old = version is not None and version < LEGACY_FORM_BEFORE
    return personal_token_form_url(where.url, request.name, request.scopes, legacy=old)


def plan_create(request: CreateRequest, where: Where, *, for_user: int | None = None) -> CreatePlan:
    """Where ``request`` goes (``for_user``: whose personal token; the signed-in user's
    by default)."""
    try:
        path = create_path(
            request,
            user_id=for_user or where.user_id,
            is_admin=where.is_admin,
            version=where.version,
            own_user_id=where.user_id,
        )
    except FineGrainedUnsupported as reason:
        return CreatePlan(request, why=str(reason), needs_legacy=True)
    except NotPossible as reason:
        if request.kind is TokenKind.PERSONAL and not request.is_fine_grained:
            return CreatePlan(request, form_url=form_url(where, request), why=str(reason))
        return CreatePlan(request, why=str(reason))
    return CreatePlan(request, path=path)
