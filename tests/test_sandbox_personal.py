"""Personal access tokens through python-gitlab, as any GitLab client would use them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from gltui.sandbox.store import PersonalToken
from tests.conftest import TODAY, call, client

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def rows_of(sandbox: RunningSandbox, username: str) -> list[PersonalToken]:
    store = sandbox.store
    with store.lock:
        user = next(u for u in store.users.values() if u.username == username)
        return [t for t in store.tokens_of_user(user.id) if not t.impersonation]


def test_current_user_and_admin_flag(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    admin.auth()
    assert admin.user is not None
    assert admin.user.username == "root"
    assert admin.user.attributes["is_admin"] is True
    maintainer = client(sandbox, "maintainer")
    maintainer.auth()
    assert maintainer.user is not None
    assert maintainer.user.username == "mara"
    assert "is_admin" not in maintainer.user.attributes  # GitLab shows it to admins only


def test_version_and_metadata(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "readonly")
    assert gl.version() == ("19.6.0-ee", "a1b2c3d4e5f")
    metadata = gl.http_get("/metadata")
    assert isinstance(metadata, dict)
    assert metadata["enterprise"] is True
    assert set(metadata["kas"]) >= {"enabled", "externalUrl", "version"}


def test_list_all_pages_returns_every_own_token(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer", per_page=3)
    listed = gl.personal_access_tokens.list(get_all=True)
    expected = rows_of(sandbox, "mara")
    assert len(expected) > 3 * 4  # several pages really were followed
    assert [t.id for t in listed] == sorted(t.id for t in expected)  # default order: id asc
    first = listed[0].attributes
    assert TIMESTAMP.match(first["created_at"])
    assert first["expires_at"] is None or DATE.match(first["expires_at"])
    assert set(first) >= {"id", "name", "revoked", "created_at", "description", "scopes"}
    assert set(first) >= {"user_id", "last_used_at", "active", "expires_at", "expired"}
    assert "token" not in first


def test_admin_sees_every_row_including_bots_and_impersonation(sandbox: RunningSandbox) -> None:
    listed = client(sandbox, "admin").personal_access_tokens.list(get_all=True)
    with sandbox.store.lock:
        assert len(listed) == len(sandbox.store.pats)
        bots = {u.id for u in sandbox.store.users.values() if u.is_bot}
        impersonation = {t.id for t in sandbox.store.pats.values() if t.impersonation}
    assert any(t.user_id in bots for t in listed)
    assert impersonation <= {t.id for t in listed}


def test_non_admin_never_sees_impersonation_tokens(sandbox: RunningSandbox) -> None:
    listed = client(sandbox, "maintainer").personal_access_tokens.list(get_all=True)
    mara = rows_of(sandbox, "mara")[0].user_id
    assert {t.user_id for t in listed} == {mara}


def test_user_id_filter(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    mara_id = rows_of(sandbox, "mara")[0].user_id
    listed = admin.personal_access_tokens.list(user_id=mara_id, get_all=True)
    assert {t.user_id for t in listed} == {mara_id}
    with pytest.raises(gitlab.GitlabListError) as caught:
        admin.personal_access_tokens.list(user_id=99999)
    assert caught.value.response_code == 404
    # a non-admin asking for someone else's tokens: 401, not 403
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(sandbox, "maintainer").personal_access_tokens.list(user_id=1)


def names(rows: Sequence[gitlab.base.RESTObject]) -> set[str]:
    return {str(row.name) for row in rows}


def test_state_revoked_and_expiry_filters_match_gitlab_cards(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    active = gl.personal_access_tokens.list(state="active", get_all=True)
    inactive = gl.personal_access_tokens.list(state="inactive", get_all=True)
    revoked = gl.personal_access_tokens.list(revoked=True, get_all=True)
    expired = gl.personal_access_tokens.list(revoked=False, state="inactive", get_all=True)
    cutoff = (TODAY + timedelta(days=15)).isoformat()
    expiring = gl.personal_access_tokens.list(state="active", expires_before=cutoff, get_all=True)
    assert "expires today" in names(expired)
    assert "expires today" not in names(active)
    assert {"expires tomorrow", "expires in 14 days"} <= names(expiring)
    assert "expires in 15 days" not in names(expiring)  # expires_before is strict
    assert "expires in 15 days" in names(active)
    assert "leaked in CI log" in names(revoked)
    assert len(active) + len(inactive) == len(rows_of(sandbox, "mara"))
    assert all(row.active for row in active)
    assert not names(revoked) & names(expired)


def test_expires_after_is_inclusive(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    day = (TODAY + timedelta(days=14)).isoformat()
    listed = gl.personal_access_tokens.list(expires_after=day, get_all=True)
    assert "expires in 14 days" in names(listed)
    assert "expires tomorrow" not in names(listed)
    assert all(row.expires_at is not None and row.expires_at >= day for row in listed)


def test_search_and_sort(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    assert names(gl.personal_access_tokens.list(search="EXPIRES", get_all=True)) >= {
        "expires today",
        "expires tomorrow",
    }
    # fewer than 3 characters: only an exact name matches
    assert names(gl.personal_access_tokens.list(search="ex", get_all=True)) == set()
    ordered = gl.personal_access_tokens.list(sort="expires_asc", get_all=True)
    dates = [row.expires_at for row in ordered]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated)
    assert dates[-1] is None  # NULLs last when ascending, like PostgreSQL
    descending = gl.personal_access_tokens.list(sort="expires_desc", get_all=True)
    assert descending[0].expires_at is None
    # unknown sort values are ignored, not rejected
    plain = gl.personal_access_tokens.list(sort="sideways", get_all=True)
    assert [row.id for row in plain] == sorted(row.id for row in plain)


def test_last_used_and_created_filters(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    month_ago = (TODAY - timedelta(days=30)).isoformat() + "T00:00:00Z"
    stale = gl.personal_access_tokens.list(last_used_before=month_ago, get_all=True)
    assert "stale: unused for a year" in names(stale)
    assert "never used" not in names(stale)  # NULL last_used_at matches neither bound
    recent = gl.personal_access_tokens.list(created_after=month_ago, get_all=True)
    assert all(row.created_at >= month_ago for row in recent)


def test_invalid_filter_values(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.maintainer
    reply = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?state=gone", token=token)
    assert (reply.status, reply.json()) == (400, {"error": "state does not have a valid value"})
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/personal_access_tokens?revoked=maybe&created_before=soon",
        token=token,
    )
    assert reply.status == 400
    assert reply.json() == {"error": "revoked is invalid, created_before is invalid"}


def test_get_self_works_with_any_scope(sandbox: RunningSandbox) -> None:
    me = client(sandbox, "readonly").personal_access_tokens.get("self")
    assert me.name == "gltui read-only"
    assert me.scopes == ["read_api"]
    assert "last_used_ips" in me.attributes


def test_get_by_id_permissions(sandbox: RunningSandbox) -> None:
    own = rows_of(sandbox, "mara")[0]
    other = rows_of(sandbox, "root")[0]
    maintainer = client(sandbox, "maintainer")
    assert maintainer.personal_access_tokens.get(own.id).name == own.name
    with pytest.raises(gitlab.GitlabAuthenticationError):
        maintainer.personal_access_tokens.get(other.id)  # not yours: 401
    with pytest.raises(gitlab.GitlabAuthenticationError):
        maintainer.personal_access_tokens.get(99999)  # missing: also 401 for non-admins
    with pytest.raises(gitlab.GitlabGetError) as caught:
        client(sandbox, "admin").personal_access_tokens.get(99999)
    assert caught.value.response_code == 404


def test_admin_creates_a_personal_token(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    mara_id = rows_of(sandbox, "mara")[0].user_id
    user = admin.users.get(mara_id, lazy=True)
    created = user.personal_access_tokens.create({"name": "ci reader", "scopes": ["read_api"]})
    assert created.token.startswith("glpat-")
    assert created.expires_at == (TODAY + timedelta(days=365)).isoformat()  # default max
    assert created.user_id == mara_id
    with sandbox.store.lock:
        stored = sandbox.store.pats[created.id]
        assert created.token not in repr(stored)  # only a digest is kept
    # the new token really authenticates
    fresh = gitlab.Gitlab(sandbox.url, private_token=created.token)
    assert fresh.personal_access_tokens.get("self").name == "ci reader"


def test_create_errors(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    mara_id = rows_of(sandbox, "mara")[0].user_id
    user = admin.users.get(mara_id, lazy=True)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        user.personal_access_tokens.create({"name": "x", "scopes": ["fly"]})
    assert caught.value.response_code == 400
    assert caught.value.error_message == "scopes does not have a valid value"
    beyond = (TODAY + timedelta(days=366)).isoformat()
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        user.personal_access_tokens.create({"name": "x", "scopes": ["api"], "expires_at": beyond})
    assert caught.value.response_code == 422
    assert "Expires at must be before" in str(caught.value.error_message)
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        user.personal_access_tokens.create({"name": "x", "scopes": ["sudo"]})
    assert caught.value.response_code == 422
    # ordinary users cannot create tokens for anyone over this endpoint
    maintainer = client(sandbox, "maintainer")
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        maintainer.users.get(mara_id, lazy=True).personal_access_tokens.create(
            {"name": "x", "scopes": ["api"]}
        )
    assert caught.value.response_code == 403


def test_self_service_creation_only_allows_k8s_proxy(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.maintainer
    refused = call(
        sandbox.url,
        "POST",
        "/api/v4/user/personal_access_tokens",
        token=token,
        body={"name": "mine", "scopes": ["api"]},
    )
    assert (refused.status, refused.json()) == (
        400,
        {"error": "scopes does not have a valid value"},
    )
    created = call(
        sandbox.url,
        "POST",
        "/api/v4/user/personal_access_tokens",
        token=token,
        body={"name": "agent", "scopes": ["k8s_proxy"]},
    )
    assert created.status == 201
    assert created.json()["token"].startswith("glpat-")


def test_rotate_creates_new_row_and_revokes_old(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    target = next(t for t in rows_of(sandbox, "mara") if t.name == "expires tomorrow")
    rotated = gl.personal_access_tokens.rotate(target.id)
    assert isinstance(rotated, dict)
    assert rotated["id"] != target.id
    assert rotated["token"].startswith("glpat-")
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()
    assert rotated["name"] == target.name
    assert gl.personal_access_tokens.get(target.id).revoked is True
    chosen = (TODAY + timedelta(days=30)).isoformat()
    again = gl.personal_access_tokens.rotate(rotated["id"], expires_at=chosen)
    assert again["expires_at"] == chosen


def test_rotating_a_revoked_token_by_id_is_400_and_nothing_else(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    target = next(t for t in rows_of(sandbox, "mara") if t.name == "expires in 15 days")
    rotated = gl.personal_access_tokens.rotate(target.id)
    with pytest.raises(gitlab.GitlabRotateError) as caught:
        gl.personal_access_tokens.rotate(target.id)
    assert caught.value.response_code == 400
    assert caught.value.error_message == "400 Bad request - Token already revoked"
    # not reuse (the caller's own valid token asked): the family is left alone; reuse
    # detection is in tests/test_sandbox_fidelity.py
    assert gl.personal_access_tokens.get(rotated["id"]).revoked is False


def test_rotate_beyond_limit_and_permissions(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    target = next(t for t in rows_of(sandbox, "mara") if t.name == "never used")
    beyond = (TODAY + timedelta(days=400)).isoformat()
    with pytest.raises(gitlab.GitlabRotateError) as caught:
        gl.personal_access_tokens.rotate(target.id, expires_at=beyond)
    assert caught.value.response_code == 400
    other = rows_of(sandbox, "root")[0]
    with pytest.raises(gitlab.GitlabAuthenticationError):
        gl.personal_access_tokens.rotate(other.id)


def test_self_rotation(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    rotated = gl.personal_access_tokens.rotate("self")
    assert rotated["name"] == "gltui"
    # the old secret is dead, the new one works
    reply = call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.maintainer)
    assert reply.status == 401
    assert reply.json()["error"] == "invalid_token"
    assert (
        gitlab.Gitlab(sandbox.url, private_token=rotated["token"])
        .personal_access_tokens.get("self")
        .id
        == rotated["id"]
    )


def test_revoke(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    target = next(t for t in rows_of(sandbox, "mara") if t.name == "k8s agent")
    gl.personal_access_tokens.delete(target.id)
    assert gl.personal_access_tokens.get(target.id).revoked is True
    gl.personal_access_tokens.delete(target.id)  # already revoked: still 204
    missing = call(
        sandbox.url,
        "DELETE",
        "/api/v4/personal_access_tokens/99999",
        token=sandbox.credentials.maintainer,
    )
    assert (missing.status, missing.json()) == (404, {"message": "404 Not found"})
    other = rows_of(sandbox, "root")[0]
    refused = call(
        sandbox.url,
        "DELETE",
        f"/api/v4/personal_access_tokens/{other.id}",
        token=sandbox.credentials.maintainer,
    )
    assert (refused.status, refused.json()) == (
        400,
        {"message": "400 Bad request - Not permitted to revoke"},
    )


def test_revoke_self(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "readonly")
    gl.personal_access_tokens.delete("self")  # any scope may revoke itself
    reply = call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.readonly)
    assert reply.json()["error_description"].startswith("Token was revoked")


def test_usage_updates_last_used(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "developer")
    me = gl.personal_access_tokens.get("self")
    assert me.last_used_at.startswith(TODAY.isoformat())
    assert "127.0.0.1" in me.last_used_ips
