"""Version profiles: older GitLab lacks endpoints, filters and fields."""

from __future__ import annotations

from datetime import timedelta

import gitlab
import pytest

from gltui.sandbox.profiles import ProfileError, VersionProfile
from tests.conftest import TODAY, SandboxFactory, call, client


def test_named_and_explicit_versions() -> None:
    assert VersionProfile.parse("current").version == "19.6.0-ee"
    assert VersionProfile.parse("19.6").version == "19.6.0-ee"
    assert VersionProfile.parse("18").version == "18.6.2-ee"
    assert VersionProfile.parse("16").version == "16.11.10-ee"
    assert VersionProfile.parse("15").version == "15.0.5-ee"
    assert VersionProfile.parse("17.2.1-ee").at_least(17, 2)
    for bad in ("banana", "14.9.0", "18.6"):
        with pytest.raises(ProfileError):
            VersionProfile.parse(bad)


def test_gitlab_15_0_lacks_self_rotate_and_metadata(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15")
    token = sandbox.credentials.maintainer
    for method, path in (
        ("GET", "/api/v4/metadata"),
        ("POST", "/api/v4/personal_access_tokens/1/rotate"),
    ):
        reply = call(sandbox.url, method, path, token=token)
        assert (reply.status, reply.json()) == (404, {"error": "404 Not Found"})
    # GET /personal_access_tokens/:id does not exist before 15.1 either
    assert (
        call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=token).status == 404
    )
    # /version is the old, short body; python-gitlab still reads it
    version = call(sandbox.url, "GET", "/api/v4/version", token=token).json()
    assert set(version) == {"version", "revision"}
    assert client(sandbox, "maintainer").version()[0] == "15.0.5-ee"
    gl = client(sandbox, "maintainer")
    with pytest.raises(gitlab.GitlabGetError) as caught:
        gl.personal_access_tokens.get("self")
    assert caught.value.response_code == 404


def test_gitlab_15_0_ignores_newer_filters(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15")
    gl = client(sandbox, "maintainer")
    everything = gl.personal_access_tokens.list(get_all=True)
    filtered = gl.personal_access_tokens.list(state="active", revoked=False, get_all=True)
    assert [t.id for t in filtered] == [t.id for t in everything]  # unknown params are ignored
    assert "description" not in everything[0].attributes
    assert "expired" not in everything[0].attributes


def test_gitlab_15_0_tokens_never_expire_by_default(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(version="15")
    admin = client(sandbox, "admin")
    mara = admin.users.list(username="mara")[0]
    created = mara.personal_access_tokens.create({"name": "legacy", "scopes": ["api"]})
    assert created.expires_at is None


def test_gitlab_16_has_rotate_but_not_self_rotate_or_expires_at(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(version="16.5.0")
    gl = client(sandbox, "maintainer")
    target = gl.personal_access_tokens.list(search="expires in 15 days")[0]
    asked = (TODAY + timedelta(days=60)).isoformat()
    rotated = gl.personal_access_tokens.rotate(target.id, expires_at=asked)
    assert rotated["expires_at"] == (TODAY + timedelta(days=7)).isoformat()  # param ignored < 16.6
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/personal_access_tokens/self/rotate",
        token=sandbox.credentials.maintainer,
    )
    assert reply.status == 400  # falls to /:id/rotate with id "self"
    assert reply.json() == {"error": "id is invalid"}


def test_resource_state_filter_arrives_in_17_2(make_sandbox: SandboxFactory) -> None:
    old = make_sandbox(version="17.1.0")
    project = client(old, "maintainer").projects.get("acme/website", lazy=True)
    assert len(project.access_tokens.list(state="active", get_all=True)) == 3  # ignored
    new = make_sandbox(version="17.2.0")
    project = client(new, "maintainer").projects.get("acme/website", lazy=True)
    assert len(project.access_tokens.list(state="active", get_all=True)) == 2
