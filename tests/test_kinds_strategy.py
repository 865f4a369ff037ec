"""Triggers, agent tokens, runners and service-account tokens over a fake port: how each
row becomes a token (a bad row is a named problem, never "never expires"), which
listings each role and version asks for, and what a refusal or a failure costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from gltui.adapters import parse
from gltui.adapters.port import Listed
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from tests.fake_port import FakePort, key

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SPEC = InstanceSpec("fake", "https://gitlab.example", Secret("glpat-" + "x" * 20))
MAINTAINER, OWNER = 40, 50
WEB = Resource(ResourceType.PROJECT, 7, "acme/web")
ACME = Resource(ResourceType.GROUP, 3, "acme")
TRIGGER = {
    "id": 5,
    "token": "glptt-0123456789abcdef0123456789abcdef01234567",
    "description": "from jenkins",
    "created_at": "2026-01-02T03:04:05.000Z",
    "last_used": "2026-11-20T10:00:00.000Z",
    "expires_at": "2026-12-01T12:00:00.000Z",
    "owner": {"id": 2, "username": "mara"},
}
AGENT_TOKEN = {
    "id": 9,
    "name": "primary",
    "description": None,
    "agent_id": 4,
    "status": "active",
    "created_at": "2026-01-02T03:04:05.000Z",
    "created_by_user_id": 2,
}
RUNNER = {
    "id": 11,
    "description": "website docker",
    "active": True,
    "paused": False,
    "runner_type": "project_type",
    "status": "online",
}


def pat(token_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": token_id,
        "name": name,
        "scopes": ["read_api"],
        "revoked": False,
        "expires_at": "2027-01-01",
        **extra,
    }


def walk(port: FakePort, spec: InstanceSpec = SPEC) -> InstanceInventory:
    return walk_instance(spec, NOW, connect=lambda spec, **options: port)


def user_port(version: str | None = "19.6.0-ee") -> FakePort:
    return FakePort(
        me={"id": 2, "username": "mara", "is_admin": False},
        gitlab_version=version,
        rows={
            key(Listed.PROJECTS, min_access_level=MAINTAINER): [
                {"id": 7, "path_with_namespace": "acme/web"}
            ],
            key(Listed.GROUPS, min_access_level=OWNER): [
                {"id": 3, "full_path": "acme"},
                {"id": 8, "full_path": "acme/backend"},  # a subgroup: no service accounts
            ],
            key(Listed.TRIGGERS, 7): [TRIGGER],
            key(Listed.CLUSTER_AGENTS, 7): [{"id": 4, "name": "production"}],
            key(Listed.AGENT_TOKENS, 7, agent_id=4): [AGENT_TOKEN],
            key(Listed.SERVICE_ACCOUNTS, 3): [{"id": 20, "username": "acme-bot"}],
            key(Listed.SERVICE_ACCOUNT_TOKENS, 3, user_id=20): [pat(61, "deploy", user_id=20)],
            key(Listed.SERVICE_ACCOUNTS, 7): [{"id": 23, "username": "web-bot"}],
            key(Listed.SERVICE_ACCOUNT_TOKENS, 7, user_id=23): [pat(62, "smoke")],
            key(Listed.RUNNERS): [RUNNER, {**RUNNER, "id": 12, "description": "other"}],
        },
        runners={
            11: {**RUNNER, "token_expires_at": "2026-12-05T12:00:00.000Z"},
            12: {**RUNNER, "id": 12, "description": "other", "token_expires_at": None},
        },
        agent_tokens={9: {"last_used_at": "2026-11-21T11:00:00.000Z"}},
    )


def asked(port: FakePort) -> set[tuple[Any, ...]]:
    return {wanted for wanted, _ in port.asked}


# --- rows -------------------------------------------------------------------------


def test_a_trigger_row_keeps_no_value_and_expires_at_its_instant() -> None:
    token = parse.trigger_token("i", TRIGGER, resource=WEB)
    assert token.kind is TokenKind.TRIGGER
    assert token.name == "from jenkins"
    assert token.expires_at == datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert token.last_used_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert token.owner == Owner(2, "mara")
    assert "0123456789abcdef" not in repr(token)
    never = parse.trigger_token("i", {**TRIGGER, "expires_at": None}, resource=WEB)
    assert never.expires_at is None
    older = {k: v for k, v in TRIGGER.items() if k != "expires_at"}  # before the field
    assert parse.trigger_token("i", older, resource=WEB).expires_at is None


def _trigger(row: dict[str, Any]) -> Token:
    return parse.trigger_token("i", row, resource=WEB)


def _agent(row: dict[str, Any]) -> Token:
    return parse.agent_token("i", row, resource=WEB, agent_id=4, agent_name="production")


def _runner(row: dict[str, Any]) -> Token:
    return parse.runner_token("i", row)


@pytest.mark.parametrize(
    ("make", "row"),
    [
        (_trigger, {**TRIGGER, "expires_at": "soon"}),
        (_trigger, {**TRIGGER, "id": "5"}),
        (_agent, {**AGENT_TOKEN, "name": None}),
        (_agent, {**AGENT_TOKEN, "id": True}),
        (_runner, {**RUNNER, "token_expires_at": "2026-02-30T00:00:00Z"}),
        (_runner, {**RUNNER, "id": None}),
    ],
)
def test_an_unreadable_row_is_an_error_never_a_token_that_never_expires(
    make: Callable[[dict[str, Any]], Token], row: dict[str, Any]
) -> None:
    with pytest.raises(parse.MalformedTokenError):
        make(row)


def test_an_agent_token_row() -> None:
    token = parse.agent_token("i", AGENT_TOKEN, resource=WEB, agent_id=4, agent_name="production")
    assert (token.kind, token.agent_id, token.agent_name) == (
        TokenKind.CLUSTER_AGENT,
        4,
        "production",
    )
    assert (token.status, token.revoked, token.expires_at) == ("active", False, None)
    assert token.owner == Owner(2)
    revoked = {**AGENT_TOKEN, "status": "revoked"}
    assert parse.agent_token("i", revoked, resource=WEB, agent_id=4, agent_name=None).revoked


def test_a_runner_row() -> None:
    token = parse.runner_token(
        "i", {**RUNNER, "projects": [{"id": 7, "path_with_namespace": "acme/web"}]}
    )
    assert (token.kind, token.id, token.name, token.runner_type) == (
        TokenKind.RUNNER,
        11,
        "website docker",
        "project_type",
    )
    assert token.resource == WEB
    assert token.expires_at is None
    paused = parse.runner_token("i", {**RUNNER, "paused": True, "description": ""})
    assert (paused.status, paused.name) == ("online, paused", "runner 11")
    grouped = parse.runner_token(
        "i", {**RUNNER, "runner_type": "group_type", "groups": [{"id": 3, "name": "Acme"}]}
    )
    assert grouped.resource == Resource(ResourceType.GROUP, 3, None)  # the walk fills the path
    dated = parse.runner_token("i", {**RUNNER, "token_expires_at": "2026-12-05T12:00:00.000Z"})
    assert dated.expires_at == datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_a_service_account_row() -> None:
    assert parse.service_account({"id": 20, "username": "bot"}) == Owner(20, "bot")
    with pytest.raises(parse.MalformedTokenError):
        parse.service_account({"id": "20"})


# --- the walk ---------------------------------------------------------------------


def test_a_user_walk_lists_each_kind_where_it_lives() -> None:
    port = user_port()
    result = walk(port)
    assert result.failure is None
    assert result.problems == ()
    by_name = {t.name: t for t in result.tokens}
    assert by_name["deploy"].kind is TokenKind.SERVICE_ACCOUNT
    assert by_name["deploy"].resource == ACME
    assert by_name["deploy"].owner == Owner(20, "acme-bot")
    assert by_name["smoke"].resource == WEB
    assert by_name["smoke"].owner == Owner(23, "web-bot")  # the row did not name it
    assert by_name["primary"].last_used_at == datetime(2026, 11, 21, 11, tzinfo=UTC)
    assert by_name["primary"].owner == Owner(2, "mara")  # the signed-in user's name
    assert by_name["website docker"].expires_at == datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert by_name["other"].expires_at is None
    assert key(Listed.SERVICE_ACCOUNTS, 8) not in asked(port)  # subgroups have none
    assert key(Listed.RUNNERS) in asked(port)
    assert key(Listed.ALL_RUNNERS) not in asked(port)


@pytest.mark.parametrize(
    ("version", "group_accounts", "group_tokens", "project_accounts"),
    [
        ("19.6.0-ee", True, True, True),
        ("18.10.1", True, True, False),
        ("17.5.0", True, False, False),
        ("16.11.10-ee", False, False, False),
        (None, True, True, True),  # unknown: GitLab's answer decides
    ],
)
def test_versions_gate_the_service_account_listings(
    version: str | None, group_accounts: bool, group_tokens: bool, project_accounts: bool
) -> None:
    port = user_port(version)
    if version is None:
        port.failures["version"] = Failure(FailureKind.NOT_FOUND, "404")
    walk(port)
    assert (key(Listed.SERVICE_ACCOUNTS, 3) in asked(port)) is group_accounts
    assert (key(Listed.SERVICE_ACCOUNT_TOKENS, 3, user_id=20) in asked(port)) is group_tokens
    assert (key(Listed.SERVICE_ACCOUNTS, 7) in asked(port)) is project_accounts


def test_runner_details_are_asked_only_when_the_first_says_they_carry_the_expiry() -> None:
    port = user_port()
    port.runners = {11: RUNNER, 12: {**RUNNER, "id": 12}}  # an older GitLab: no such field
    port.rows[key(Listed.RUNNERS)] = [{**RUNNER, "id": n} for n in range(11, 31)]
    result = walk(port)
    assert port.requests_made < 30  # one runner's details, not twenty
    runners = [t for t in result.tokens if t.kind is TokenKind.RUNNER]
    assert len(runners) == 20
    assert all(t.expires_at is None for t in runners)


def test_a_runner_whose_details_are_refused_keeps_what_the_listing_said() -> None:
    port = user_port()
    port.failures["runner 11"] = Failure(FailureKind.FORBIDDEN, "403 Forbidden", 403)
    result = walk(port)
    assert result.problems == ()
    names = {t.name: t for t in result.tokens if t.kind is TokenKind.RUNNER}
    assert set(names) == {"website docker", "other"}
    assert names["website docker"].expires_at is None  # not known: its details were refused


@pytest.mark.parametrize(
    "failure",
    [
        Failure(FailureKind.FORBIDDEN, "403 Forbidden", 403),
        Failure(FailureKind.NOT_FOUND, "404 while listing: GitLab has no such route", 404),
        Failure(FailureKind.MISSING_PERMISSION, "the fine-grained token may not do this", 403),
    ],
    ids=["403", "404", "fine-grained 403"],
)
@pytest.mark.parametrize(
    "listing",
    [
        key(Listed.TRIGGERS, 7),
        key(Listed.CLUSTER_AGENTS, 7),
        key(Listed.AGENT_TOKENS, 7, agent_id=4),
        key(Listed.SERVICE_ACCOUNTS, 3),
        key(Listed.SERVICE_ACCOUNT_TOKENS, 7, user_id=23),
        key(Listed.RUNNERS),
    ],
    ids=["triggers", "agents", "agent tokens", "accounts", "account tokens", "runners"],
)
def test_a_refused_discovery_is_not_available_here(
    failure: Failure, listing: tuple[Any, ...]
) -> None:
    port = user_port()
    port.failures[listing] = failure
    result = walk(port)
    assert result.failure is None
    assert result.problems == ()


def test_a_server_error_is_a_problem_that_keeps_the_tokens_it_hides() -> None:
    port = user_port()
    port.failures[key(Listed.AGENT_TOKENS, 7, agent_id=4)] = Failure(
        FailureKind.SERVER_ERROR, "500 server error", 500
    )
    result = walk(port)
    (problem,) = result.problems
    assert problem.where == "project acme/web, agent production"
    assert problem.scope is not None
    primary = parse.agent_token("fake", AGENT_TOKEN, resource=WEB, agent_id=4, agent_name=None)
    assert problem.scope.covers(primary)
    other_agent = parse.agent_token(
        "fake", {**AGENT_TOKEN, "agent_id": 5}, resource=WEB, agent_id=5, agent_name=None
    )
    assert not problem.scope.covers(other_agent)  # a revoked sibling must not come back


def test_one_bad_row_costs_that_row_only() -> None:
    port = user_port()
    port.rows[key(Listed.TRIGGERS, 7)] = [TRIGGER, {**TRIGGER, "id": 6, "expires_at": "soon"}]
    result = walk(port)
    (problem,) = result.problems
    assert problem.where == "project acme/web"
    assert "unreadable expires_at" in problem.failure.message
    assert problem.scope is not None
    assert problem.scope.token_id == 6
    assert "from jenkins" in {t.name for t in result.tokens if t.kind is TokenKind.TRIGGER}


def admin_port() -> FakePort:
    return FakePort(
        me={"id": 1, "username": "root", "is_admin": True},
        gitlab_version="19.6.0-ee",
        rows={
            key(Listed.PERSONAL_TOKENS): [
                pat(61, "deploy", user_id=20),
                pat(62, "smoke", user_id=23),
                pat(63, "backup", user_id=24),
            ],
            key(Listed.USERS): [
                {"id": 20, "username": "acme-bot", "bot": True},
                {"id": 23, "username": "web-bot", "bot": True},
                {"id": 24, "username": "backup-bot", "bot": True},
            ],
            key(Listed.PROJECTS): [{"id": 7, "path_with_namespace": "acme/web"}],
            key(Listed.GROUPS): [{"id": 3, "full_path": "acme"}],
            key(Listed.SERVICE_ACCOUNTS, 3): [{"id": 20, "username": "acme-bot"}],
            key(Listed.SERVICE_ACCOUNTS, 7): [{"id": 23, "username": "web-bot"}],
            key(Listed.TRIGGERS, 7): [TRIGGER],
            key(Listed.ALL_RUNNERS): [{**RUNNER, "runner_type": "instance_type"}],
        },
        runners={11: {**RUNNER, "runner_type": "instance_type", "token_expires_at": None}},
    )


def test_an_admin_walk_places_service_accounts_without_listing_their_tokens_again() -> None:
    port = admin_port()
    result = walk(port)
    assert result.failure is None, result.failure
    places = {t.name: t.resource for t in result.tokens if t.kind is TokenKind.SERVICE_ACCOUNT}
    assert places == {"deploy": ACME, "smoke": WEB, "backup": None}  # backup: the instance's
    assert not any(wanted[0] is Listed.SERVICE_ACCOUNT_TOKENS for wanted in asked(port))
    assert key(Listed.ALL_RUNNERS) in asked(port)
    assert key(Listed.RUNNERS) not in asked(port)
    kinds = {t.kind for t in result.tokens}
    assert {TokenKind.TRIGGER, TokenKind.RUNNER} <= kinds
    assert len({t.identity for t in result.tokens}) == len(result.tokens)


def test_a_trigger_and_a_personal_token_with_one_id_are_two_tokens() -> None:
    port = admin_port()
    port.rows[key(Listed.PERSONAL_TOKENS)].append(pat(5, "same id as the trigger", user_id=1))
    port.rows[key(Listed.USERS)].append({"id": 1, "username": "root", "bot": False})
    result = walk(port)
    fives = {t.kind for t in result.tokens if t.id == 5}
    assert fives == {TokenKind.TRIGGER, TokenKind.PERSONAL}
    assert date(2027, 1, 1) in {t.expires_at for t in result.tokens if t.id == 5}
