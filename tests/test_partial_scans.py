"""Partial scans never erase data: tokens a failed listing would have shown are kept
from the last snapshot, marked "not refreshed", and never reported as vanished."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gltui.domain.changes import Change, changes_since, seen, seen_key
from gltui.domain.secret import Secret
from gltui.domain.tokens import ResourceType, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Scope
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.faults import Fault
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, SandboxFactory


def engine(sandbox: RunningSandbox, tmp_path: Path, persona: str) -> InventoryEngine:
    token = Secret(getattr(sandbox.credentials, persona))
    return InventoryEngine(
        [InstanceSpec("sbx", sandbox.url, token)],
        cache=SnapshotCache(tmp_path / "cache"),
        history=History(tmp_path / "data"),
    )


def only(inventory_instances: tuple[InstanceInventory, ...]) -> InstanceInventory:
    (instance,) = inventory_instances
    return instance


def test_a_failed_project_listing_keeps_its_tokens(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    first = only(engine(sandbox, tmp_path, "maintainer").refresh(NOW).instances)
    project_tokens = [t for t in first.tokens if t.kind is TokenKind.PROJECT and t.resource]
    assert project_tokens, "the seeded maintainer has project tokens"
    victim = project_tokens[0].resource
    assert victim is not None
    sandbox.app.faults.add(Fault("status", 500), path=f"/projects/{victim.id}/access_tokens")

    later = NOW + timedelta(hours=1)
    second = only(engine(sandbox, tmp_path, "maintainer").refresh(later).instances)

    assert second.failure is None
    kept = [t for t in second.tokens if t.resource == victim and t.kind is TokenKind.PROJECT]
    before = [t for t in first.tokens if t.resource == victim and t.kind is TokenKind.PROJECT]
    assert {t.id for t in kept} == {t.id for t in before}
    assert all(t.not_refreshed and "not refreshed" in t.not_refreshed for t in kept)
    assert second.not_refreshed == len(kept)
    # everything else was refreshed
    assert all(t.not_refreshed is None for t in second.tokens if t.resource != victim)

    baseline = {"sbx": {seen_key(t): seen(t, NOW) for t in first.tokens}}
    changes = changes_since(baseline, second.tokens, later)
    assert not [c for c in changes if c.change is Change.VANISHED]
    refreshed_only = [t for t in second.tokens if t.not_refreshed is None]
    without_carry = changes_since(baseline, refreshed_only, later)
    assert len([c for c in without_carry if c.change is Change.VANISHED]) == len(kept)

    history = History(tmp_path / "data").entries("sbx")
    assert len(history[-1]["tokens"]) == len(first.tokens)

    reloaded = SnapshotCache(tmp_path / "cache").load("sbx")
    assert reloaded is not None
    assert reloaded.not_refreshed == len(kept)


def test_a_complete_refresh_clears_the_mark(make_sandbox: SandboxFactory, tmp_path: Path) -> None:
    sandbox = make_sandbox()
    engine(sandbox, tmp_path, "maintainer").refresh(NOW)
    rule = sandbox.app.faults.add(Fault("status", 403), path="/access_tokens")
    partial = only(engine(sandbox, tmp_path, "maintainer").refresh(NOW).instances)
    assert partial.not_refreshed > 0
    sandbox.app.faults.rules.remove(rule)
    complete = only(engine(sandbox, tmp_path, "maintainer").refresh(NOW).instances)
    assert complete.not_refreshed == 0
    assert not complete.problems


def test_without_a_snapshot_nothing_is_invented(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    sandbox.app.faults.add(Fault("status", 403), path="/access_tokens")
    result = only(engine(sandbox, tmp_path, "maintainer").refresh(NOW).instances)
    assert result.problems
    assert result.not_refreshed == 0


def test_scopes_cover_exactly_what_a_listing_would_list() -> None:
    from gltui.domain.tokens import Owner, Resource, Token

    def token(kind: TokenKind, resource: Resource | None = None, owner: int | None = None) -> Token:
        return Token(
            "i",
            kind,
            1,
            "t",
            (),
            False,
            None,
            owner=Owner(owner) if owner else None,
            resource=resource,
        )

    project = Resource(ResourceType.PROJECT, 7, "a/b")
    other = Resource(ResourceType.PROJECT, 8, "a/c")
    one_project = Scope(frozenset({TokenKind.PROJECT}), ResourceType.PROJECT, 7)
    assert one_project.covers(token(TokenKind.PROJECT, project))
    assert not one_project.covers(token(TokenKind.PROJECT, other))
    assert not one_project.covers(token(TokenKind.DEPLOY, project))
    every_project = Scope(frozenset({TokenKind.DEPLOY}), ResourceType.PROJECT)
    assert every_project.covers(token(TokenKind.DEPLOY, other))
    assert not every_project.covers(token(TokenKind.DEPLOY, Resource(ResourceType.GROUP, 7)))
    one_user = Scope(frozenset({TokenKind.IMPERSONATION}), owner_id=3)
    assert one_user.covers(token(TokenKind.IMPERSONATION, owner=3))
    assert not one_user.covers(token(TokenKind.IMPERSONATION, owner=4))
    assert Scope(frozenset({TokenKind.PERSONAL})).covers(token(TokenKind.PERSONAL))
