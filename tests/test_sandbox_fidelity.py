"""Three fidelity gaps an independent client found, closed: reuse detection follows the
corrected rule (reference ``gitlab-token-api.md`` §1.3), seeded last uses never precede
creation, and the ``developer`` persona is a Developer everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import NOW, TODAY, SandboxFactory, call, client

REVOKED = {
    "error": "invalid_token",
    "error_description": "Token was revoked. You have to re-authorize from the user.",
}


def is_revoked(sandbox: RunningSandbox, token_id: int) -> bool:
    with sandbox.store.lock:
        return sandbox.store.pats[token_id].revoked


def own_token_id(sandbox: RunningSandbox, secret: str) -> int:
    reply = call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=secret)
    assert reply.status == 200
    token_id: int = reply.json()["id"]
    return token_id


# --- (a) reuse detection -------------------------------------------------------------


def test_the_old_secret_on_a_rotate_path_revokes_the_family(sandbox: RunningSandbox) -> None:
    old = sandbox.credentials.maintainer
    old_id = own_token_id(sandbox, old)
    rotated = client(sandbox, "maintainer").personal_access_tokens.rotate("self")
    assert not is_revoked(sandbox, rotated["id"])
    # the leaked old value elsewhere: harmless on other paths...
    reply = call(sandbox.url, "GET", "/api/v4/user", token=old)
    assert (reply.status, reply.json()) == (401, REVOKED)
    assert not is_revoked(sandbox, rotated["id"])
    # ...but calling a rotate path with it is reuse: the family's active token dies too
    reply = call(sandbox.url, "POST", "/api/v4/personal_access_tokens/self/rotate", token=old)
    assert (reply.status, reply.json()) == (401, REVOKED)
    assert is_revoked(sandbox, rotated["id"])
    with pytest.raises(gitlab.GitlabAuthenticationError):
        gitlab.Gitlab(sandbox.url, private_token=rotated["token"]).personal_access_tokens.get(
            "self"
        )
    assert is_revoked(sandbox, old_id)


def test_any_rotate_path_counts_even_for_another_id(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    first = gl.personal_access_tokens.rotate("self")
    second = gitlab.Gitlab(sandbox.url, private_token=first["token"]).personal_access_tokens.rotate(
        "self"
    )
    # the first value (two rotations ago) on a rotate-by-id path, for an unrelated id
    reply = call(
        sandbox.url, "POST", "/api/v4/personal_access_tokens/99999/rotate", token=first["token"]
    )
    assert (reply.status, reply.json()) == (401, REVOKED)
    assert is_revoked(sandbox, second["id"])  # the family's newest token, rotated twice


def test_an_administrator_rotating_a_revoked_id_gets_400_and_nothing_else(
    sandbox: RunningSandbox,
) -> None:
    old_id = own_token_id(sandbox, sandbox.credentials.maintainer)
    rotated = client(sandbox, "maintainer").personal_access_tokens.rotate("self")
    admin = client(sandbox, "admin")
    with pytest.raises(gitlab.GitlabRotateError) as caught:
        admin.personal_access_tokens.rotate(old_id)
    assert (caught.value.response_code, caught.value.error_message) == (
        400,
        "400 Bad request - Token already revoked",
    )
    assert not is_revoked(sandbox, rotated["id"])
    assert admin.personal_access_tokens.get(rotated["id"]).active is True
    with sandbox.store.lock:
        assert not [t for t in sandbox.store.pats.values() if t.previous_id == rotated["id"]]


def test_a_revoked_token_without_successors_changes_nothing(sandbox: RunningSandbox) -> None:
    with sandbox.store.lock:
        before = {t.id: t.revoked for t in sandbox.store.pats.values()}
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/personal_access_tokens/self/rotate",
        token=sandbox.credentials.revoked,
    )
    assert (reply.status, reply.json()) == (401, REVOKED)
    with sandbox.store.lock:
        assert {t.id: t.revoked for t in sandbox.store.pats.values()} == before


def test_reuse_of_a_project_token_on_its_self_rotate_path(sandbox: RunningSandbox) -> None:
    project = client(sandbox, "maintainer").projects.get("acme/website", lazy=True)
    created = project.access_tokens.create({"name": "ci", "scopes": ["api"]})
    rotated = project.access_tokens.rotate(created.id)
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens/self/rotate",
        token=created.token,
    )
    assert (reply.status, reply.json()) == (401, REVOKED)
    assert is_revoked(sandbox, rotated["id"])


def test_reuse_on_a_service_account_rotate_path(sandbox: RunningSandbox) -> None:
    group = client(sandbox, "maintainer").groups.get("acme", lazy=True)
    account = next(a for a in group.service_accounts.list() if a.name == "Acme deploy bot")
    created = account.access_tokens.create({"name": "pipeline", "scopes": ["api"]})
    rotated = account.access_tokens.rotate(created.id)
    path = (
        f"/api/v4/groups/acme/service_accounts/{account.id}/personal_access_tokens/"
        f"{rotated['id']}/rotate"
    )
    reply = call(sandbox.url, "POST", path, token=created.token)
    assert (reply.status, reply.json()) == (401, REVOKED)
    assert is_revoked(sandbox, rotated["id"])


class MovingClock:
    """A clock the test moves forward (no sleeping)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def moving() -> Iterator[tuple[RunningSandbox, MovingClock]]:
    clock = MovingClock(NOW)
    sandbox = RunningSandbox(SandboxOptions(), clock=clock).start()
    yield sandbox, clock
    sandbox.stop()


def test_an_expired_old_token_is_expired_first_and_spares_the_family(
    moving: tuple[RunningSandbox, MovingClock],
) -> None:
    sandbox, clock = moving
    admin = client(sandbox, "admin")
    mara = admin.users.list(username="mara")[0]
    short = mara.personal_access_tokens.create(
        {"name": "short", "scopes": ["api"], "expires_at": (TODAY + timedelta(days=2)).isoformat()}
    )
    rotated = gitlab.Gitlab(sandbox.url, private_token=short.token).personal_access_tokens.rotate(
        "self", expires_at=(TODAY + timedelta(days=30)).isoformat()
    )
    clock.now = NOW + timedelta(days=3)  # the old token has expired since
    reply = call(
        sandbox.url, "POST", "/api/v4/personal_access_tokens/self/rotate", token=short.token
    )
    assert reply.status == 401
    assert reply.json()["error_description"].startswith("Token is expired")
    assert not is_revoked(sandbox, rotated["id"])


# --- (b) last use never before creation ----------------------------------------------


def test_seeded_last_uses_follow_creation_through_the_api(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    tokens = admin.personal_access_tokens.list(get_all=True)
    used = [t for t in tokens if t.last_used_at is not None]
    assert used
    assert all(t.last_used_at >= t.created_at for t in used), [
        t.name for t in used if t.last_used_at < t.created_at
    ]
    stale = next(t for t in tokens if t.name == "stale: unused for a year")
    assert stale.last_used_at < (TODAY - timedelta(days=365)).isoformat()  # still a year old
    for project in ("acme/website", "acme/backend/api", "platform/infra"):
        for trigger in admin.projects.get(project, lazy=True).triggers.list(get_all=True):
            assert trigger.last_used is None or trigger.last_used >= trigger.created_at


@pytest.mark.parametrize("version", ["current", "16", "15"])
def test_seeded_last_uses_follow_creation_at_scale(
    make_sandbox: SandboxFactory, version: str
) -> None:
    sandbox = make_sandbox(scale=60, version=version)
    with sandbox.store.lock:
        store = sandbox.store
        late: list[Any] = [
            t.name
            for t in store.pats.values()
            if t.last_used_at is not None and t.last_used_at < t.created_at
        ]
        late += [
            t.description
            for t in store.ci.triggers.values()
            if t.last_used is not None and t.last_used < t.created_at
        ]
        late += [
            t.name
            for t in store.ci.agent_tokens.values()
            if t.last_used_at is not None and t.last_used_at < t.created_at
        ]
        late += [
            r.description
            for r in store.ci.runners.values()
            if r.contacted_at is not None and r.contacted_at < r.created_at
        ]
        future = [t.name for t in store.pats.values() if t.created_at > NOW]
    assert late == []
    assert future == []


# --- (c) the developer persona is a Developer everywhere -----------------------------


def test_the_developer_persona_maintains_and_owns_nothing(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "developer")
    assert gl.projects.list(min_access_level=40, get_all=True) == []
    assert gl.groups.list(min_access_level=40, get_all=True) == []
    associations = gl.http_get("/personal_access_tokens/self/associations")
    assert isinstance(associations, dict)
    assert associations["groups"]
    assert all(g["access_levels"] < 40 for g in associations["groups"])
    for project in associations["projects"]:
        for access in project["permissions"].values():
            assert access is None or access["access_level"] < 40
    # other personas can hold those roles
    assert client(sandbox, "maintainer").groups.list(min_access_level=50, get_all=True)


def test_no_version_or_scale_gives_the_developer_a_higher_role(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(scale=30)
    with sandbox.store.lock:
        store = sandbox.store
        dev = next(u for u in store.users.values() if u.username == "dev")
        levels = [store.project_access(dev.id, pid) for pid in store.projects]
        levels += [store.group_access(dev.id, gid) for gid in store.groups]
    assert max(levels) == 30
