"""The administrator's walk: instance-wide listings instead of one per project.

``/personal_access_tokens`` (every PAT-table row: people's, bots' and impersonation
tokens, service accounts'), ``/users`` (to tell those apart: bot usernames
``project_<id>_bot_...`` name their resource), ``/deploy_tokens``, ``/runners/all``, and
one impersonation listing per person who holds tokens. That costs pages, not one request
per project, and counts every token once. Triggers and agent tokens have no
instance-wide listing, so those (and where each service account belongs) cost requests
per project and per top-level group (:mod:`gltui.inventory.kinds_walk`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gltui.adapters import parse
from gltui.adapters.port import Listed, Listing
from gltui.domain.tokens import Owner, Resource, ResourceType, TokenKind
from gltui.inventory.collect import (
    PAT_TABLE_KINDS,
    ROW_ERRORS,
    Collected,
    bad_row,
    is_id,
    list_tokens,
    problem_sink,
    row_scope,
)
from gltui.inventory.crawl import Crawl, Rows
from gltui.inventory.kinds_walk import PROJECT_KINDS, group_kinds, project_kinds
from gltui.inventory.model import Problem, Scope
from gltui.inventory.spec import InstanceSpec

_BOT_USERNAME = re.compile(r"^(project|group)_(\d+)_bot")

_USER_FIELDS = ("username", "bot")
"""What the walk reads of a user: whether it is a bot, and its name (which names a
bot's resource)."""


def _only(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: row[field] for field in fields if field in row}


def admin_walk(spec: InstanceSpec, crawl: Crawl, state: Collected) -> None:
    """The instance-wide listings; a person's impersonation listing is queued as soon as
    both their PAT rows and their user row have arrived (bots hold none), so it overlaps
    the remaining pages instead of waiting for every listing to end."""

    def keep_rows(rows: Rows) -> None:
        for row in rows:
            try:  # parsed on arrival, so a page's dicts are freed with it
                state.personal_tokens.append(parse.personal_token(spec.name, row))
            except ROW_ERRORS as error:  # told once /users says whether its kind is kept
                scope = row_scope(PAT_TABLE_KINDS, row)
                problem = Problem("personal access tokens", bad_row(error), scope)
                state.bad_personal_rows.append((row.get("id"), row.get("user_id"), problem))
            user_id = row.get("user_id")
            if isinstance(user_id, int) and is_id(user_id) and user_id not in state.holders:
                state.holders.add(user_id)
                if user_id in state.users:
                    _ask_impersonation(spec, crawl, state, user_id)

    def keep_users(rows: Rows) -> None:
        for row in rows:
            if isinstance(row.get("id"), int):
                state.users[row["id"]] = _only(row, _USER_FIELDS)
                if row["id"] in state.holders:
                    _ask_impersonation(spec, crawl, state, row["id"])

    def keep_paths(resource_type: ResourceType) -> Callable[[Rows], None]:
        """Every project's or group's path (bot usernames name them by id), and the
        listings of the kinds that live in each: triggers, agents, service accounts."""
        project = resource_type is ResourceType.PROJECT
        table = state.project_paths if project else state.group_paths
        key = "path_with_namespace" if project else "full_path"
        more = project_kinds if project else group_kinds

        def keep(rows: Rows) -> None:
            for row in rows:
                place_id, path = row.get("id"), row.get(key)
                if isinstance(place_id, int) and isinstance(path, str):
                    table[place_id] = path
                    if spec.in_scope(path):
                        more(spec, crawl, state, Resource(resource_type, place_id, path))

        return keep

    crawl.list_all(
        Listing(Listed.PERSONAL_TOKENS, "listing the instance's personal access tokens"),
        on_rows=keep_rows,
        on_error=problem_sink(state, "personal access tokens", Scope(PAT_TABLE_KINDS)),
    )
    crawl.list_all(
        Listing(Listed.USERS, "listing users"),
        on_rows=keep_users,
        on_error=problem_sink(state, "users"),
    )
    if {TokenKind.PROJECT, TokenKind.GROUP, *PROJECT_KINDS} & spec.kinds:
        crawl.list_all(
            Listing(Listed.PROJECTS, "listing projects"),
            on_rows=keep_paths(ResourceType.PROJECT),
            on_error=problem_sink(
                state, "projects", Scope(PROJECT_KINDS - {TokenKind.SERVICE_ACCOUNT})
            ),
        )
        crawl.list_all(
            Listing(Listed.GROUPS, "listing groups"),
            on_rows=keep_paths(ResourceType.GROUP),
            on_error=problem_sink(state, "groups"),
        )
    if TokenKind.DEPLOY in spec.kinds:
        list_tokens(
            crawl,
            state,
            Listing(Listed.DEPLOY_TOKENS, "listing the instance's deploy tokens"),
            lambda row: parse.deploy_token(spec.name, row, resource=None),
            "deploy tokens",
            Scope(frozenset({TokenKind.DEPLOY})),
        )


def impersonation_walk(spec: InstanceSpec, crawl: Crawl, state: Collected) -> None:
    """The holders whose user row never came (``/users`` failed): their listings now."""
    for user_id in sorted(state.holders - state.impersonation_asked):
        _ask_impersonation(spec, crawl, state, user_id)


def _ask_impersonation(spec: InstanceSpec, crawl: Crawl, state: Collected, user_id: int) -> None:
    """One listing per person who holds PAT-table rows (bots never hold impersonation
    tokens), asked once."""
    if TokenKind.IMPERSONATION not in spec.kinds or user_id in state.impersonation_asked:
        return
    user = state.users.get(user_id, {})
    if user.get("bot"):
        return
    state.impersonation_asked.add(user_id)
    username = user.get("username")

    def keep(rows: Rows) -> None:
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
                    Problem(
                        f"impersonation tokens of user {user_id}",
                        bad_row(error),
                        row_scope(frozenset({TokenKind.IMPERSONATION}), row),
                    )
                )
                continue
            state.impersonation_ids.add(token.id)
            state.tokens.append(token)

    crawl.list_all(
        Listing(
            Listed.IMPERSONATION_TOKENS,
            f"listing impersonation tokens of user {user_id}",
            user_id=user_id,
        ),
        on_rows=keep,
        on_error=problem_sink(
            state,
            f"impersonation tokens of user {user_id}",
            Scope(frozenset({TokenKind.IMPERSONATION}), owner_id=user_id),
        ),
    )


def classify_admin_rows(spec: InstanceSpec, state: Collected) -> None:
    """Turn the admin's PAT-table rows into personal, bot-backed or service-account tokens,
    now that ``/users`` and the project and group listings say whose each one is.

    The rows were parsed as they arrived (as personal tokens with no username): each is
    given its kind, owner name and place here, one at a time, and let go of as it goes,
    so 100,000 of them are never held twice."""
    parsed, state.personal_tokens = state.personal_tokens, []
    parsed.reverse()  # popped from the end: arrival order
    while parsed:
        token = parsed.pop()
        if token.id in state.impersonation_ids:
            continue  # already collected with its real kind
        user_id = token.owner.user_id if token.owner else None
        kind, resource, username = _placed(spec, state, user_id)
        if kind is not None:
            owner = Owner(user_id, username) if user_id is not None or username else None
            state.tokens.append(replace(token, kind=kind, resource=resource, owner=owner))
    for row_id, holder, problem in state.bad_personal_rows:  # told if their kind is kept
        if is_id(row_id) and row_id in state.impersonation_ids:
            continue
        if _placed(spec, state, holder if isinstance(holder, int) else None)[0] is not None:
            state.problems.append(problem)
    state.bad_personal_rows = []


def _placed(
    spec: InstanceSpec, state: Collected, user_id: int | None
) -> tuple[TokenKind | None, Resource | None, str | None]:
    """(kind, place, owner's username) of a PAT-table row held by ``user_id``; kind
    ``None``: a kind or place this instance does not keep."""
    user = state.users.get(user_id, {}) if user_id is not None else {}
    username = user.get("username") if isinstance(user.get("username"), str) else None
    kind, resource = _kind_of(state, user, username)
    if kind is TokenKind.SERVICE_ACCOUNT and user_id is not None:
        resource = state.account_places.get(user_id)  # a group's or project's account
    if kind not in spec.kinds or (resource and resource.path and not spec.in_scope(resource.path)):
        return None, None, None
    return kind, resource, username


def _kind_of(
    state: Collected, user: dict[str, Any], username: str | None
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
