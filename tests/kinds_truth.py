"""What a walk should find of the kinds outside the token tables, computed from the
sandbox's own data by the rules of the reference (``gitlab-2026.md`` §1.3, §1.10), not
by the sandbox's routes: triggers and agent tokens of the projects one maintains (every
project for an administrator), tokens of the service accounts of the top-level groups
one owns (17.11+) and of the projects one maintains (18.11+), the runners one manages
(every runner for an administrator).

Keys are ``(family, id)`` as :attr:`~gltui.domain.tokens.Token.identity` has them, so a
trigger and a personal token with the same id stay apart.
"""

from __future__ import annotations

from gltui.domain.tokens import TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.store import Store

Key = tuple[str, int]
MAINTAINER, OWNER = 40, 50


def keys(inventory: InstanceInventory) -> dict[Key, TokenKind]:
    """Every token of a walk by its identity family and id."""
    return {token.identity[1:]: token.kind for token in inventory.tokens}


def _agent_tokens(store: Store, project_ids: set[int]) -> dict[Key, TokenKind]:
    agents = {a.id for a in store.ci.agents.values() if a.project_id in project_ids}
    return {
        ("cluster_agent", t.id): TokenKind.CLUSTER_AGENT
        for t in store.ci.agent_tokens.values()
        if t.agent_id in agents and t.status == "active"  # revoked ones vanish
    }


def _service_account_tokens(store: Store, places: set[tuple[str, int]]) -> dict[Key, TokenKind]:
    accounts = {
        u.id
        for u in store.users.values()
        if u.user_type == "service_account" and u.provisioned_by in places
    }
    return {
        ("personal_access_token", t.id): TokenKind.SERVICE_ACCOUNT
        for t in store.pats.values()
        if t.user_id in accounts
    }


def kinds_for_user(store: Store, profile: VersionProfile, username: str) -> dict[Key, TokenKind]:
    """What ``username`` (no administrator) should see of the four kinds."""
    with store.lock:
        user = next(u for u in store.users.values() if u.username == username)
        maintained = {p for p in store.projects if store.project_access(user.id, p) >= MAINTAINER}
        owned_top = {
            g
            for g, group in store.groups.items()
            if group.parent_id is None and store.group_access(user.id, g) >= OWNER
        }
        found: dict[Key, TokenKind] = {
            ("trigger", t.id): TokenKind.TRIGGER
            for t in store.ci.triggers.values()
            if t.project_id in maintained
        }
        found |= _agent_tokens(store, maintained)
        places: set[tuple[str, int]] = set()
        if profile.at_least(17, 11):
            places |= {("group", g) for g in owned_top}
        if profile.at_least(18, 11):
            places |= {("project", p) for p in maintained}
        found |= _service_account_tokens(store, places)
        for runner in store.ci.runners.values():
            if runner.runner_type == "project_type":
                manages = any(
                    store.project_access(user.id, p) >= MAINTAINER for p in runner.project_ids
                )
            elif runner.runner_type == "group_type":
                manages = any(store.group_access(user.id, g) >= OWNER for g in runner.group_ids)
            else:
                manages = False
            if manages:
                found[("runner", runner.id)] = TokenKind.RUNNER
        return found


def kinds_for_admin(store: Store) -> dict[Key, TokenKind]:
    """What an administrator should see of triggers, agent tokens and runners (their
    service accounts' tokens are PAT-table rows, in the PAT-table truth)."""
    with store.lock:
        found: dict[Key, TokenKind] = {
            ("trigger", t.id): TokenKind.TRIGGER for t in store.ci.triggers.values()
        }
        found |= _agent_tokens(store, set(store.projects))
        found |= {("runner", r.id): TokenKind.RUNNER for r in store.ci.runners.values()}
        return found
