"""One instance's refresh: who we are, then every token kind we may see.

Two strategies, chosen by the signed-in user's role:

* a user walks their own personal tokens, then every project where they are
  Maintainer+ (project and deploy tokens) and every group where they are
  Maintainer+ (deploy tokens) or Owner (group tokens);
* an administrator reads the instance-wide listings instead:
  ``/personal_access_tokens`` (every PAT-table row: people's, bots' and
  impersonation tokens), ``/users`` (to tell those apart: bot usernames
  ``project_<id>_bot_...`` name their resource), ``/deploy_tokens``, and one
  impersonation listing per person who holds tokens. That costs pages, not one
  request per project, and counts every token once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gltui.adapters import parse
from gltui.adapters.wire import ApiFailure, Reply
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.connect import api_for
from gltui.inventory.crawl import Crawl, CrawlLimits, InstanceUnavailable, Rows
from gltui.inventory.model import Identity, InstanceInventory, Problem, Progress
from gltui.inventory.probe import identify
from gltui.inventory.spec import InstanceSpec

if TYPE_CHECKING:
    from gltui.adapters.gitlab_api import GitLabApi

MAINTAINER, OWNER = 40, 50
_BOT_USERNAME = re.compile(r"^(project|group)_(\d+)_bot")

ProgressSink = Callable[[Progress], None]


@dataclass
class _Collected:
    """Walk state; touched only on the coordinator thread."""

    tokens: list[Token] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None
    own_token: Token | None = None
    project_paths: dict[int, str] = field(default_factory=dict)
    group_paths: dict[int, str] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    personal_rows: list[dict[str, Any]] = field(default_factory=list)
    impersonation_ids: set[int] = field(default_factory=set)


def walk_instance(
    spec: InstanceSpec, now: datetime, on_progress: ProgressSink | None = None
) -> InstanceInventory:
    """Inventory one instance; never raises for GitLab or network trouble."""
    if spec.token_problem is not None:
        failure = Failure(FailureKind.NO_TOKEN, spec.token_problem)
        return InstanceInventory(spec.name, spec.url, now, failure=failure)
    # imported here: python-gitlab costs ~50 ms that the dashboard's first paint skips
    from gltui.adapters.gitlab_api import RateGate

    gate = RateGate(reserve=spec.concurrency * 2, max_wait=spec.max_wait)
    holder: list[GitLabApi] = []

    def waiting(seconds: float, why: str) -> None:
        if on_progress and holder:
            made = holder[0].requests_made
            on_progress(
                Progress(spec.name, made, made + 1, note=f"waiting {seconds:.0f} s ({why})")
            )

    api = api_for(spec, gate=gate, on_wait=waiting)
    holder.append(api)
    try:
        return _walk(spec, api, now, on_progress)
    except Exception as error:  # a server's odd answer must cost this instance, not the run
        failure = Failure(
            FailureKind.BAD_RESPONSE,
            f"gltui could not read this instance's answers ({type(error).__name__})",
        )
        return InstanceInventory(spec.name, spec.url, now, failure=failure)
    finally:
        api.close()


def _walk(
    spec: InstanceSpec, api: GitLabApi, now: datetime, on_progress: ProgressSink | None
) -> InstanceInventory:
    def failed(failure: Failure, identity: Identity | None = None) -> InstanceInventory:
        if on_progress:
            on_progress(Progress(spec.name, api.requests_made, api.requests_made, finished=True))
        return InstanceInventory(
            spec.name, spec.url, now, identity=identity, failure=failure, requests=api.requests_made
        )

    try:
        identity = identify(api)
    except ApiFailure as error:
        return failed(error.failure)

    def report(done: int, expected: int) -> None:
        if on_progress:
            on_progress(Progress(spec.name, done + 1, expected + 1))

    crawl = Crawl(api, spec.concurrency, report, CrawlLimits(walk_seconds=spec.walk_timeout))
    state = _Collected()
    try:
        _about_the_instance(spec, crawl, state)
        if identity.is_admin:
            _admin_walk(spec, crawl, state)
            crawl.run()
            _impersonation_walk(spec, crawl, state)
        else:
            _user_walk(spec, crawl, state, identity)
        crawl.run()
    except InstanceUnavailable as error:
        return failed(error.failure, identity)
    finally:
        crawl.close()
    if identity.is_admin:
        _classify_admin_rows(spec, state)
    identity = Identity(identity.user_id, identity.username, identity.is_admin, state.version)
    if on_progress:
        on_progress(Progress(spec.name, api.requests_made, api.requests_made, finished=True))
    return InstanceInventory(
        name=spec.name,
        url=spec.url,
        fetched_at=now,
        identity=identity,
        own_token=state.own_token,
        tokens=_dedupe(state.tokens),
        problems=tuple(state.problems),
        requests=api.requests_made,
    )


def _problem(state: _Collected, where: str) -> Callable[[Failure], None]:
    return lambda failure: state.problems.append(Problem(where, failure))


def _about_the_instance(spec: InstanceSpec, crawl: Crawl, state: _Collected) -> None:
    """Version (``/metadata``, else ``/version``) and the token gltui itself uses."""

    def version_from(reply: Reply) -> None:
        if isinstance(reply.data, dict) and isinstance(reply.data.get("version"), str):
            state.version = reply.data["version"]

    def metadata_missing(failure: Failure) -> None:
        if failure.kind is FailureKind.NOT_FOUND:  # before 15.2
            crawl.get(
                "/version",
                None,
                action="reading the version",
                then=version_from,
                on_error=_problem(state, "version"),
            )
        else:
            state.problems.append(Problem("version", failure))

    crawl.get(
        "/metadata",
        None,
        action="reading the version",
        then=version_from,
        on_error=metadata_missing,
    )

    def own_token(reply: Reply) -> None:
        if isinstance(reply.data, dict):
            try:
                state.own_token = parse.personal_token(spec.name, reply.data)
            except ROW_ERRORS:
                return

    def self_unknown(failure: Failure) -> None:
        # before 15.5 GitLab cannot say which token is calling: degrade quietly
        if failure.kind not in (FailureKind.NOT_FOUND, FailureKind.BAD_RESPONSE):
            state.problems.append(Problem("own token", failure))

    crawl.get(
        "/personal_access_tokens/self",
        None,
        action="reading gltui's own token",
        then=own_token,
        on_error=self_unknown,
    )


ROW_ERRORS = (parse.MalformedTokenError, ValueError, TypeError, OverflowError)
"""What one odd row can raise; it costs that row (a named problem), never the instance."""


def _add_rows(
    state: _Collected, make: Callable[[dict[str, Any]], Token], where: str
) -> Callable[[Rows], None]:
    def add(rows: Rows) -> None:
        for row in rows:
            try:
                state.tokens.append(make(row))
            except ROW_ERRORS as error:
                state.problems.append(Problem(where, _bad_row(error)))

    return add


def _bad_row(error: Exception) -> Failure:
    if isinstance(error, parse.MalformedTokenError):
        return Failure(FailureKind.BAD_RESPONSE, str(error))
    return Failure(FailureKind.BAD_RESPONSE, f"an unreadable token row ({type(error).__name__})")


def _list_tokens(
    crawl: Crawl,
    state: _Collected,
    path: str,
    action: str,
    make: Callable[[dict[str, Any]], Token],
    where: str,
) -> None:
    """Every page of a token listing into ``state``; a bad row or a failed listing is a
    problem named ``where`` and the walk goes on."""
    crawl.list_all(
        path,
        None,
        action=action,
        on_rows=_add_rows(state, make, where),
        on_error=_problem(state, where),
    )


def _user_walk(spec: InstanceSpec, crawl: Crawl, state: _Collected, me: Identity) -> None:
    owner_name = me.username
    if TokenKind.PERSONAL in spec.kinds:
        _list_tokens(
            crawl,
            state,
            "/personal_access_tokens",
            "listing your personal access tokens",
            lambda row: parse.personal_token(spec.name, row, username=owner_name),
            "personal access tokens",
        )
    wants_projects = bool({TokenKind.PROJECT, TokenKind.DEPLOY} & spec.kinds)
    if wants_projects:
        crawl.list_all(
            "/projects",
            {"min_access_level": MAINTAINER, "order_by": "id", "sort": "asc", "simple": True},
            action="listing your projects",
            on_rows=lambda rows: _each_project(spec, crawl, state, rows),
            on_error=_problem(state, "projects"),
        )
    if TokenKind.DEPLOY in spec.kinds:
        crawl.list_all(
            "/groups",
            {"min_access_level": MAINTAINER},
            action="listing your groups",
            on_rows=lambda rows: _each_group(spec, crawl, state, rows, deploy=True, access=False),
            on_error=_problem(state, "groups"),
        )
    if TokenKind.GROUP in spec.kinds:
        crawl.list_all(
            "/groups",
            {"min_access_level": OWNER},
            action="listing the groups you own",
            on_rows=lambda rows: _each_group(spec, crawl, state, rows, deploy=False, access=True),
            on_error=_problem(state, "groups"),
        )


def _resource_listings(
    spec: InstanceSpec,
    crawl: Crawl,
    state: _Collected,
    resource: Resource,
    *,
    access: bool,
    deploy: bool,
) -> None:
    kind = TokenKind(resource.type.value)
    base = f"/{resource.type.value}s/{resource.id}"
    label = f"{resource.type.value} {resource.path}"
    if access:
        _list_tokens(
            crawl,
            state,
            f"{base}/access_tokens",
            f"listing the access tokens of {label}",
            lambda row: parse.personal_token(spec.name, row, kind=kind, resource=resource),
            label,
        )
    if deploy:
        _list_tokens(
            crawl,
            state,
            f"{base}/deploy_tokens",
            f"listing the deploy tokens of {label}",
            lambda row: parse.deploy_token(spec.name, row, resource=resource),
            label,
        )


def _each_project(spec: InstanceSpec, crawl: Crawl, state: _Collected, rows: Rows) -> None:
    for row in rows:
        project_id, path = row.get("id"), row.get("path_with_namespace")
        if not isinstance(project_id, int) or not isinstance(path, str):
            continue
        state.project_paths[project_id] = path
        if not spec.in_scope(path):
            continue
        resource = Resource(ResourceType.PROJECT, project_id, path)
        _resource_listings(
            spec,
            crawl,
            state,
            resource,
            access=TokenKind.PROJECT in spec.kinds,
            deploy=TokenKind.DEPLOY in spec.kinds,
        )


def _each_group(
    spec: InstanceSpec, crawl: Crawl, state: _Collected, rows: Rows, *, deploy: bool, access: bool
) -> None:
    for row in rows:
        group_id, path = row.get("id"), row.get("full_path")
        if not isinstance(group_id, int) or not isinstance(path, str):
            continue
        state.group_paths[group_id] = path
        if spec.in_scope(path):
            resource = Resource(ResourceType.GROUP, group_id, path)
            _resource_listings(spec, crawl, state, resource, access=access, deploy=deploy)


def _admin_walk(spec: InstanceSpec, crawl: Crawl, state: _Collected) -> None:
    def keep_rows(rows: Rows) -> None:
        state.personal_rows.extend(rows)

    def keep_users(rows: Rows) -> None:
        for row in rows:
            if isinstance(row.get("id"), int):
                state.users[row["id"]] = row

    def keep_paths(table: dict[int, str], key: str) -> Callable[[Rows], None]:
        def keep(rows: Rows) -> None:
            for row in rows:
                if isinstance(row.get("id"), int) and isinstance(row.get(key), str):
                    table[row["id"]] = row[key]

        return keep

    crawl.list_all(
        "/personal_access_tokens",
        None,
        action="listing the instance's personal access tokens",
        on_rows=keep_rows,
        on_error=_problem(state, "personal access tokens"),
    )
    crawl.list_all(
        "/users",
        None,
        action="listing users",
        on_rows=keep_users,
        on_error=_problem(state, "users"),
    )
    if bool({TokenKind.PROJECT, TokenKind.GROUP} & spec.kinds):
        crawl.list_all(
            "/projects",
            {"order_by": "id", "sort": "asc", "simple": True},
            action="listing projects",
            on_rows=keep_paths(state.project_paths, "path_with_namespace"),
            on_error=_problem(state, "projects"),
        )
        crawl.list_all(
            "/groups",
            {"all_available": True},
            action="listing groups",
            on_rows=keep_paths(state.group_paths, "full_path"),
            on_error=_problem(state, "groups"),
        )
    if TokenKind.DEPLOY in spec.kinds:
        _list_tokens(
            crawl,
            state,
            "/deploy_tokens",
            "listing the instance's deploy tokens",
            lambda row: parse.deploy_token(spec.name, row, resource=None),
            "deploy tokens",
        )


def _impersonation_walk(spec: InstanceSpec, crawl: Crawl, state: _Collected) -> None:
    """One listing per person who holds PAT-table rows (bots never hold impersonation tokens)."""
    if TokenKind.IMPERSONATION not in spec.kinds:
        return
    holders = {row.get("user_id") for row in state.personal_rows if _is_id(row.get("user_id"))}
    for user_id in sorted(h for h in holders if isinstance(h, int)):
        user = state.users.get(user_id, {})
        if user.get("bot"):
            continue
        username = user.get("username")

        def keep(rows: Rows, username: object = username, user_id: int = user_id) -> None:
            for row in rows:
                try:
                    token = parse.personal_token(
                        spec.name,
                        row,
                        kind=TokenKind.IMPERSONATION,
                        username=username if isinstance(username, str) else None,
                    )
                except ROW_ERRORS as error:
                    state.problems.append(
                        Problem(f"impersonation tokens of user {user_id}", _bad_row(error))
                    )
                    continue
                state.impersonation_ids.add(token.id)
                state.tokens.append(token)

        crawl.list_all(
            f"/users/{user_id}/impersonation_tokens",
            None,
            action=f"listing impersonation tokens of user {user_id}",
            on_rows=keep,
            on_error=_problem(state, f"impersonation tokens of user {user_id}"),
        )


def _classify_admin_rows(spec: InstanceSpec, state: _Collected) -> None:
    """Turn the admin's PAT-table rows into personal, bot-backed or service-account tokens."""
    for row in state.personal_rows:
        row_id = row.get("id")
        if _is_id(row_id) and row_id in state.impersonation_ids:
            continue  # already collected with its real kind
        user_id = row.get("user_id")
        user = state.users.get(user_id, {}) if isinstance(user_id, int) else {}
        username = user.get("username") if isinstance(user.get("username"), str) else None
        kind, resource = _kind_of(state, user, username)
        if kind not in spec.kinds or (
            resource and resource.path and not spec.in_scope(resource.path)
        ):
            continue
        try:
            state.tokens.append(
                parse.personal_token(
                    spec.name, row, kind=kind, resource=resource, username=username
                )
            )
        except ROW_ERRORS as error:
            state.problems.append(Problem("personal access tokens", _bad_row(error)))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind_of(
    state: _Collected, user: dict[str, Any], username: str | None
) -> tuple[TokenKind, Resource | None]:
    if not user.get("bot") or username is None:
        return TokenKind.PERSONAL, None
    match = _BOT_USERNAME.match(username)
    if match is None:
        return TokenKind.SERVICE_ACCOUNT, None
    resource_type = ResourceType(match.group(1))
    resource_id = int(match.group(2))
    paths = state.project_paths if resource_type is ResourceType.PROJECT else state.group_paths
    return TokenKind(resource_type.value), Resource(
        resource_type, resource_id, paths.get(resource_id)
    )


def _dedupe(tokens: list[Token]) -> tuple[Token, ...]:
    """Each token once, in a stable order (pages arrive in any order; reports and
    snapshots should not change when nothing did); a row with its resource known wins
    over a bare one."""
    chosen: dict[tuple[str, str, int], Token] = {}
    for token in tokens:
        key = token.identity
        current = chosen.get(key)
        if current is None or (current.resource is None and token.resource is not None):
            chosen[key] = token
    return tuple(chosen[key] for key in sorted(chosen))
