"""gltui on a fine-grained token, over the fake port: the walk takes a route it is refused
as "not available with this token's permissions" (that listing's problem, never the
instance's), and ``config check`` names what the token lacks for reading and for acting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gltui.adapters.port import Listed
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import TokenKind
from gltui.inventory.probe import Probe, probe_instance, sign_in
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.wiring.check import describe
from tests.fake_port import FakePort, key

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SPEC = InstanceSpec("fake", "https://gitlab.example", Secret("glpat-" + "x" * 20))
MAINTAINER, OWNER = 40, 50
READ_ONLY = [
    {
        "access": "user",
        "permissions": [
            "read_personal_access_token",
            "read_project",
            "read_group",
            "read_user",
        ],
        "project_id": None,
        "group_id": None,
    },
    {
        "access": "all_memberships",
        "permissions": ["read_resource_access_token", "read_deploy_token"],
        "project_id": None,
        "group_id": None,
    },
    {
        "access": "instance",
        "permissions": ["read_metadata"],
        "project_id": None,
        "group_id": None,
    },
]
REFUSED = Failure(
    FailureKind.MISSING_PERMISSION,
    "the fine-grained token may not do this (listing deploy tokens): Access denied: "
    "[Deploy Token: Read].",
    403,
)


def pat(token_id: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": token_id,
        "name": name,
        "scopes": ["read_api"],
        "revoked": False,
        "expires_at": "2027-01-01",
        **extra,
    }


def own(granular_scopes: list[dict[str, Any]] | None = READ_ONLY) -> dict[str, Any]:
    extra: dict[str, Any] = {"granular": True, "user_id": 1}
    if granular_scopes is not None:
        extra["granular_scopes"] = granular_scopes
    return pat(99, "gltui fine-grained", **{**extra, "scopes": ["granular"]})


def fine_grained_port(**changes: Any) -> FakePort:
    project = {"id": 7, "path_with_namespace": "acme/web"}
    group = {"id": 3, "full_path": "acme"}
    fake = FakePort(
        me={"id": 1, "username": "mara", "is_admin": False},
        own=own(),
        gitlab_version="19.6.0",
        rows={
            key(Listed.PERSONAL_TOKENS): [pat(1, "laptop")],
            key(Listed.PROJECTS, min_access_level=MAINTAINER): [project],
            key(Listed.GROUPS, min_access_level=MAINTAINER): [group],
            key(Listed.GROUPS, min_access_level=OWNER): [group],
            key(Listed.RESOURCE_ACCESS_TOKENS, 7): [pat(10, "web bot", access_level=30)],
            key(Listed.RESOURCE_DEPLOY_TOKENS, 7): [{"id": 5, "name": "web deploy"}],
            key(Listed.RESOURCE_DEPLOY_TOKENS, 3): [{"id": 6, "name": "group deploy"}],
            key(Listed.RESOURCE_ACCESS_TOKENS, 3): [pat(11, "group bot")],
        },
    )
    for name, value in changes.items():
        setattr(fake, name, value)
    return fake


def walk(fake: FakePort) -> Any:
    return walk_instance(SPEC, NOW, connect=lambda spec, **options: fake)


@pytest.mark.parametrize(
    "refusal",
    [
        REFUSED,
        Failure(FailureKind.MISSING_SCOPE, "the token needs one of: api (listing)", 403),
        Failure(FailureKind.NOT_FOUND, "404 while listing the deploy tokens: 404 Not Found", 404),
        Failure(FailureKind.FORBIDDEN, "403 Forbidden while listing", 403),
    ],
    ids=["granular", "scope", "404", "403"],
)
def test_a_refused_listing_is_not_available_not_a_failure(refusal: Failure) -> None:
    fake = fine_grained_port()
    fake.failures[key(Listed.RESOURCE_DEPLOY_TOKENS, 7)] = refusal
    fake.failures[key(Listed.RESOURCE_DEPLOY_TOKENS, 3)] = refusal
    result = walk(fake)
    assert result.failure is None
    names = {token.name for token in result.tokens}
    assert names == {"laptop", "web bot", "group bot"}  # every other listing went on
    assert result.own_token is not None
    assert result.own_token.is_fine_grained
    problems = [p for p in result.problems if p.failure.kind is FailureKind.MISSING_PERMISSION]
    assert len(problems) == 2
    for problem in problems:
        assert problem.failure.message.startswith("not available with this token's permissions")
        assert problem.scope is not None
        assert problem.scope.kinds == frozenset({TokenKind.DEPLOY})


def test_a_legacy_token_without_the_scope_still_fails_the_instance() -> None:
    fake = fine_grained_port(own=pat(99, "gltui", scopes=["read_user"], user_id=1))
    fake.failures[key(Listed.PERSONAL_TOKENS)] = Failure(
        FailureKind.MISSING_SCOPE, "the token needs one of: api read_api (listing)", 403
    )
    result = walk(fake)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.MISSING_SCOPE


def test_without_read_user_the_token_says_whose_it_is() -> None:
    fake = fine_grained_port()
    fake.failures["whoami"] = Failure(FailureKind.MISSING_PERMISSION, "no [User: Read]", 403)
    fake.failures["version"] = Failure(FailureKind.MISSING_PERMISSION, "no [Metadata: Read]", 403)
    asked: list[dict[str, Any]] = []
    answer = fake.own_token

    def counted() -> dict[str, Any]:
        asked.append(answer())
        return asked[-1]

    fake.own_token = counted  # type: ignore[method-assign]
    result = walk(fake)
    assert result.failure is None
    assert len(asked) == 1  # the record that named the user is the walk's own token too
    assert result.own_token is not None
    assert result.own_token.is_fine_grained
    assert result.identity is not None
    assert result.identity.user_id == 1
    assert result.identity.version is None  # unknown: the gates ask GitLab instead
    assert {token.name for token in result.tokens} >= {"laptop", "web bot"}
    wheres = {problem.where for problem in result.problems}
    assert wheres == {"signed-in user", "version"}


def test_without_read_user_a_legacy_token_fails_as_before() -> None:
    fake = fine_grained_port(own=pat(99, "gltui", user_id=1))
    fake.failures["whoami"] = Failure(FailureKind.FORBIDDEN, "403 Forbidden", 403)
    result = walk(fake)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.FORBIDDEN


def probe(fake: FakePort, *, readonly: bool = False) -> Probe:
    return probe_instance(SPEC, NOW, 14, readonly=readonly, connect=lambda spec: fake)


def test_config_check_passes_a_read_only_fine_grained_token_and_names_what_it_cannot_do() -> None:
    result = probe(fine_grained_port())
    assert result.failure is None
    assert result.problems == ()
    (acting,) = result.warnings
    assert acting.startswith("the fine-grained token lacks for acting: ")
    for permission in (
        "revoke_personal_access_token",
        "rotate_personal_access_token",
        "create_user_personal_access_token",
        "delete_resource_access_token",
        "rotate_resource_access_token",
        "delete_deploy_token",
    ):
        assert permission in acting
    lines = describe(result, NOW)
    assert "fine-grained: user: read_personal_access_token" in lines[1]
    assert "granular" not in lines[1].replace("fine-grained", "")
    assert probe(fine_grained_port(), readonly=True).warnings == ()  # no acting in read-only


def test_config_check_names_the_missing_read_permissions() -> None:
    scopes = [{"access": "user", "permissions": ["read_personal_access_token"]}]
    result = probe(fine_grained_port(own=own(scopes)), readonly=True)
    (problem,) = result.problems
    assert problem.startswith("the fine-grained token lacks for reading: ")
    for permission in (
        "read_project",
        "read_group",
        "read_resource_access_token",
        "read_deploy_token",
    ):
        assert permission in problem
    assert "read_personal_access_token" not in problem
    (optional,) = result.warnings
    assert "read_user" in optional
    assert "read_metadata" in optional
    assert "manages without" in optional


def test_config_check_says_when_a_permission_sits_on_the_wrong_boundary() -> None:
    scopes: list[dict[str, Any]] = [
        *READ_ONLY[:1],
        {"access": "user", "permissions": ["read_resource_access_token"]},
        {"access": "selected_memberships", "permissions": ["read_deploy_token"], "project_id": 7},
        READ_ONLY[2],
    ]
    result = probe(fine_grained_port(own=own(scopes)), readonly=True)
    assert result.problems == ()
    assert any(
        w.startswith("read_resource_access_token is held on user only") for w in result.warnings
    )
    assert any(
        w.startswith("read_deploy_token reaches the selected projects and groups only")
        for w in result.warnings
    )


def test_config_check_before_19_5_cannot_see_the_permissions() -> None:
    result = probe(fine_grained_port(own=own(None), gitlab_version="19.3.1"))
    assert result.problems == ()
    assert any("from GitLab 19.5" in warning for warning in result.warnings)
    assert "read_api" not in " ".join(result.problems)  # never judged as a legacy token


def test_config_check_without_read_user_and_read_metadata() -> None:
    fake = fine_grained_port()
    fake.failures["whoami"] = Failure(FailureKind.MISSING_PERMISSION, "no [User: Read]", 403)
    fake.failures["version"] = Failure(FailureKind.MISSING_PERMISSION, "no [Metadata: Read]", 403)
    result = probe(fake, readonly=True)
    assert result.failure is None
    assert result.identity is not None
    assert result.identity.user_id == 1
    notes = " ".join(result.warnings)
    assert "not available with this token's permissions" in notes
    assert "the version is unknown" in notes


def test_the_write_side_signs_in_without_read_user_and_read_metadata() -> None:
    fake = fine_grained_port()
    fake.failures["whoami"] = Failure(FailureKind.MISSING_PERMISSION, "no [User: Read]", 403)
    fake.failures["version"] = Failure(FailureKind.MISSING_PERMISSION, "no [Metadata: Read]", 403)
    who = sign_in(fake)
    assert (who.user_id, who.is_admin, who.version) == (1, False, None)
    legacy = fine_grained_port(own=pat(99, "gltui", user_id=1))
    legacy.failures["whoami"] = Failure(FailureKind.FORBIDDEN, "403 Forbidden", 403)
    with pytest.raises(ApiFailure):
        sign_in(legacy)
