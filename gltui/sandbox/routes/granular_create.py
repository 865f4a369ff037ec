"""Creating fine-grained tokens: the ``granular_scopes`` parameter and its rules.

One module serves the three routes that take it (``POST /user/personal_access_tokens``
since 19.2, ``POST /users/:user_id/impersonation_tokens`` since 19.2 and ``POST
/users/:user_id/personal_access_tokens`` since 19.6), as GitLab's
``API::Helpers::PersonalAccessTokensHelpers`` does.

Request shape (``params :granular_scope_params``): an array of objects, each with
``access`` (one of :data:`granular.ACCESS_VALUES`), ``permissions`` (array of strings)
and, for ``selected_memberships``, ``project_ids`` and ``group_ids`` (arrays of integers,
or comma-separated strings). The key names ``project_ids``/``group_ids``, which the
reference marks UNCONFIRMED, are those of GitLab's helper. It arrives as JSON (what
python-gitlab's ``http_post`` sends); a form-encoded body cannot carry it and gets
``granular_scopes is invalid``.

What the sandbox refuses, and how:

- Grape's validation, 400 ``{"error": ...}``: ``scopes, granular_scopes are mutually
  exclusive`` (both given), ``scopes, granular_scopes are missing, exactly one parameter
  must be provided`` (neither: Grape's ``exactly_one_of`` wording), and per entry
  ``granular_scopes[0][access] is missing`` / ``... does not have a valid value``,
  ``granular_scopes[0][permissions] is missing`` / ``is invalid``,
  ``granular_scopes[0][project_ids] is invalid``;
- a permission the sandbox does not know, or one that cannot be granted on that access
  (``read_trigger`` on ``user``): ``granular_scopes[0][permissions] does not have a
  valid value``. GitLab validates permissions in the model (a JSON schema), so its
  wording is UNCONFIRMED; the sandbox answers in Grape's shape;
- a ``selected_memberships`` project or group the token's owner is not a member of:
  404 ``{"message": "404 Not Found"}`` (GitLab's ``not_found!`` in
  ``resource_scope_attrs``). GitLab silently drops ids that do not exist; the sandbox
  answers them the same 404 (UNCONFIRMED: stricter, so a client bug shows);
- the service's errors, with the route's own status (422 for personal tokens, 400 for
  impersonation tokens): ``At least one granular scope must be provided`` (an empty list,
  and here also a ``selected_memberships`` entry naming no project or group, which GitLab
  would drop silently: UNCONFIRMED), ``The token cannot have multiple granular scopes for
  the same namespace`` / ``... multiple instance-level granular scopes`` (a boundary given
  twice), and, when the request itself comes from a fine-grained token, a permission that
  token does not hold (GitLab's ``PrivilegeEscalationCheck``; wording UNCONFIRMED).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gltui.sandbox import errors, granular
from gltui.sandbox.api import Context
from gltui.sandbox.request import Params
from gltui.sandbox.store import GUEST, GranularScope, User

NAME = "granular_scopes"
LEGACY_MARKER = "granular"
"""``Gitlab::Auth::GRANULAR_SCOPE``: the only legacy scope a fine-grained token shows."""
EMPTY = "At least one granular scope must be provided"
ESCALATION = "The token cannot be granted permissions the token creating it does not hold"

ServiceError = Callable[[str], errors.ApiError]


@dataclass
class ScopeRequest:
    """One entry of the ``granular_scopes`` parameter, type-checked."""

    access: str
    permissions: tuple[str, ...]
    project_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)


def exactly_one(params: Params) -> None:
    """Grape's ``exactly_one_of :scopes, :granular_scopes``."""
    given = [name for name in ("scopes", NAME) if params.present(name)]
    if len(given) == 2:
        params.errors.append("scopes, granular_scopes are mutually exclusive")
    elif not given:
        params.errors.append(
            "scopes, granular_scopes are missing, exactly one parameter must be provided"
        )


def mutually_exclusive(params: Params) -> None:
    """Grape's ``mutually_exclusive :scopes, :granular_scopes`` (impersonation tokens,
    whose ``scopes`` was always Grape-optional: UNCONFIRMED reading)."""
    if params.present("scopes") and params.present(NAME):
        params.errors.append("scopes, granular_scopes are mutually exclusive")


def _integers(value: Any) -> list[int] | None:
    """``Array[Integer]`` with GitLab's ``CommaSeparatedToIntegerArray``."""
    parts: list[Any]
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        parts = value
    else:
        return None
    found: list[int] = []
    for part in parts:
        if isinstance(part, bool):
            return None
        if isinstance(part, int):
            found.append(part)
        elif isinstance(part, str) and re.fullmatch(r"\d+", part.strip()):
            found.append(int(part))
        else:
            return None
    return found


def _entry(params: Params, index: int, raw: dict[str, Any]) -> ScopeRequest | None:
    prefix = f"{NAME}[{index}]"
    problems = len(params.errors)
    access = raw.get("access")
    if access is None:
        params.errors.append(f"{prefix}[access] is missing")
    elif not isinstance(access, str) or access not in granular.ACCESS_VALUES:
        params.errors.append(f"{prefix}[access] does not have a valid value")
    permissions = raw.get("permissions")
    if permissions is None:
        params.errors.append(f"{prefix}[permissions] is missing")
    elif not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        params.errors.append(f"{prefix}[permissions] is invalid")
    elif isinstance(access, str) and access in granular.ACCESS_VALUES:
        kinds = granular.ACCESS_KINDS[access]
        if not all(granular.PERMISSIONS.get(p, frozenset()) & kinds for p in permissions):
            params.errors.append(f"{prefix}[permissions] does not have a valid value")
    ids: dict[str, list[int]] = {}
    for key in ("project_ids", "group_ids"):
        value = raw.get(key)
        if value is None:
            ids[key] = []
            continue
        parsed = _integers(value)
        if parsed is None:
            params.errors.append(f"{prefix}[{key}] is invalid")
        ids[key] = parsed or []
    if len(params.errors) > problems:
        return None
    assert isinstance(access, str)
    assert isinstance(permissions, list)
    return ScopeRequest(access, tuple(permissions), ids["project_ids"], ids["group_ids"])


def read_scopes(params: Params) -> list[ScopeRequest] | None:
    """The ``granular_scopes`` parameter, its problems appended to ``params.errors``."""
    if not params.present(NAME):
        return None
    value = params.raw(NAME)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        params.errors.append(f"{NAME} is invalid")
        return None
    entries = [_entry(params, index, item) for index, item in enumerate(value)]
    return [entry for entry in entries if entry is not None]


def _member(context: Context, owner: User, kind: str, resource_id: int) -> bool:
    store = context.store
    return store.resource_exists(kind, resource_id) and (
        store.access(owner.id, kind, resource_id) >= GUEST
    )


def _expand(context: Context, owner: User, request: ScopeRequest) -> list[GranularScope]:
    """One stored scope per boundary: groups first, then projects, as GitLab builds them."""
    if request.access != "selected_memberships":
        return [GranularScope(request.access, request.permissions)]
    built = []
    for group_id in request.group_ids:
        if not _member(context, owner, "group", group_id):
            raise errors.not_found()
        built.append(GranularScope(request.access, request.permissions, group_id=group_id))
    for project_id in request.project_ids:
        if not _member(context, owner, "project", project_id):
            raise errors.not_found()
        built.append(GranularScope(request.access, request.permissions, project_id=project_id))
    return built


def build(
    context: Context, owner: User, requests: list[ScopeRequest], service_error: ServiceError
) -> tuple[GranularScope, ...]:
    """The scopes a new fine-grained token of ``owner`` gets, or GitLab's refusal."""
    built: list[GranularScope] = []
    for request in requests:
        expanded = _expand(context, owner, request)
        if not expanded:
            raise service_error(EMPTY)
        built.extend(expanded)
    if not built:
        raise service_error(EMPTY)
    seen: set[tuple[str, int | None, int | None]] = set()
    for scope in built:
        namespaced = scope.access in ("selected_memberships", "personal_projects")
        key = (scope.access if not namespaced else "namespace", scope.project_id, scope.group_id)
        if key in seen:
            if namespaced:
                raise service_error(
                    "The token cannot have multiple granular scopes for the same namespace"
                )
            raise service_error("The token cannot have multiple instance-level granular scopes")
        seen.add(key)
    creator = context.token
    if creator.granular:
        wanted = {p for scope in built for p in scope.permissions}
        if not all(granular.holds(creator, p) for p in wanted):
            raise service_error(ESCALATION)
    return tuple(built)
