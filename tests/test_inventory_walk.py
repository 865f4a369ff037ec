"""The inventory engine against the sandbox: complete, correct, and resilient."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pytest

from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.states import classify
from gltui.domain.tokens import TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.sandbox.store import Store
from tests.conftest import NOW, SandboxFactory
from tests.kinds_truth import keys as all_keys
from tests.kinds_truth import kinds_for_admin, kinds_for_user

Key = tuple[str, int]


def spec_for(sandbox: RunningSandbox, persona: str, **options: Any) -> InstanceSpec:
    return InstanceSpec(
        persona, sandbox.url, Secret(getattr(sandbox.credentials, persona)), **options
    )


def _short(family: str) -> str:
    return "pat" if family == "personal_access_token" else family


def keys(inventory: InstanceInventory) -> dict[Key, TokenKind]:
    """``("pat", id)`` for every PAT-table kind, ``(family, id)`` for the others."""
    return {(_short(family), ident): kind for (family, ident), kind in all_keys(inventory).items()}


def truth_for_user(sandbox: RunningSandbox, username: str) -> dict[Key, TokenKind]:
    """What a non-admin may see, computed from the sandbox's own data."""
    store = sandbox.store
    more = kinds_for_user(store, sandbox.app.profile, username)
    expected = {(_short(family), ident): kind for (family, ident), kind in more.items()}
    return expected | _tables_for_user(store, username)


def truth_for_admin(sandbox: RunningSandbox) -> dict[Key, TokenKind]:
    more = kinds_for_admin(sandbox.store)
    expected = {(_short(family), ident): kind for (family, ident), kind in more.items()}
    return expected | _tables_for_admin(sandbox.store)


def _tables_for_user(store: Store, username: str) -> dict[Key, TokenKind]:
    """Personal, project, group and deploy tokens."""
    with store.lock:
        user = next(u for u in store.users.values() if u.username == username)
        expected: dict[Key, TokenKind] = {}
        for token in store.tokens_of_user(user.id):
            if not token.impersonation:
                expected[("pat", token.id)] = TokenKind.PERSONAL
        for project_id in store.projects:
            if store.project_access(user.id, project_id) >= 40:
                for token in store.resource_tokens("project", project_id):
                    expected[("pat", token.id)] = TokenKind.PROJECT
        for group_id in store.groups:
            if store.group_access(user.id, group_id) >= 50:
                for token in store.resource_tokens("group", group_id):
                    expected[("pat", token.id)] = TokenKind.GROUP
        for deploy in store.deploy_tokens.values():
            kind, resource_id = deploy.resource
            if store.access(user.id, kind, resource_id) >= 40:
                expected[("deploy", deploy.id)] = TokenKind.DEPLOY
        return expected


def _tables_for_admin(store: Store) -> dict[Key, TokenKind]:
    with store.lock:
        expected: dict[Key, TokenKind] = {}
        for token in store.pats.values():
            owner = store.users[token.user_id]
            if owner.bot_of is not None:
                kind = TokenKind(owner.bot_of[0])
            elif owner.user_type == "service_account":
                kind = TokenKind.SERVICE_ACCOUNT
            elif token.impersonation:
                kind = TokenKind.IMPERSONATION
            else:
                kind = TokenKind.PERSONAL
            expected[("pat", token.id)] = kind
        for deploy in store.deploy_tokens.values():
            expected[("deploy", deploy.id)] = TokenKind.DEPLOY
        return expected


def test_maintainer_inventory_is_complete(sandbox: RunningSandbox) -> None:
    inventory = walk_instance(spec_for(sandbox, "maintainer"), NOW)
    assert inventory.ok
    assert inventory.problems == ()
    assert keys(inventory) == truth_for_user(sandbox, "mara")
    assert inventory.identity is not None
    assert (inventory.identity.username, inventory.identity.is_admin) == ("mara", False)
    assert inventory.identity.version == "19.6.0-ee"
    assert inventory.own_token is not None
    assert inventory.own_token.name == "gltui"
    website = [
        t
        for t in inventory.tokens
        if t.resource and t.resource.path == "acme/website"
        if t.kind in (TokenKind.PROJECT, TokenKind.DEPLOY)
    ]
    assert {t.name for t in website} == {
        "deploy bot",
        "metrics",
        "old release bot",
        "k8s pull",
        "forever",
    }


def test_states_match_the_sandbox(sandbox: RunningSandbox) -> None:
    inventory = walk_instance(spec_for(sandbox, "maintainer"), NOW)
    by_name = {
        t.name: classify(t, NOW).value for t in inventory.tokens if t.kind is TokenKind.PERSONAL
    }
    assert by_name["expires today"] == "expired"
    assert by_name["expires tomorrow"] == "expiring"
    assert by_name["expires in 14 days"] == "expiring"
    assert by_name["expires in 15 days"] == "active"
    assert by_name["leaked in CI log"] == "revoked"
    states = Counter(classify(t, NOW).value for t in inventory.tokens)
    with sandbox.store.lock:
        today = sandbox.store.today()
        expected_revoked = sum(
            1
            for key in truth_for_user(sandbox, "mara")
            if key[0] == "pat" and sandbox.store.pats[key[1]].revoked
        ) + sum(
            1
            for key in truth_for_user(sandbox, "mara")
            if key[0] == "deploy" and sandbox.store.deploy_tokens[key[1]].revoked
        )
    assert today == date(2026, 11, 21)
    assert states["revoked"] == expected_revoked


def test_admin_inventory_counts_every_row_once(sandbox: RunningSandbox) -> None:
    inventory = walk_instance(spec_for(sandbox, "admin"), NOW)
    assert inventory.ok
    assert keys(inventory) == truth_for_admin(sandbox)
    assert len(inventory.tokens) == len(keys(inventory))  # no duplicates
    bots = [t for t in inventory.tokens if t.kind is TokenKind.PROJECT]
    assert all(t.resource is not None and t.resource.path for t in bots)
    assert {
        t.owner.username for t in inventory.tokens if t.kind is TokenKind.IMPERSONATION if t.owner
    } == {
        "alice",
        "emilie",
    }


def test_admin_walk_at_scale_pages_past_the_count_limit(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(scale=2000)
    inventory = walk_instance(spec_for(sandbox, "admin", concurrency=4), NOW)
    assert inventory.ok
    assert keys(inventory) == truth_for_admin(sandbox)
    with sandbox.store.lock:
        assert len(sandbox.store.pats) > 10_000  # no X-Total: speculative paging found the end


def test_developer_sees_only_their_own(sandbox: RunningSandbox) -> None:
    inventory = walk_instance(spec_for(sandbox, "developer"), NOW)
    assert keys(inventory) == truth_for_user(sandbox, "dev")


def test_kinds_and_scope_limit_the_walk(sandbox: RunningSandbox) -> None:
    only_projects = spec_for(
        sandbox, "maintainer", kinds=frozenset({TokenKind.PROJECT}), groups=("acme/backend",)
    )
    inventory = walk_instance(only_projects, NOW)
    assert {t.kind for t in inventory.tokens} == {TokenKind.PROJECT}
    assert {t.resource.path for t in inventory.tokens if t.resource} == {
        "acme/backend/api",
        "acme/backend/worker",
    }


def test_gitlab_15_falls_back_without_complaint(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15")
    inventory = walk_instance(spec_for(sandbox, "maintainer"), NOW)
    assert inventory.ok
    assert inventory.problems == ()
    assert inventory.identity is not None
    assert inventory.identity.version == "15.0.5-ee"  # from /version
    assert inventory.own_token is None  # GitLab 15.0 cannot say which token is calling
    assert keys(inventory) == truth_for_user(sandbox, "mara")


def test_rate_limit_is_obeyed(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(rate_limit=10, rate_period=1)
    inventory = walk_instance(spec_for(sandbox, "maintainer", concurrency=4), NOW)
    assert inventory.ok, inventory.failure
    assert keys(inventory) == truth_for_user(sandbox, "mara")


def test_transient_5xx_are_retried(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(fail_rate=0.1, seed=5)
    inventory = walk_instance(spec_for(sandbox, "maintainer"), NOW)
    assert inventory.ok, inventory.failure
    assert inventory.problems == ()
    assert keys(inventory) == truth_for_user(sandbox, "mara")


def test_a_project_vanishing_mid_walk_is_a_problem_not_a_failure(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gltui.sandbox.routes import namespaces

    original = namespaces._project_rows
    store = sandbox.store

    def list_then_delete(*args: Any) -> Any:
        rows = original(*args)
        website = next(p for p in store.projects.values() if p.path == "website")
        del store.projects[website.id]  # deleted right after it was listed
        return rows

    monkeypatch.setattr(namespaces, "_project_rows", list_then_delete)
    inventory = walk_instance(spec_for(sandbox, "maintainer"), NOW)
    assert inventory.ok
    assert {p.where for p in inventory.problems} == {"project acme/website"}
    assert all(p.failure.kind is FailureKind.NOT_FOUND for p in inventory.problems)
    assert any(t.resource and t.resource.path == "acme/backend/api" for t in inventory.tokens)


@pytest.mark.parametrize(
    ("persona", "kind"),
    [("expired", FailureKind.TOKEN_EXPIRED), ("revoked", FailureKind.TOKEN_REVOKED)],
)
def test_dead_tokens_fail_the_instance_with_advice(
    sandbox: RunningSandbox, persona: str, kind: FailureKind
) -> None:
    inventory = walk_instance(spec_for(sandbox, persona), NOW)
    assert inventory.failure is not None
    assert inventory.failure.kind is kind
    assert "create a new one" in inventory.failure.advice
    assert inventory.tokens == ()


def test_missing_scope_fails_with_the_scope_named(sandbox: RunningSandbox) -> None:
    admin = sandbox.store
    with admin.lock:
        mara = next(u for u in admin.users.values() if u.username == "mara")
        _, secret = admin.add_personal_token(mara.id, "profile only", ["read_user"], None)
    spec = InstanceSpec("scoped", sandbox.url, Secret(secret))
    inventory = walk_instance(spec, NOW)
    assert inventory.failure is not None
    assert inventory.failure.kind is FailureKind.MISSING_SCOPE
    assert "read_api" in inventory.failure.message
    assert secret not in repr(inventory)


def test_timeout(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=400)
    inventory = walk_instance(spec_for(sandbox, "maintainer", timeout=0.1), NOW)
    assert inventory.failure is not None
    assert inventory.failure.kind is FailureKind.TIMEOUT
    assert "0.1 s" in inventory.failure.message


def test_one_instance_down_does_not_stop_the_other(
    sandbox: RunningSandbox, make_sandbox: SandboxFactory
) -> None:
    gone = make_sandbox()
    url = gone.url
    gone.stop()  # nothing listens there any more
    specs = [
        spec_for(sandbox, "maintainer"),
        InstanceSpec("down", url, Secret("glpat-whatever-whatever-00"), timeout=2),
    ]
    seen: list[Progress] = []
    inventory = InventoryEngine(specs).refresh(NOW, seen.append)
    up, down = inventory.instances
    assert up.ok
    assert len(up.tokens) == len(truth_for_user(sandbox, "mara"))
    assert down.failure is not None
    assert down.failure.kind is FailureKind.UNREACHABLE
    finished = {p.instance for p in seen if p.finished}
    assert finished == {"maintainer", "down"}
    last = [p for p in seen if p.instance == "maintainer"][-1]
    assert last.done == last.total == up.requests


def test_progress_only_grows(sandbox: RunningSandbox) -> None:
    seen: list[Progress] = []
    walk_instance(spec_for(sandbox, "maintainer", concurrency=2), NOW, seen.append)
    done = [p.done for p in seen]
    assert done == sorted(done)
    assert all(p.done <= p.total for p in seen)
    assert seen[-1].finished


def test_unknown_host_is_unreachable() -> None:
    spec = InstanceSpec("nowhere", "http://127.0.0.1:9", Secret("x"), timeout=1)
    inventory = walk_instance(spec, datetime(2026, 11, 21, tzinfo=NOW.tzinfo))
    assert inventory.failure is not None
    assert inventory.failure.kind is FailureKind.UNREACHABLE
    assert "Check the URL" in inventory.failure.advice
