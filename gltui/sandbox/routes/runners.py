"""Runners and their authentication tokens (``lib/api/ci/runners.rb``).

Listing: ``GET /runners`` (the caller's own: project runners of projects they maintain,
group runners of groups they own), ``GET /runners/all`` (administrators; 403 otherwise),
``GET /projects/:id/runners`` (Maintainer; the project's, its groups' and the instance's)
and ``GET /groups/:id/runners`` (Maintainer, UNCONFIRMED: older GitLab wanted Owner).
``GET /runners/:id`` shows any instance runner to anyone, others to their maintainers
and administrators (``403 Forbidden - No access granted``), and from 19.1 the token's
``token_expires_at``. ``POST /runners/:id/reset_authentication_token`` replaces the
token (``glrt-``), shown once with its new expiry (201, Grape's default for ``POST``);
it needs ``update_runner``: Maintainer of one of a project runner's projects, Owner of
a group runner's group, administrator for instance runners. The ``manage_runner`` scope
(17.1) is accepted on ``/runners/:id`` paths, as GitLab allows it there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gltui.sandbox import ci_entities, errors
from gltui.sandbox.api import READ, WRITE, Context, Response, route
from gltui.sandbox.ci_store import Runner
from gltui.sandbox.pagination import Page
from gltui.sandbox.request import Params
from gltui.sandbox.routes.common import find_source, integer_id, page_of
from gltui.sandbox.store import MAINTAINER, OWNER, User

TYPES = ("instance_type", "group_type", "project_type")
STATUSES = ("online", "offline", "stale", "never_contacted", "active", "paused")
"""``AVAILABLE_STATUSES_INCL_DEPRECATED`` (``active`` and ``paused`` are deprecated)."""
SCOPES = ("specific", "shared", *TYPES, *STATUSES)
"""``AVAILABLE_SCOPES``: what Grape accepts for the deprecated ``scope``."""
RUNNER_READ = (*READ, "manage_runner")
RUNNER_WRITE = (*WRITE, "manage_runner")


def _matches_scope(runner: Runner, scope: str, context: Context) -> bool:
    now = context.store.now()
    if scope in TYPES:
        return runner.runner_type == scope
    checks: dict[str, Callable[[], bool]] = {
        "specific": lambda: runner.runner_type != "instance_type",
        "shared": lambda: runner.runner_type == "instance_type",
        "active": lambda: runner.active,
        "paused": lambda: not runner.active,
        "online": lambda: runner.online(now),
        "offline": lambda: runner.contacted_at is not None and not runner.online(now),
        "stale": lambda: runner.stale(now),
        "never_contacted": lambda: runner.contacted_at is None,
    }
    return checks[scope]()


def _filtered(
    context: Context, params: Params, rows: Iterable[Runner], *, scopes: tuple[str, ...] | None
) -> list[Runner]:
    """The filter parameters, validated as Grape does, applied as ``apply_filter`` does."""
    scope = params.choice("scope", SCOPES) if scopes is not None else None
    kind = params.choice("type", TYPES)
    status = params.choice("status", STATUSES)
    paused = params.boolean("paused")
    tags = params.string_list("tag_list")
    version_prefix = params.string("version_prefix")
    params.check()
    if scope is not None and scopes is not None and scope not in scopes:
        raise errors.ApiError(400, {"message": "Scope contains invalid value"})
    wanted = [s for s in (scope, kind, status) if s is not None]
    if paused is not None:
        wanted.append("paused" if paused else "active")
    kept = []
    for runner in rows:
        if not all(_matches_scope(runner, s, context) for s in wanted):
            continue
        if tags and not set(tags) <= set(runner.tag_list):
            continue
        if version_prefix and not (runner.version or "").startswith(version_prefix):
            continue
        kept.append(runner)
    return sorted(kept, key=lambda r: r.id)


def _page(context: Context, params: Params, rows: list[Runner]) -> Page:
    store, profile, base_url = context.store, context.profile, context.base_url
    return page_of(context, params, rows, lambda r: ci_entities.runner(store, profile, base_url, r))


def _project_level(context: Context, user: User, runner: Runner) -> int:
    store = context.store
    return max(
        (store.project_access(user.id, pid) for pid in runner.project_ids if pid in store.projects),
        default=0,
    )


def _group_level(context: Context, user: User, runner: Runner) -> int:
    store = context.store
    return max(
        (store.group_access(user.id, gid) for gid in runner.group_ids if gid in store.groups),
        default=0,
    )


def _owns(context: Context, user: User, runner: Runner) -> bool:
    """``ci_owned_runners`` and ``update_runner``: the runners a user manages."""
    if runner.runner_type == "project_type":
        return _project_level(context, user, runner) >= MAINTAINER
    if runner.runner_type == "group_type":
        return _group_level(context, user, runner) >= OWNER
    return False


def _may_read(context: Context, user: User, runner: Runner) -> bool:
    """``authenticate_show_runner!``."""
    if runner.runner_type == "instance_type" or user.is_admin:
        return True
    if runner.runner_type == "project_type":
        return _project_level(context, user, runner) >= MAINTAINER
    return _group_level(context, user, runner) >= MAINTAINER


def _runner(context: Context, ident: str) -> Runner:
    found = context.store.ci.runners.get(integer_id(ident))
    if found is None:
        raise errors.record_not_found()
    return found


@route("GET", "runners", permission="read_runner", boundary="instance")
def list_owned(context: Context) -> Page:
    """The caller's own runners (never instance runners)."""
    params = Params(context.request)
    caller = context.caller
    mine = (r for r in context.store.ci.runners.values() if _owns(context, caller, r))
    rows = _filtered(context, params, mine, scopes=STATUSES)
    return _page(context, params, rows)


@route("GET", "runners/all", permission="read_runner", boundary="instance")
def list_all(context: Context) -> Page:
    """Every runner of the instance (administrators)."""
    if not context.caller.is_admin:
        raise errors.forbidden()
    params = Params(context.request)
    rows = _filtered(context, params, context.store.ci.runners.values(), scopes=SCOPES)
    return _page(context, params, rows)


@route("GET", "runners/:id", scopes=RUNNER_READ, permission="read_runner", boundary="instance")
def get_runner(context: Context, ident: str) -> dict[str, Any]:
    """One runner's details (``token_expires_at`` from 19.1)."""
    runner = _runner(context, ident)
    caller = context.caller
    if not _may_read(context, caller, runner):
        raise errors.forbidden("No access granted")
    may_update = caller.is_admin or _owns(context, caller, runner)
    store, profile, base_url = context.store, context.profile, context.base_url
    return ci_entities.runner_details(
        store, profile, base_url, runner, caller, may_update=may_update
    )


@route("POST", "runners/:id/reset_authentication_token", scopes=RUNNER_WRITE, status=201)
def reset_token(context: Context, ident: str) -> Response:
    """A new authentication token, shown once with its expiry."""
    runner = _runner(context, ident)
    caller = context.caller
    if not (caller.is_admin or _owns(context, caller, runner)):
        raise errors.forbidden("No access granted")
    store = context.store
    secret = store.ci.reset_runner_token(runner, store.now())
    store.changed()
    return Response(201, ci_entities.reset_token_result(runner, secret))


@route("GET", "projects/:id/runners", permission="read_runner", boundary="project")
def project_runners(context: Context, ident: str) -> Page:
    """The project's runners, its groups' runners and the instance's (Maintainer)."""
    store, caller = context.store, context.caller
    project_id = find_source(context, "project", ident)
    if not caller.is_admin and store.project_access(caller.id, project_id) < MAINTAINER:
        raise errors.forbidden()
    ancestry = set(store.group_ancestry(store.projects[project_id].group_id))
    available = (
        r
        for r in store.ci.runners.values()
        if r.runner_type == "instance_type"
        or project_id in r.project_ids
        or (r.runner_type == "group_type" and ancestry & set(r.group_ids))
    )
    params = Params(context.request)
    rows = _filtered(context, params, available, scopes=SCOPES)
    return _page(context, params, rows)


@route("GET", "groups/:id/runners", permission="read_runner", boundary="group")
def group_runners(context: Context, ident: str) -> Page:
    """The group's and its parents' runners and the instance's (Maintainer)."""
    store, caller = context.store, context.caller
    group_id = find_source(context, "group", ident)
    if not caller.is_admin and store.group_access(caller.id, group_id) < MAINTAINER:
        raise errors.forbidden()
    ancestry = set(store.group_ancestry(group_id))
    available = (
        r
        for r in store.ci.runners.values()
        if r.runner_type == "instance_type"
        or (r.runner_type == "group_type" and ancestry & set(r.group_ids))
    )
    params = Params(context.request)
    rows = _filtered(context, params, available, scopes=None)
    return _page(context, params, rows)
