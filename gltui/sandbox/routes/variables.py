"""CI/CD variables: ``/projects/:id/variables`` and ``/groups/:id/variables``.

``lib/api/ci/variables.rb`` and ``lib/api/group_variables.rb``. Both authorize in a
``before`` block (``authorize! :admin_cicd_variables``), so the project or group is
resolved and the role checked before Grape validates any parameter: a project or group
the caller cannot see is ``404 Project Not Found`` / ``404 Group Not Found``; below the
role, ``403 Forbidden`` (project variables need Maintainer: the project policy grants
``admin_cicd_variables`` to maintainers; group variables need Owner: the group policy
grants it to owners only, so a group Maintainer gets 403; administrators may do all).

Answers: list 200 (offset pagination, by id), get 200, create 201, update 200, delete
204. A key the owner does not have: ``404 Variable Not Found`` (projects) or ``404
GroupVariable Not Found`` (groups, ``not_found!('GroupVariable')``). A key held in more
than one environment scope, without ``filter[environment_scope]`` to choose:
``409 {"message": "There are multiple variables with provided parameters. Please use
'filter[environment_scope]'"}`` (``VariablesHelpers#find_variable``). Model errors: 400
``{"message": {"key": ["(KEY) has already been taken"]}}`` and the like (see
:mod:`gltui.sandbox.variables`).

Group quirks kept as GitLab has them (``group_variables.rb``, MR 136475): ``PUT``
without ``filter`` updates the first variable with the key whatever its scope (no 409),
and ``PUT`` with a ``filter`` that matches no scope falls back to that same first variable
(``ChangeVariableService#find_variable``); a client that must write one scope reads it
back with the filter. Before 16.9 group routes ignore ``filter`` and always take the
first variable with the key. The filter is read from the query (``filter[environment_scope]=``)
or a JSON body (``{"filter": {"environment_scope": ...}}``), as Rack merges both.
"""

from __future__ import annotations

from typing import Any

from gltui.sandbox import errors
from gltui.sandbox import variables as model
from gltui.sandbox.api import WRITE, Context, Response, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import find_managed, page_of
from gltui.sandbox.variables import CiVariable

AMBIGUOUS = (
    "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'"
)
_NOT_FOUND = {"project": "Variable", "group": "GroupVariable"}


def _owner(context: Context, kind: str, ident: str) -> tuple[str, int]:
    """The project or group (404 if unseen), if the caller may manage its variables (403)."""
    return kind, find_managed(context, kind, ident)


def _render(context: Context, variable: CiVariable) -> dict[str, Any]:
    return model.render(variable, context.profile)


def _filter(params: Params, *, declared: bool) -> tuple[bool, str | None]:
    """Whether a ``filter`` came, and its non-blank ``environment_scope``.

    Project routes declare ``filter`` as a Hash (anything else: ``filter is invalid``);
    group routes do not declare it and read it as they find it."""
    present = params.present("filter") or params.present("filter[environment_scope]")
    scope = params.raw("filter[environment_scope]")
    nested = params.raw("filter")
    if isinstance(nested, dict):
        scope = nested.get("environment_scope", scope)
    elif nested is not None and declared:
        params.errors.append("filter is invalid")
    if scope is not None and not isinstance(scope, str):
        if declared:
            params.errors.append("filter[environment_scope] is invalid")
        scope = None
    return present, scope if scope and scope.strip() else None


def _find(context: Context, owner: tuple[str, int], key: str, scope: str | None) -> CiVariable:
    """``find_variable``: by key, then by scope when filtered; 409 when still ambiguous."""
    rows = context.store.variables.with_key(owner, key)
    if scope is not None:
        rows = [row for row in rows if row.environment_scope == scope]
    if len(rows) > 1:
        raise errors.ApiError(409, {"message": AMBIGUOUS})
    if not rows:
        raise errors.not_found(_NOT_FOUND[owner[0]])
    return rows[0]


def _first(context: Context, owner: tuple[str, int], key: str) -> CiVariable:
    """``variables.find_by(key:)``: the first row with the key, whatever its scope."""
    rows = context.store.variables.with_key(owner, key)
    if not rows:
        raise errors.not_found(_NOT_FOUND[owner[0]])
    return rows[0]


def _lookup(context: Context, owner: tuple[str, int], key: str, params: Params) -> CiVariable:
    """The variable a GET or DELETE names (project routes, and group ones from 16.9)."""
    kind = owner[0]
    if kind == "group" and not model.group_filter(context.profile):
        return _first(context, owner, key)
    _, scope = _filter(params, declared=kind == "project")
    params.check()
    return _find(context, owner, key, scope)


def _attributes(context: Context, params: Params, *, creating: bool) -> dict[str, Any]:
    """The declared parameters that came (``declared_params(include_missing: false)``),
    after Grape's checks, in the order the routes declare them."""
    profile = context.profile
    found: dict[str, Any] = {}
    if creating:
        for name in ("key", "value"):
            if params.raw(name) is None:
                params.errors.append(f"{name} is missing")
    for name in ("key", "value"):
        text = params.string(name)
        if text is not None:
            found[name] = text
    for name in ("protected", "masked"):
        flag = params.boolean(name)
        if flag is not None:
            found[name] = flag
    if creating and model.has_hidden(profile):
        flag = params.boolean("masked_and_hidden")
        if flag is not None:
            found["masked_and_hidden"] = flag
    if model.has_raw(profile):
        flag = params.boolean("raw")
        if flag is not None:
            found["raw"] = flag
    variable_type = params.choice("variable_type", model.VARIABLE_TYPES)
    if variable_type is not None:
        found["variable_type"] = variable_type
    scope = params.string("environment_scope")
    if scope is not None:
        found["environment_scope"] = model.strip(scope)
    if model.has_description(profile):
        description = params.string("description")
        if description is not None:
            found["description"] = description
    return found


def _save(context: Context, owner: tuple[str, int], candidate: CiVariable) -> CiVariable:
    """Check the model's rules against the owner's other rows, then store the row."""
    store = context.store
    before = store.variables.rows.get(candidate.id)
    problems = model.validate(candidate, store.variables.of(owner), context.profile, before=before)
    if problems:
        raise errors.validation_error(problems)
    if before is None:
        candidate.id = store.variables.next_id()
    store.variables.add(candidate)
    store.changed()
    return candidate


def _register(kind: str) -> None:
    base = f"{kind}s/:id/variables"

    @route("GET", base)
    def list_variables(context: Context, ident: str) -> Page:
        owner = _owner(context, kind, ident)
        rows = context.store.variables.of(owner)
        return page_of(context, Params(context.request), rows, lambda v: _render(context, v))

    @route("GET", f"{base}/:key")
    def get_variable(context: Context, ident: str, key: str) -> dict[str, Any]:
        owner = _owner(context, kind, ident)
        return _render(context, _lookup(context, owner, key, Params(context.request)))

    @route("POST", base, scopes=WRITE, status=201)
    def create_variable(context: Context, ident: str) -> Response:
        owner = _owner(context, kind, ident)
        params = Params(context.request)
        found = _attributes(context, params, creating=True)
        params.check()
        # ChangeVariableService: masked_and_hidden sets both, and is not a column
        hidden = bool(found.pop("masked_and_hidden", False))
        if hidden:
            found["masked"] = True
        candidate = CiVariable(id=0, owner=owner, hidden=hidden, **found)
        candidate.key = model.strip(candidate.key)
        return Response(201, _render(context, _save(context, owner, candidate)))

    @route("PUT", f"{base}/:key", scopes=WRITE)
    def update_variable(context: Context, ident: str, key: str) -> dict[str, Any]:
        owner = _owner(context, kind, ident)
        params = Params(context.request)
        changes = _attributes(context, params, creating=False)
        filtered, scope = _filter(params, declared=kind == "project")
        params.check()
        changes.pop("key", None)  # the key names the variable; it never changes
        if kind == "project":
            target = _find(context, owner, key, scope)
        elif filtered and model.group_filter(context.profile):
            rows = context.store.variables.with_key(owner, key)
            matching = [row for row in rows if scope is None or row.environment_scope == scope]
            if len(matching) > 1:
                raise errors.ApiError(409, {"message": AMBIGUOUS})
            target = matching[0] if matching else _first(context, owner, key)
        else:
            target = _first(context, owner, key)
        return _render(context, _save(context, owner, model.updated(target, changes)))

    @route("DELETE", f"{base}/:key", scopes=WRITE, status=204)
    def delete_variable(context: Context, ident: str, key: str) -> None:
        owner = _owner(context, kind, ident)
        target = _lookup(context, owner, key, Params(context.request))
        context.store.variables.remove(target.id)
        context.store.changed()


_register("project")
_register("group")
