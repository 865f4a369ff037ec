"""One instance's refresh: who we are, then every token kind we may see.

Two strategies, chosen by the signed-in user's role:

* a user walks their own personal tokens and runners, then every project where they
  are Maintainer+ (project and deploy tokens, triggers, agent tokens, the project's
  service accounts' tokens) and every group where they are Maintainer+ (deploy tokens)
  or Owner (group tokens; a top-level group's service accounts' tokens): this module;
* an administrator reads the instance-wide listings instead
  (:mod:`gltui.inventory.admin_walk`).

The kinds outside the token tables (triggers, agent tokens, runners, service accounts)
are :mod:`gltui.inventory.kinds_walk`'s, for both.

On a fine-grained token (GitLab 19.2+), GitLab refuses route by route what the token's
permissions do not cover (403 ``insufficient_granular_scope``, or 404): each such
listing is "not available with this token's permissions", a problem of that listing,
never the instance's failure. Whether the token is fine-grained comes from its own
record (``/personal_access_tokens/self``, asked first), never from the version; until it
answers, a refusal that would end a legacy token's walk waits (:meth:`Crawl.decide_refusals`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from gltui.adapters import parse
from gltui.adapters.port import Connect, GitLabPort, Listed, Listing
from gltui.adapters.wire import ApiFailure
from gltui.domain.access import AccessLevel
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.admin_walk import admin_walk, classify_admin_rows, impersonation_walk
from gltui.inventory.collect import (
    ROW_ERRORS,
    Collected,
    list_tokens,
    not_permitted,
    problem_sink,
    says_fine_grained,
    settle_version,
)
from gltui.inventory.connect import api_for
from gltui.inventory.crawl import Crawl, CrawlLimits, InstanceUnavailable, Rows
from gltui.inventory.kinds_walk import (
    PROJECT_KINDS,
    fill_paths,
    group_kinds,
    project_kinds,
    runners,
)
from gltui.inventory.model import Identity, InstanceInventory, Problem, Progress, Scope
from gltui.inventory.probe import IDENTIFY_REFUSALS, identify
from gltui.inventory.spec import InstanceSpec

MAINTAINER, OWNER = int(AccessLevel.MAINTAINER), int(AccessLevel.OWNER)
_BOT_USERNAME = re.compile(r"^(project|group)_(\d+)_bot")

ProgressSink = Callable[[Progress], None]


def walk_instance(
    spec: InstanceSpec,
    now: datetime,
    on_progress: ProgressSink | None = None,
    *,
    connect: Connect = api_for,
) -> InstanceInventory:
    """Inventory one instance; never raises for GitLab or network trouble.

    ``connect`` gives the port for ``spec`` (the real client by default; tests pass a
    fake, so the strategies are tested without sockets)."""
    if spec.token_problem is not None:
        failure = Failure(FailureKind.NO_TOKEN, spec.token_problem)
        return InstanceInventory(spec.name, spec.url, now, failure=failure)

    def waiting(seconds: float, why: str) -> None:
        # called from a request, so only once ``api`` below is bound
        if on_progress:
            made = api.requests_made
            on_progress(
                Progress(spec.name, made, made + 1, note=f"waiting {seconds:.0f} s ({why})")
            )

    api = connect(spec, gated=True, on_wait=waiting)
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
    spec: InstanceSpec, api: GitLabPort, now: datetime, on_progress: ProgressSink | None
) -> InstanceInventory:
    def failed(failure: Failure, identity: Identity | None = None) -> InstanceInventory:
        if on_progress:
            on_progress(Progress(spec.name, api.requests_made, api.requests_made, finished=True))
        return InstanceInventory(
            spec.name, spec.url, now, identity=identity, failure=failure, requests=api.requests_made
        )

    def report(done: int, expected: int) -> None:
        if on_progress:
            on_progress(Progress(spec.name, done + 1, expected + 1))

    state = Collected()
    own_answer: dict[str, Any] | None = None  # asked already when /user refused
    try:
        identity = identify(api)
    except ApiFailure as error:
        if error.failure.kind not in IDENTIFY_REFUSALS:
            return failed(error.failure)
        found = _identity_of_own_token(api, state)
        if found is None:
            return failed(error.failure)
        identity, own_answer = found
        state.problems.append(Problem("signed-in user", not_permitted(error.failure)))

    crawl = Crawl(api, spec.concurrency, report, CrawlLimits(walk_seconds=spec.walk_timeout))
    # a refusal means "this listing is beyond a fine-grained token's permissions" or "this
    # legacy token cannot read at all": it waits for the token's own record to say which
    crawl.refusals_are_partial = True if state.fine_grained else None
    state.is_admin = identity.is_admin
    try:
        _about_the_instance(spec, crawl, state, own_answer)
        if identity.is_admin:
            admin_walk(spec, crawl, state)
            runners(spec, crawl, state)
            crawl.run()
            impersonation_walk(spec, crawl, state)
        else:
            _user_walk(spec, crawl, state, identity)
        crawl.run()
    except InstanceUnavailable as error:
        return failed(error.failure, identity)
    finally:
        crawl.close()
    if state.fine_grained:  # its refusals are its permissions' limits: said so
        state.problems = [
            Problem(problem.where, not_permitted(problem.failure), problem.scope)
            for problem in state.problems
        ]
    if identity.is_admin:
        classify_admin_rows(spec, state)
    fill_paths(state)
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


def _about_the_instance(
    spec: InstanceSpec, crawl: Crawl, state: Collected, own_answer: dict[str, Any] | None
) -> None:
    """The version and the token gltui itself uses, beside the listings (``own_answer``:
    its record, when the identity already had to ask for it)."""

    def version_from(version: str | None) -> None:
        state.version = version
        settle_version(state)

    def version_unknown(failure: Failure) -> None:
        state.problems.append(Problem("version", failure))
        settle_version(state)  # every version gate now asks GitLab instead

    def own_token(data: dict[str, Any]) -> None:
        state.fine_grained = state.fine_grained or says_fine_grained(data)
        try:
            state.own_token = parse.personal_token(spec.name, data)
            state.fine_grained = state.fine_grained or state.own_token.is_fine_grained
        except ROW_ERRORS:
            pass
        crawl.decide_refusals(state.fine_grained)

    def self_unknown(failure: Failure) -> None:
        # before 15.5 GitLab cannot say which token is calling: degrade quietly
        crawl.decide_refusals(state.fine_grained)
        if failure.kind not in (FailureKind.NOT_FOUND, FailureKind.BAD_RESPONSE):
            state.problems.append(Problem("own token", failure))

    # a fine-grained token without read_metadata leaves the version unknown: every
    # version gate then asks GitLab instead (and the problem says why)
    crawl.call(lambda port: port.version(), then=version_from, on_error=version_unknown)
    if own_answer is not None:
        own_token(own_answer)
    else:
        crawl.call(lambda port: port.own_token(), then=own_token, on_error=self_unknown)


def _identity_of_own_token(
    api: GitLabPort, state: Collected
) -> tuple[Identity, dict[str, Any]] | None:
    """Who a fine-grained token signs in as when ``GET /user`` is beyond its permissions
    (it needs ``read_user`` there: UNCONFIRMED): ``/personal_access_tokens/self`` names
    the user. Not an administrator as far as gltui can tell, so the walk is a user's
    (an administrator's instance-wide listings would need permissions it lacks anyway).
    ``None`` for a legacy token: its refusal is the instance's failure, as always. With
    the identity, the token's record, which the walk then need not ask for again."""
    try:
        data = api.own_token()
    except ApiFailure:
        return None
    user_id = data.get("user_id")
    if not says_fine_grained(data) or not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    state.fine_grained = True
    return Identity(user_id, "", False), data


def _user_walk(spec: InstanceSpec, crawl: Crawl, state: Collected, me: Identity) -> None:
    owner_name = me.username
    if TokenKind.PERSONAL in spec.kinds:
        list_tokens(
            crawl,
            state,
            Listing(Listed.PERSONAL_TOKENS, "listing your personal access tokens"),
            lambda row: parse.personal_token(spec.name, row, username=owner_name),
            "personal access tokens",
            Scope(frozenset({TokenKind.PERSONAL})),
        )
    runners(spec, crawl, state)
    wants_projects = bool({TokenKind.PROJECT, TokenKind.DEPLOY, *PROJECT_KINDS} & spec.kinds)
    if wants_projects:
        crawl.list_all(
            Listing(Listed.PROJECTS, "listing your projects", min_access_level=MAINTAINER),
            on_rows=lambda rows: _each_project(spec, crawl, state, rows),
            on_error=problem_sink(
                state,
                "projects",
                Scope(
                    frozenset({TokenKind.PROJECT, TokenKind.DEPLOY, *PROJECT_KINDS}),
                    ResourceType.PROJECT,
                ),
            ),
        )
    if TokenKind.DEPLOY in spec.kinds:
        crawl.list_all(
            Listing(Listed.GROUPS, "listing your groups", min_access_level=MAINTAINER),
            on_rows=lambda rows: _each_group(
                spec, crawl, state, rows, deploy=True, access=False, owned=False
            ),
            on_error=problem_sink(
                state, "groups", Scope(frozenset({TokenKind.DEPLOY}), ResourceType.GROUP)
            ),
        )
    if {TokenKind.GROUP, TokenKind.SERVICE_ACCOUNT} & spec.kinds:
        access = TokenKind.GROUP in spec.kinds
        crawl.list_all(
            Listing(Listed.GROUPS, "listing the groups you own", min_access_level=OWNER),
            on_rows=lambda rows: _each_group(
                spec, crawl, state, rows, deploy=False, access=access, owned=True
            ),
            on_error=problem_sink(
                state,
                "groups",
                Scope(frozenset({TokenKind.GROUP, TokenKind.SERVICE_ACCOUNT}), ResourceType.GROUP),
            ),
        )


def _resource_listings(
    spec: InstanceSpec,
    crawl: Crawl,
    state: Collected,
    resource: Resource,
    *,
    access: bool,
    deploy: bool,
) -> None:
    kind = TokenKind(resource.type.value)
    label = f"{resource.type.value} {resource.path}"
    if access:
        list_tokens(
            crawl,
            state,
            Listing(
                Listed.RESOURCE_ACCESS_TOKENS,
                f"listing the access tokens of {label}",
                resource=resource,
            ),
            lambda row: parse.personal_token(spec.name, row, kind=kind, resource=resource),
            label,
            Scope(frozenset({kind}), resource.type, resource.id),
        )
    if deploy:
        list_tokens(
            crawl,
            state,
            Listing(
                Listed.RESOURCE_DEPLOY_TOKENS,
                f"listing the deploy tokens of {label}",
                resource=resource,
            ),
            lambda row: parse.deploy_token(spec.name, row, resource=resource),
            label,
            Scope(frozenset({TokenKind.DEPLOY}), resource.type, resource.id),
        )


def _each_project(spec: InstanceSpec, crawl: Crawl, state: Collected, rows: Rows) -> None:
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
        project_kinds(spec, crawl, state, resource)


def _each_group(
    spec: InstanceSpec,
    crawl: Crawl,
    state: Collected,
    rows: Rows,
    *,
    deploy: bool,
    access: bool,
    owned: bool,
) -> None:
    """``owned``: the groups the user owns (their service accounts are theirs too)."""
    for row in rows:
        group_id, path = row.get("id"), row.get("full_path")
        if not isinstance(group_id, int) or not isinstance(path, str):
            continue
        state.group_paths[group_id] = path
        if spec.in_scope(path):
            resource = Resource(ResourceType.GROUP, group_id, path)
            _resource_listings(spec, crawl, state, resource, access=access, deploy=deploy)
            if owned:
                group_kinds(spec, crawl, state, resource)


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
