"""The credentials outside GitLab's token tables: pipeline triggers, cluster agent
tokens, group and project service-account tokens, runner authentication tokens.

Both walk strategies use these (``gitlab-2026.md`` §1.3, §1.6, §1.10):

* per project (the ones a user maintains; every project for an administrator):
  ``/projects/:id/triggers`` (Maintainer), ``/projects/:id/cluster_agents``, each
  agent's ``/tokens`` (Developer+) and each token's own ``GET`` (only it says when the
  token was last used), ``/projects/:id/service_accounts`` (18.11+);
* per top-level group (the ones a user owns; every one for an administrator):
  ``/groups/:id/service_accounts`` (17.1+);
* a service account's tokens, ``…/service_accounts/:user_id/personal_access_tokens``
  (groups 17.11+, projects 18.11+), for users only: an administrator's
  ``/personal_access_tokens`` already holds them (PAT-table rows), and the accounts
  listing says where each belongs, so an administrator pays one request per place,
  not one per account;
* runners: ``/runners`` (what a user manages: project runners of projects they maintain,
  group runners of groups they own; ``/projects/:id/runners`` and ``/groups/:id/runners``
  add only runners the user does not manage, so they are not asked) or ``/runners/all``
  (administrators), then ``GET /runners/:id`` per runner for ``token_expires_at``, which
  no listing carries.

Whether an instance or a role has a kind is discovered, never assumed: a 403 or 404 on
these listings is "not available here" (:func:`~gltui.inventory.collect.discovery_sink`),
and a version the reference dates a listing by skips it without asking. Everything is
queued on the crawl, so these listings overlap every other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from gltui.adapters import parse
from gltui.adapters.endpoints import at_least, listing_since
from gltui.adapters.port import GitLabPort, Listed, Listing
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.collect import (
    ROW_ERRORS,
    Collected,
    add_rows,
    bad_row,
    discovery_sink,
    is_id,
    row_scope,
    when_version_known,
)
from gltui.inventory.crawl import Crawl, Rows
from gltui.inventory.model import Problem, Scope
from gltui.inventory.spec import InstanceSpec

PROJECT_KINDS = frozenset({TokenKind.TRIGGER, TokenKind.CLUSTER_AGENT, TokenKind.SERVICE_ACCOUNT})
"""What a project holds besides its access and deploy tokens."""


def _gated(crawl: Crawl, state: Collected, listing: Listing, ask: Callable[[], None]) -> None:
    """``ask`` for ``listing`` unless the version is known to lack it (quietly)."""
    since = listing_since(listing)
    if since is None:
        ask()
        return

    def decide() -> None:
        if at_least(state.version, since) is not False:
            ask()

    when_version_known(state, decide)


def project_kinds(spec: InstanceSpec, crawl: Crawl, state: Collected, project: Resource) -> None:
    """A project's triggers, agent tokens and service-account tokens, as ``spec`` wants."""
    label = f"project {project.path}"
    if TokenKind.TRIGGER in spec.kinds:
        scope = Scope(frozenset({TokenKind.TRIGGER}), ResourceType.PROJECT, project.id)
        listing = Listing(
            Listed.TRIGGERS, f"listing the pipeline triggers of {label}", resource=project
        )
        crawl.list_all(
            listing,
            on_rows=add_rows(
                state,
                lambda row: parse.trigger_token(spec.name, row, resource=project),
                label,
                scope,
            ),
            on_error=discovery_sink(state, label, scope),
        )
    if TokenKind.CLUSTER_AGENT in spec.kinds:
        _agents(spec, crawl, state, project)
    if TokenKind.SERVICE_ACCOUNT in spec.kinds:
        service_accounts(spec, crawl, state, project)


def group_kinds(spec: InstanceSpec, crawl: Crawl, state: Collected, group: Resource) -> None:
    """A top-level group's service-account tokens (GitLab gives subgroups none: §1.3)."""
    if TokenKind.SERVICE_ACCOUNT in spec.kinds and group.path and "/" not in group.path:
        service_accounts(spec, crawl, state, group)


def _agents(spec: InstanceSpec, crawl: Crawl, state: Collected, project: Resource) -> None:
    label = f"project {project.path}"
    kinds = frozenset({TokenKind.CLUSTER_AGENT})

    def tokens_of(agent_id: int, agent_name: str | None) -> None:
        where = f"{label}, agent {agent_name or agent_id}"
        scope = Scope(kinds, ResourceType.PROJECT, project.id, agent_id=agent_id)

        def make(row: dict[str, Any]) -> Token:
            token = parse.agent_token(
                spec.name, row, resource=project, agent_id=agent_id, agent_name=agent_name
            )
            if token.owner is not None:  # its creator's username: once the walk is done
                state.unplaced.append(len(state.tokens))
            return token

        add = add_rows(state, make, where, scope)

        def each_token(rows: Rows) -> None:
            for row in rows:
                token_id = row.get("id")
                if isinstance(token_id, int) and is_id(token_id):
                    _agent_token(crawl, project, agent_id, token_id, row, add)
                else:
                    add([row])  # the parser names what is wrong with it

        crawl.list_all(
            Listing(
                Listed.AGENT_TOKENS,
                f"listing the tokens of agent {agent_id} of {label}",
                resource=project,
                agent_id=agent_id,
            ),
            on_rows=each_token,
            on_error=discovery_sink(state, where, scope),
        )

    def each_agent(rows: Rows) -> None:
        for row in rows:
            agent_id, name = row.get("id"), row.get("name")
            if isinstance(agent_id, int) and is_id(agent_id):
                tokens_of(agent_id, name if isinstance(name, str) else None)

    crawl.list_all(
        Listing(Listed.CLUSTER_AGENTS, f"listing the cluster agents of {label}", resource=project),
        on_rows=each_agent,
        on_error=discovery_sink(state, label, Scope(kinds, ResourceType.PROJECT, project.id)),
    )


def _agent_token(
    crawl: Crawl,
    project: Resource,
    agent_id: int,
    token_id: int,
    row: dict[str, Any],
    add: Callable[[Rows], None],
) -> None:
    """One listed agent token, with its last use from its own ``GET`` (the listing has
    none: without it every agent token would look never used). Gone by then (404): it
    was revoked meanwhile, and GitLab no longer lists it. Any other failure keeps what
    the listing said."""

    def failed(failure: Failure) -> None:
        if failure.kind is not FailureKind.NOT_FOUND:
            add([row])

    crawl.call(
        lambda port: port.agent_token(project, agent_id, token_id),
        then=lambda details: add([{**row, **details}]),
        on_error=failed,
    )


def service_accounts(spec: InstanceSpec, crawl: Crawl, state: Collected, place: Resource) -> None:
    """A group's or project's service accounts; then, for a user, each one's tokens. An
    administrator only records where each account belongs: its tokens are PAT-table rows
    of the instance-wide listing (:func:`~gltui.inventory.admin_walk.classify_admin_rows`)."""
    label = f"{place.type.value} {place.path}"
    kinds = frozenset({TokenKind.SERVICE_ACCOUNT})
    scope = Scope(kinds, place.type, place.id)

    def each_account(rows: Rows) -> None:
        for row in rows:
            try:
                account = parse.service_account(row)
            except ROW_ERRORS as error:
                state.problems.append(Problem(label, bad_row(error), scope))
                continue
            assert account.user_id is not None
            state.account_places[account.user_id] = place
            if not state.is_admin:
                _account_tokens(spec, crawl, state, place, account)

    listing = Listing(
        Listed.SERVICE_ACCOUNTS, f"listing the service accounts of {label}", resource=place
    )
    _gated(
        crawl,
        state,
        listing,
        lambda: crawl.list_all(
            listing, on_rows=each_account, on_error=discovery_sink(state, label, scope)
        ),
    )


def _account_tokens(
    spec: InstanceSpec, crawl: Crawl, state: Collected, place: Resource, account: Owner
) -> None:
    who = account.username or account.user_id
    label = f"{place.type.value} {place.path}, service account {who}"
    scope = Scope(
        frozenset({TokenKind.SERVICE_ACCOUNT}), place.type, place.id, owner_id=account.user_id
    )

    def make(row: dict[str, Any]) -> Token:
        token = parse.personal_token(
            spec.name,
            row,
            kind=TokenKind.SERVICE_ACCOUNT,
            username=account.username,
            resource=place,
        )
        # the account's own endpoints revoke and rotate it: they need its user id
        return token if token.owner == account else replace(token, owner=account)

    listing = Listing(
        Listed.SERVICE_ACCOUNT_TOKENS,
        f"listing the tokens of service account {account.user_id} of {place.type.value} "
        f"{place.path}",
        resource=place,
        user_id=account.user_id,
    )
    _gated(
        crawl,
        state,
        listing,
        lambda: crawl.list_all(
            listing,
            on_rows=add_rows(state, make, label, scope),
            on_error=discovery_sink(state, label, scope),
        ),
    )


# --- runners -------------------------------------------------------------------------


@dataclass
class _Runners:
    """Which runners wait for their details, and whether the details carry the expiry.

    GitLab added ``token_expires_at`` to ``GET /runners/:id`` in a release no source
    dates (MR 253821), so the first runner's details decide: with the field there, every
    runner's details are asked for; without, the listings' rows are all there is (the
    expiry unknown, shown as never), and no more requests are spent on details."""

    spec: InstanceSpec
    crawl: Crawl
    state: Collected
    expiry_listed: bool | None = None
    probing: bool = False
    waiting: list[dict[str, Any]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)

    def rows(self, rows: Rows) -> None:
        for row in rows:
            runner_id = row.get("id")
            if not is_id(runner_id) or runner_id in self.seen:
                if not is_id(runner_id):
                    self._add(row)  # the parser names what is wrong with it
                continue
            assert isinstance(runner_id, int)
            self.seen.add(runner_id)
            if self.expiry_listed is None and self.probing:
                self.waiting.append(row)
            elif self.expiry_listed is False:
                self._add(row)
            else:
                self.probing = self.expiry_listed is None
                self._details(row)

    def _add(self, row: dict[str, Any]) -> None:
        state = self.state
        try:
            token = parse.runner_token(self.spec.name, row)
        except ROW_ERRORS as error:
            kinds = frozenset({TokenKind.RUNNER})
            state.problems.append(Problem("runners", bad_row(error), row_scope(kinds, row)))
            return
        if token.resource is not None and token.resource.path is None:
            state.unplaced.append(len(state.tokens))
        state.tokens.append(token)

    def _details(self, row: dict[str, Any]) -> None:
        runner_id = row["id"]
        probe = self.expiry_listed is None

        def arrived(details: dict[str, Any]) -> None:
            if probe:
                self._decided("token_expires_at" in details)
            self._add({**row, **details})

        def failed(failure: Failure) -> None:
            scope = Scope(frozenset({TokenKind.RUNNER}), token_id=runner_id)
            discovery_sink(self.state, f"runner {runner_id}", scope)(failure)
            self._add(row)  # what the listing said is still true
            if probe:
                self.probing = False
                self._next_probe()

        self.crawl.call(lambda port: _runner(port, runner_id), then=arrived, on_error=failed)

    def _decided(self, listed: bool) -> None:
        self.expiry_listed, self.probing = listed, False
        waiting, self.waiting = self.waiting, []
        for row in waiting:
            if listed:
                self._details(row)
            else:
                self._add(row)

    def _next_probe(self) -> None:
        if self.waiting:
            first = self.waiting.pop(0)
            self.probing = True
            self._details(first)


def _runner(port: GitLabPort, runner_id: int) -> dict[str, Any]:
    return port.runner(runner_id)


def runners(spec: InstanceSpec, crawl: Crawl, state: Collected) -> None:
    """The runners the caller manages (``/runners``) or, for an administrator, every
    runner (``/runners/all``), each with its token's expiry where GitLab tells it. Not
    limited by a walk's ``groups``/``projects``: like personal tokens, these are the
    caller's own (the listings do not say where a runner belongs)."""
    if TokenKind.RUNNER not in spec.kinds:
        return
    walk = _Runners(spec, crawl, state)
    listing = (
        Listing(Listed.ALL_RUNNERS, "listing the instance's runners")
        if state.is_admin
        else Listing(Listed.RUNNERS, "listing your runners")
    )
    crawl.list_all(
        listing,
        on_rows=walk.rows,
        on_error=discovery_sink(state, "runners", Scope(frozenset({TokenKind.RUNNER}))),
    )


def fill_paths(state: Collected) -> None:
    """What rows name by id only, once every listing is in: the path of a runner's group
    (from the walk's project and group listings) and the username of an agent token's
    creator (from the walk's users, or another token of that user)."""
    if not state.unplaced:
        return
    names: dict[int, str] | None = None
    for index in state.unplaced:
        token = state.tokens[index]
        place, owner = token.resource, token.owner
        if place is not None and place.path is None:
            paths = state.project_paths if place.type is ResourceType.PROJECT else state.group_paths
            path = paths.get(place.id)
            if path is not None:
                token = replace(token, resource=replace(place, path=path))
        if owner is not None and owner.user_id is not None and owner.username is None:
            if names is None:
                names = _usernames(state)
            username = names.get(owner.user_id)
            if username is not None:
                token = replace(token, owner=Owner(owner.user_id, username))
        state.tokens[index] = token
    state.unplaced.clear()


def _usernames(state: Collected) -> dict[int, str]:
    names = {
        user_id: user["username"]
        for user_id, user in state.users.items()
        if isinstance(user.get("username"), str)
    }
    for token in state.tokens:
        owner = token.owner
        if owner is not None and owner.user_id is not None and owner.username:
            names.setdefault(owner.user_id, owner.username)
    return names
