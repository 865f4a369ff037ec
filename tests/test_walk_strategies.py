"""The walk strategies, the crawl's paging, the probe and the write side over a fake
port: what gltui asks GitLab for and what it makes of the answers, with no socket.

The sandbox tests check the same code against real HTTP; these pin the strategy
itself (which listings, with which role, how pages are planned, how rows become
tokens), fast enough to cover edge cases one by one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gltui.actions.service import TokenActions
from gltui.adapters.port import Listed
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity
from gltui.inventory.probe import probe_instance
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from tests.fake_port import FakePort, key

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SPEC = InstanceSpec("fake", "https://gitlab.example", Secret("glpat-" + "x" * 20))
MAINTAINER, OWNER = 40, 50


def pat(token_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": token_id,
        "name": name,
        "scopes": ["read_api"],
        "revoked": False,
        "expires_at": "2027-01-01",
        **extra,
    }


def walk(port: FakePort, spec: InstanceSpec = SPEC) -> Any:
    return walk_instance(spec, NOW, connect=lambda spec, **options: port)


def user_port() -> FakePort:
    project = {"id": 7, "path_with_namespace": "acme/web"}
    group = {"id": 3, "full_path": "acme"}
    return FakePort(
        me={"id": 1, "username": "mara", "is_admin": False},
        own=pat(99, "gltui", scopes=["read_api"]),
        rows={
            key(Listed.PERSONAL_TOKENS): [pat(1, "laptop"), pat(2, "ci")],
            key(Listed.PROJECTS, min_access_level=MAINTAINER): [project],
            key(Listed.GROUPS, min_access_level=MAINTAINER): [group],
            key(Listed.GROUPS, min_access_level=OWNER): [group],
            key(Listed.RESOURCE_ACCESS_TOKENS, 7): [pat(10, "web bot", access_level=30)],
            key(Listed.RESOURCE_DEPLOY_TOKENS, 7): [{"id": 5, "name": "web deploy"}],
            key(Listed.RESOURCE_DEPLOY_TOKENS, 3): [{"id": 6, "name": "group deploy"}],
            key(Listed.RESOURCE_ACCESS_TOKENS, 3): [pat(11, "group bot")],
        },
    )


def test_a_user_walk_asks_for_its_own_tokens_then_each_resource_it_maintains() -> None:
    port = user_port()
    result = walk(port)
    assert result.failure is None
    assert result.problems == ()
    found = {(t.kind, t.name, t.resource.path if t.resource else None) for t in result.tokens}
    assert found == {
        (TokenKind.PERSONAL, "laptop", None),
        (TokenKind.PERSONAL, "ci", None),
        (TokenKind.PROJECT, "web bot", "acme/web"),
        (TokenKind.DEPLOY, "web deploy", "acme/web"),
        (TokenKind.DEPLOY, "group deploy", "acme"),
        (TokenKind.GROUP, "group bot", "acme"),
    }
    asked = {wanted for wanted, _ in port.asked}
    assert key(Listed.PROJECTS, min_access_level=MAINTAINER) in asked
    assert key(Listed.GROUPS, min_access_level=OWNER) in asked
    assert not any(what is Listed.USERS for what, *_ in asked)  # admin listings: never
    assert result.identity is not None
    assert result.identity.version == "18.5.0"
    assert result.own_token is not None
    assert result.own_token.name == "gltui"
    assert port.closed


def test_one_resource_failing_is_a_problem_scoped_to_it() -> None:
    port = user_port()
    port.failures[key(Listed.RESOURCE_ACCESS_TOKENS, 7)] = Failure(FailureKind.FORBIDDEN, "403")
    result = walk(port)
    assert result.failure is None
    (problem,) = result.problems
    assert problem.where == "project acme/web"
    assert problem.scope is not None
    bot = Token(
        "fake",
        TokenKind.PROJECT,
        10,
        "web bot",
        (),
        False,
        None,
        resource=Resource(ResourceType.PROJECT, 7, "acme/web"),
    )
    assert problem.scope.covers(bot)
    assert "web bot" not in {t.name for t in result.tokens}


def test_a_dead_token_ends_the_walk_with_its_reason() -> None:
    port = user_port()
    port.failures["whoami"] = Failure(FailureKind.TOKEN_REVOKED, "the token was revoked", 401)
    result = walk(port)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TOKEN_REVOKED
    assert port.asked == []


def test_an_admin_walk_classifies_the_pat_table_and_counts_each_token_once() -> None:
    users = [
        {"id": 1, "username": "root", "bot": False},
        {"id": 2, "username": "project_7_bot_abc", "bot": True},
        {"id": 3, "username": "deployer-sa", "bot": True},
        {"id": 4, "username": "mara", "bot": False},
    ]
    port = FakePort(
        me={"id": 1, "username": "root", "is_admin": True},
        rows={
            key(Listed.PERSONAL_TOKENS): [
                pat(1, "root's", user_id=1),
                pat(2, "web bot", user_id=2),
                pat(3, "sa token", user_id=3),
                pat(4, "mara's", user_id=4),
                pat(5, "impersonation", user_id=4),
            ],
            key(Listed.USERS): users,
            key(Listed.PROJECTS): [{"id": 7, "path_with_namespace": "acme/web"}],
            key(Listed.GROUPS): [],
            key(Listed.DEPLOY_TOKENS): [{"id": 9, "name": "d"}],
            key(Listed.IMPERSONATION_TOKENS, user_id=4): [pat(5, "impersonation")],
        },
    )
    result = walk(port)
    assert result.failure is None, result.failure
    kinds = {token.id: token.kind for token in result.tokens if token.kind is not TokenKind.DEPLOY}
    assert kinds == {
        1: TokenKind.PERSONAL,
        2: TokenKind.PROJECT,
        3: TokenKind.SERVICE_ACCOUNT,
        4: TokenKind.PERSONAL,
        5: TokenKind.IMPERSONATION,
    }
    bot = next(token for token in result.tokens if token.id == 2)
    assert bot.resource == Resource(ResourceType.PROJECT, 7, "acme/web")
    impersonation_asks = [w for w, _ in port.asked if w[0] is Listed.IMPERSONATION_TOKENS]
    assert sorted(w[2] for w in impersonation_asks if w[2] is not None) == [1, 4]  # no bots


def many(count: int) -> list[dict[str, Any]]:
    return [pat(1000 + i, f"t{i}") for i in range(count)]  # ids apart from the others


def test_pages_are_planned_from_the_total() -> None:
    port = user_port()
    port.rows[key(Listed.PERSONAL_TOKENS)] = many(250)
    result = walk(port)
    pages = sorted(n for wanted, n in port.asked if wanted == key(Listed.PERSONAL_TOKENS))
    assert pages == [1, 2, 3]
    assert len([t for t in result.tokens if t.kind is TokenKind.PERSONAL]) == 250


def test_without_totals_pages_are_fetched_until_a_short_one() -> None:
    port = user_port()
    port.totals = False
    port.rows[key(Listed.PERSONAL_TOKENS)] = many(420)
    result = walk(port)
    assert len([t for t in result.tokens if t.kind is TokenKind.PERSONAL]) == 420
    pages = sorted(n for wanted, n in port.asked if wanted == key(Listed.PERSONAL_TOKENS))
    assert pages[:5] == [1, 2, 3, 4, 5]
    assert max(pages) <= 5 + SPEC.concurrency  # speculation stays within one window


def test_the_probe_names_a_token_without_read_api() -> None:
    port = user_port()
    port.own = pat(99, "gltui", scopes=["read_user"])
    probe = probe_instance(SPEC, NOW, 14, connect=lambda spec, **options: port)
    assert probe.failure is None
    assert any("read_api" in problem for problem in probe.problems)


def test_the_probe_says_when_gitlab_cannot_describe_its_token() -> None:
    port = user_port()
    port.own = None
    probe = probe_instance(SPEC, NOW, 14, connect=lambda spec, **options: port)
    assert probe.failure is None
    assert any("15.5" in warning for warning in probe.warnings)


def test_actions_go_through_the_port() -> None:
    port = user_port()
    actions = TokenActions(SPEC, Identity(1, "mara", False, "18.5.0"), connect=lambda spec: port)
    token = Token("fake", TokenKind.PERSONAL, 1, "laptop", ("api",), False, None)
    outcome = actions.revoke(token)
    assert outcome.ok
    assert port.revoked == [token]
    orphan = Token("fake", TokenKind.DEPLOY, 9, "d", (), False, None)
    assert not actions.revoke(orphan).ok
    issued = actions.rotate(token, None)
    assert issued.token.id == 1001
    assert issued.secret.reveal() == "glpat-new-value-000000"
    found = actions.resources(TokenKind.PROJECT, "web")
    assert found == [Resource(ResourceType.PROJECT, 7, "acme/web")]
