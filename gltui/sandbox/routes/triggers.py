"""Pipeline trigger tokens: ``/projects/:id/triggers`` (``lib/api/ci/triggers.rb``).

Listing and reading need ``admin_build`` on the project, creating and deleting
``manage_trigger``: both are the Maintainer role (or an administrator), and anyone
less gets ``403 Forbidden``; a project the caller cannot see is ``404 Project Not
Found``; a trigger id not in the project is ActiveRecord's ``404 Not found``. The value
is shown in full to the trigger's owner only, as its first four characters to everyone
else (``Ci::TriggerPresenter``). There is no rotation: a trigger is revoked by deleting
it (204). ``expires_at`` appears on versions that have it (see :mod:`kind_gates`);
GitLab's API does not take it on create, so the sandbox ignores it there too.
"""

from __future__ import annotations

from typing import Any

from gltui.sandbox import ci_entities, errors
from gltui.sandbox.api import WRITE, Context, Response, route
from gltui.sandbox.ci_store import Trigger
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import find_managed, integer_id, page_of

BASE = "projects/:id/triggers"


def _project(context: Context, ident: str) -> int:
    """The project, if the caller may see it (404) and maintains it (403)."""
    return find_managed(context, "project", ident)


def _find(context: Context, project_id: int, trigger_id: int) -> Trigger:
    found = context.store.ci.triggers.get(trigger_id)
    if found is None or found.project_id != project_id:
        raise errors.record_not_found()
    return found


def _render(context: Context, item: Trigger) -> dict[str, Any]:
    store = context.store
    return ci_entities.trigger(store, context.profile, context.base_url, item, context.caller)


@route("GET", BASE, permission="read_trigger", boundary="project")
def list_triggers(context: Context, ident: str) -> Page:
    """A project's triggers, by id (expired ones included: GitLab deletes them later)."""
    project_id = _project(context, ident)
    params = Params(context.request)
    rows = context.store.ci.triggers_of(project_id)
    return page_of(context, params, rows, lambda item: _render(context, item))


@route("GET", f"{BASE}/:trigger_id", permission="read_trigger", boundary="project")
def get_trigger(context: Context, ident: str, trigger_id: str) -> dict[str, Any]:
    """One trigger."""
    wanted = integer_id(trigger_id, "trigger_id")  # Grape validates before the body runs
    project_id = _project(context, ident)
    return _render(context, _find(context, project_id, wanted))


@route("POST", BASE, scopes=WRITE, status=201)
def create_trigger(context: Context, ident: str) -> Response:
    """A new trigger owned by the caller (201, with its full value)."""
    params = Params(context.request)
    description = params.string("description", required=True)
    params.check()
    assert description is not None  # params.check() raised otherwise
    project_id = _project(context, ident)
    store = context.store
    item = store.ci.add_trigger(project_id, context.caller.id, description, store.now())
    store.changed()
    return Response(201, _render(context, item))


@route("DELETE", f"{BASE}/:trigger_id", scopes=WRITE, status=204)
def delete_trigger(context: Context, ident: str, trigger_id: str) -> None:
    """Delete (and so revoke) a trigger."""
    wanted = integer_id(trigger_id, "trigger_id")
    project_id = _project(context, ident)
    item = _find(context, project_id, wanted)
    context.store.ci.delete_trigger(item)
    context.store.changed()
