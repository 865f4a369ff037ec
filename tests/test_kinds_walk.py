"""The walk of triggers, cluster agent tokens, runners and group and project
service-account tokens, through python-gitlab against the sandbox over HTTP: every
persona at every version profile, the state rules at the boundaries, the version gates
(nothing asked that the version lacks), and refusals on discovery (quiet) against other
failures (a problem, and the last snapshot's tokens carried over)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from gltui.adapters.log import RequestLog
from gltui.domain.secret import Secret
from gltui.domain.states import TokenState, classify
from gltui.domain.tokens import Resource, ResourceType, TokenKind
from gltui.inventory.engine import carry_over
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.faults import Fault
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, TODAY, SandboxFactory
from tests.kinds_truth import keys, kinds_for_admin, kinds_for_user

NEW_KINDS = frozenset({TokenKind.TRIGGER, TokenKind.CLUSTER_AGENT, TokenKind.RUNNER})
VERSIONS = ["19.6", "18", "16", "15"]


def walked(sandbox: RunningSandbox, persona: str, **options: Any) -> InstanceInventory:
    secret = Secret(getattr(sandbox.credentials, persona))
    return walk_instance(InstanceSpec(persona, sandbox.url, secret, **options), NOW)


def of_new_kinds(inventory: InstanceInventory) -> dict[tuple[str, int], TokenKind]:
    """Triggers, agent tokens, runners, and service-account tokens of a group or project."""
    return {
        key: kind
        for key, kind in keys(inventory).items()
        if kind in NEW_KINDS or kind is TokenKind.SERVICE_ACCOUNT
    }


def asked(log: RequestLog) -> list[str]:
    return [record.path for record in log.records()]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_maintainer_lists_what_she_maintains_and_owns(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    inventory = walked(sandbox, "maintainer")
    assert inventory.ok, inventory.failure
    assert inventory.problems == ()
    expected = kinds_for_user(sandbox.store, sandbox.app.profile, "mara")
    assert of_new_kinds(inventory) == expected
    found = Counter(kind for kind in expected.values())
    assert found[TokenKind.TRIGGER] == 7  # every project she maintains; never alice's others
    assert found[TokenKind.CLUSTER_AGENT] == 4  # active tokens only: revoked ones vanish
    assert found[TokenKind.RUNNER] == 4
    if version in ("16", "15"):  # no service-account token listing before 17.11
        assert found[TokenKind.SERVICE_ACCOUNT] == 0


@pytest.mark.parametrize("version", VERSIONS)
def test_an_administrator_lists_every_one_once(make_sandbox: SandboxFactory, version: str) -> None:
    sandbox = make_sandbox(version=version)
    inventory = walked(sandbox, "admin")
    assert inventory.ok, inventory.failure
    assert inventory.problems == ()
    found = keys(inventory)
    assert len(found) == len(inventory.tokens)  # each token once
    expected = kinds_for_admin(sandbox.store)
    assert {k: v for k, v in found.items() if v in NEW_KINDS} == expected
    with sandbox.store.lock:
        accounts = {u.id for u in sandbox.store.users.values() if u.user_type == "service_account"}
        sa_tokens = {t.id for t in sandbox.store.pats.values() if t.user_id in accounts}
    service = {t.id for t in inventory.tokens if t.kind is TokenKind.SERVICE_ACCOUNT}
    assert service == sa_tokens  # from the PAT table, never counted twice


@pytest.mark.parametrize("version", VERSIONS)
def test_a_developer_maintains_nothing_and_sees_nothing_of_these(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(version=version)
    inventory = walked(sandbox, "developer")
    assert inventory.ok, inventory.failure
    assert inventory.problems == ()  # quietly: nothing is refused, there is nothing
    assert of_new_kinds(inventory) == {}


def test_an_administrator_sees_where_each_service_account_belongs(sandbox: RunningSandbox) -> None:
    inventory = walked(sandbox, "admin")
    places = {
        t.name: t.resource.path if t.resource else None
        for t in inventory.tokens
        if t.kind is TokenKind.SERVICE_ACCOUNT
    }
    assert places["deploy"] == "acme"  # a top-level group's account
    assert places["smoke"] == "acme/website"  # a project's (18.11+)
    assert places["nightly backup"] is None  # an instance service account
    assert places["build"] is None  # a subgroup's: GitLab lists top-level groups' only


def test_service_account_tokens_name_their_account(sandbox: RunningSandbox) -> None:
    inventory = walked(sandbox, "maintainer")
    with sandbox.store.lock:
        users = {u.id: u for u in sandbox.store.users.values()}
    tokens = [t for t in inventory.tokens if t.kind is TokenKind.SERVICE_ACCOUNT]
    assert {t.resource.path for t in tokens if t.resource} == {
        "acme",
        "acme/website",
        "platform/infra",
    }
    for token in tokens:
        assert token.owner is not None
        assert token.owner.user_id is not None
        account = users[token.owner.user_id]
        assert account.user_type == "service_account"
        assert token.owner.username == account.username
        assert token.resource is not None
        assert account.provisioned_by == (token.resource.type.value, token.resource.id)


def test_what_each_kind_carries(sandbox: RunningSandbox) -> None:
    inventory = walked(sandbox, "maintainer")
    by_name = {t.name: t for t in inventory.tokens if t.kind in NEW_KINDS}
    trigger = by_name["nightly (root's)"]
    assert trigger.kind is TokenKind.TRIGGER
    assert trigger.owner is not None
    assert trigger.owner.username == "root"
    assert trigger.resource is not None
    assert trigger.resource == Resource(ResourceType.PROJECT, trigger.resource.id, "acme/website")
    agent = by_name["primary"]
    assert (agent.agent_name, agent.status) == ("production", "active")
    assert agent.agent_id is not None
    assert agent.owner is not None
    assert agent.owner.username == "mara"
    assert agent.last_used_at is not None  # from the token's own GET
    assert by_name["secondary"].last_used_at is None  # never used
    runner = by_name["acme group runner"]
    assert (runner.runner_type, runner.status) == ("group_type", "online")
    assert runner.resource is not None
    assert runner.resource.path == "acme"
    assert by_name["backend runner"].status == "paused"
    assert by_name["infra runner"].status == "never_contacted"


def test_no_trigger_value_is_kept(sandbox: RunningSandbox) -> None:
    inventory = walked(sandbox, "maintainer")
    with sandbox.store.lock:
        values = [t.value for t in sandbox.store.ci.triggers.values()]
    text = repr(inventory)  # every field of every token
    assert values
    assert not any(value in text for value in values)
    assert not any(value.removeprefix("glptt-") in text for value in values)


def at(days: int, hour: int) -> datetime:
    return datetime.combine(TODAY + timedelta(days=days), time(hour), tzinfo=UTC)


def test_the_state_rules_at_the_boundaries(sandbox: RunningSandbox) -> None:
    store = sandbox.store
    with store.lock:
        website = next(p.id for p in store.projects.values() if p.path == "website")
        mara = next(u.id for u in store.users.values() if u.username == "mara")
        for description, expires in (
            ("this morning", at(0, 6)),  # before NOW (12:00): expired
            ("tonight", at(0, 18)),  # today, after NOW: an instant, so still working
            ("tomorrow", at(1, 0)),
            ("in 14 days, late", at(14, 23)),
            ("in 15 days", at(15, 0)),  # 00:00 on today + 15: past the window
        ):
            store.ci.add_trigger(website, mara, description, NOW, expires_at=expires)
    inventory = walked(sandbox, "maintainer")
    state = {t.name: classify(t, NOW) for t in inventory.tokens}
    assert state["this morning"] is TokenState.EXPIRED
    assert state["tonight"] is TokenState.EXPIRING
    assert state["tomorrow"] is TokenState.EXPIRING
    assert state["in 14 days, late"] is TokenState.EXPIRING
    assert state["in 15 days"] is TokenState.ACTIVE
    assert state["deploy from jenkins"] is TokenState.ACTIVE  # no expires_at: never
    assert state["old hook"] is TokenState.EXPIRED
    # service-account tokens: dates, as every PAT (0 today: expired; none: never)
    assert state["ci cache"] is TokenState.EXPIRED
    assert state["smoke (expiring)"] is TokenState.EXPIRING
    assert state["release"] is TokenState.EXPIRING  # 14 days
    assert state["release (next)"] is TokenState.ACTIVE  # 15 days
    assert state["deploy"] is TokenState.ACTIVE  # never expires
    assert state["smoke (revoked)"] is TokenState.REVOKED
    # runners: token_expires_at instants (19.1+ in the details)
    assert state["website docker"] is TokenState.EXPIRING  # 14 days, 12:00
    assert state["backend runner"] is TokenState.ACTIVE  # 15 days, 00:00
    assert state["infra runner"] is TokenState.ACTIVE  # no expiry
    # agent tokens never expire
    agents = [t for t in inventory.tokens if t.kind is TokenKind.CLUSTER_AGENT]
    assert agents
    assert all(t.expires_at is None for t in agents)


def test_versions_are_not_asked_for_what_they_lack(make_sandbox: SandboxFactory) -> None:
    for version, project_accounts, account_tokens, details in (
        ("19.6", True, True, True),
        ("18", False, True, False),  # project service accounts are 18.11+
        ("16", False, False, False),  # group service-account tokens are 17.11+
    ):
        sandbox = make_sandbox(version=version)
        log = RequestLog(keep=10_000)
        inventory = walked(sandbox, "maintainer", request_log=log)
        assert inventory.ok
        paths = asked(log)
        listing_projects_accounts = [
            p for p in paths if p.startswith("/api/v4/projects/") and "service_accounts" in p
        ]
        assert bool(listing_projects_accounts) is project_accounts, version
        tokens_of_accounts = [
            p for p in paths if "service_accounts" in p and p.endswith("/personal_access_tokens")
        ]
        assert bool(tokens_of_accounts) is account_tokens, version
        runner_details = [p for p in paths if p.startswith("/api/v4/runners/")]
        # the first runner's details say whether they carry token_expires_at (19.1+ here)
        assert (len(runner_details) > 1) is details, version
        assert all(r.status != 404 for r in log.records()), version


@pytest.mark.parametrize("status", [403, 404])
@pytest.mark.parametrize("path", ["/triggers", "/cluster_agents", "/service_accounts", "/runners"])
def test_a_refused_discovery_is_quiet(sandbox: RunningSandbox, status: int, path: str) -> None:
    sandbox.app.faults.add(Fault("status", status=status), path=path)
    inventory = walked(sandbox, "maintainer")
    assert inventory.ok
    assert inventory.problems == ()
    assert any(t.kind is TokenKind.PERSONAL for t in inventory.tokens)  # the rest is there


def test_a_failing_listing_is_a_problem_and_its_tokens_are_kept(sandbox: RunningSandbox) -> None:
    before = walked(sandbox, "maintainer")
    sandbox.app.faults.add(Fault("status", status=500), path="/triggers")
    sandbox.app.faults.add(Fault("status", status=500), path="/cluster_agents")
    after = walked(sandbox, "maintainer", concurrency=2)
    assert after.ok
    assert {p.where for p in after.problems} >= {"project acme/website"}
    assert not any(t.kind is TokenKind.TRIGGER for t in after.tokens)
    kept = carry_over(after, before)
    earlier = {t.identity for t in before.tokens if t.kind in NEW_KINDS - {TokenKind.RUNNER}}
    now_kept = {t.identity for t in kept.tokens if t.not_refreshed is not None}
    assert earlier <= now_kept  # triggers and agent tokens: not refreshed, never vanished


def test_kinds_and_scope_limit_these_listings_too(sandbox: RunningSandbox) -> None:
    only = walked(
        sandbox,
        "maintainer",
        kinds=frozenset({TokenKind.TRIGGER, TokenKind.RUNNER}),
        groups=("acme/backend",),
    )
    assert {t.kind for t in only.tokens} == {TokenKind.TRIGGER, TokenKind.RUNNER}
    triggers = {t.resource.path for t in only.tokens if t.kind is TokenKind.TRIGGER if t.resource}
    assert triggers == {"acme/backend/api", "acme/backend/worker"}
    assert sum(t.kind is TokenKind.RUNNER for t in only.tokens) == 4  # the caller's own


def test_an_agent_token_revoked_between_listing_and_reading_is_gone(
    sandbox: RunningSandbox,
) -> None:
    store = sandbox.store
    with store.lock:
        primary = next(t for t in store.ci.agent_tokens.values() if t.name == "primary")
    sandbox.app.faults.add(Fault("status", status=404), path=f"/tokens/{primary.id}")
    inventory = walked(sandbox, "maintainer")
    assert "primary" not in {t.name for t in inventory.tokens}
    assert "secondary" in {t.name for t in inventory.tokens}  # its sibling is still there
    assert inventory.problems == ()
