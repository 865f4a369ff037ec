"""Projects and groups: enough of ``/projects`` and ``/groups`` to walk token owners."""

from __future__ import annotations

from typing import Any

from gltui.sandbox import entities
from gltui.sandbox.api import Context, route
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import cached_listing, find_source, listing_key, page_of
from gltui.sandbox.store import OWNER, Group, Project

_LEVELS = ("5", "10", "15", "20", "30", "40", "50")


def _project_rows(context: Context, params: Params, candidates: list[Project]) -> list[Project]:
    store, caller = context.store, context.caller
    membership = params.boolean("membership")
    owned = params.boolean("owned")
    minimum = params.choice("min_access_level", _LEVELS)
    search = params.string("search")
    visibility = params.choice("visibility", ("private", "internal", "public"))
    order_by = params.choice(
        "order_by", ("id", "name", "path", "created_at", "updated_at", "last_activity_at")
    )
    sort = params.choice("sort", ("asc", "desc")) or "desc"
    params.check()

    def keep(project: Project) -> bool:
        level = store.project_access(caller.id, project.id)
        if not store.can_see(caller, "project", project.id):
            return False
        if (membership and level < 10) or (owned and level < OWNER):
            return False
        if minimum is not None and level < int(minimum):
            return False
        if visibility is not None and project.visibility != visibility:
            return False
        return not (search and search.lower() not in project.name.lower())

    rows = [p for p in candidates if keep(p)]
    field = order_by or "created_at"
    key = {
        "name": lambda p: (p.name, p.id),
        "path": lambda p: (p.path, p.id),
    }.get(field, lambda p: (p.created_at, p.id) if field != "id" else (p.id,))
    rows.sort(key=key, reverse=sort == "desc")
    return rows


def _render_project(context: Context, project: Project) -> dict[str, Any]:
    return entities.project(context.store, context.base_url, project, context.caller)


@route("GET", "projects", permission="read_project", boundary="user")
def list_projects(context: Context) -> Page:
    """Projects the caller can see, with ``membership``/``min_access_level`` filters."""
    params = Params(context.request)
    rows = cached_listing(
        context,
        ("projects", *listing_key(context)),
        lambda: _project_rows(context, params, list(context.store.projects.values())),
    )
    return page_of(context, params, rows, lambda p: _render_project(context, p))


@route("GET", "projects/:id", permission="read_project", boundary="project")
def get_project(context: Context, ident: str) -> dict[str, Any]:
    """One project by id or URL-encoded full path."""
    project = context.store.projects[find_source(context, "project", ident)]
    return _render_project(context, project)


def _render_group(context: Context, group: Group) -> dict[str, Any]:
    return entities.group(context.store, context.base_url, group)


@route("GET", "groups", permission="read_group", boundary="user")
def list_groups(context: Context) -> Page:
    """Groups the caller belongs to (admins: all), by name."""
    params = Params(context.request)
    rows = cached_listing(
        context, ("groups", *listing_key(context)), lambda: _groups(context, params)
    )
    return page_of(context, params, rows, lambda g: _render_group(context, g))


def _groups(context: Context, params: Params) -> list[Group]:
    store, caller = context.store, context.caller
    all_available = params.boolean("all_available")
    owned = params.boolean("owned")
    minimum = params.choice("min_access_level", _LEVELS)
    search = params.string("search")
    top_level = params.boolean("top_level_only")
    order_by = params.choice("order_by", ("name", "path", "id", "similarity")) or "name"
    sort = params.choice("sort", ("asc", "desc")) or "asc"
    params.check()
    if all_available is None:
        all_available = caller.is_admin

    def keep(group: Group) -> bool:
        level = store.group_access(caller.id, group.id)
        if not (level >= 10 or (all_available and store.can_see(caller, "group", group.id))):
            return False
        if (owned and level < OWNER) or (minimum is not None and level < int(minimum)):
            return False
        if top_level and group.parent_id is not None:
            return False
        return not (search and search.lower() not in group.name.lower())

    rows = [g for g in store.groups.values() if keep(g)]
    if order_by == "id":
        rows.sort(key=lambda g: g.id, reverse=sort == "desc")
    else:
        attribute = "path" if order_by == "path" else "name"
        rows.sort(key=lambda g: (getattr(g, attribute).lower(), g.id), reverse=sort == "desc")
    return rows


@route("GET", "groups/:id", permission="read_group", boundary="group")
def get_group(context: Context, ident: str) -> dict[str, Any]:
    """One group by id or URL-encoded full path."""
    return _render_group(context, context.store.groups[find_source(context, "group", ident)])


@route("GET", "groups/:id/projects", permission="read_project", boundary="group")
def group_projects(context: Context, ident: str) -> Page:
    """A group's projects (``include_subgroups`` walks the whole tree)."""
    store = context.store
    group_id = find_source(context, "group", ident)
    params = Params(context.request)
    include_subgroups = params.boolean("include_subgroups")
    candidates = [
        p
        for p in store.projects.values()
        if p.group_id == group_id
        or (include_subgroups and group_id in store.group_ancestry(p.group_id))
    ]
    rows = _project_rows(context, params, candidates)
    return page_of(context, params, rows, lambda p: _render_project(context, p))
