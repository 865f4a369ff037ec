"""Wire-level behaviour where headers and bodies matter: auth, pagination, faults."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox
from tests.conftest import SandboxFactory, call, client


def test_missing_and_unknown_tokens(sandbox: RunningSandbox) -> None:
    for token in (None, "glpat-not-a-real-token-00"):
        reply = call(sandbox.url, "GET", "/api/v4/personal_access_tokens", token=token)
        assert (reply.status, reply.json()) == (401, {"message": "401 Unauthorized"})


def test_expired_and_revoked_tokens_get_invalid_token(sandbox: RunningSandbox) -> None:
    expired = call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.expired)
    assert expired.status == 401
    assert expired.json() == {
        "error": "invalid_token",
        "error_description": "Token is expired. You can either do re-authorization or token "
        "refresh.",
    }
    revoked = call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.revoked)
    assert revoked.json() == {
        "error": "invalid_token",
        "error_description": "Token was revoked. You have to re-authorize from the user.",
    }
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(sandbox, "expired").auth()


@pytest.mark.parametrize(
    ("how", "path"),
    [
        ({"Authorization": "Bearer {token}"}, "/api/v4/user"),
        ({"PRIVATE-TOKEN": "{token}"}, "/api/v4/user"),
        ({}, "/api/v4/user?private_token={token}"),
    ],
)
def test_three_ways_to_authenticate(
    sandbox: RunningSandbox, how: dict[str, str], path: str
) -> None:
    token = sandbox.credentials.developer
    headers = {key: value.format(token=token) for key, value in how.items()}
    reply = call(sandbox.url, "GET", path.format(token=token), headers=headers)
    assert reply.status == 200
    assert reply.json()["username"] == "dev"


def test_read_user_scope_limits(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    mara = admin.users.list(username="mara")[0]
    created = mara.personal_access_tokens.create({"name": "profile", "scopes": ["read_user"]})
    assert call(sandbox.url, "GET", "/api/v4/user", token=created.token).status == 200
    reply = call(sandbox.url, "GET", "/api/v4/personal_access_tokens", token=created.token)
    assert reply.status == 403
    assert reply.json()["scope"] == "api read_api"


def test_pagination_headers_and_link(sandbox: RunningSandbox) -> None:
    url = "/api/v4/personal_access_tokens?per_page=5&page=2&state=active"
    reply = call(sandbox.url, "GET", url, token=sandbox.credentials.admin)
    assert reply.status == 200
    assert len(reply.json()) == 5
    headers = reply.headers
    total = int(headers["X-Total"])
    assert headers["X-Page"] == "2"
    assert headers["X-Per-Page"] == "5"
    assert headers["X-Prev-Page"] == "1"
    assert headers["X-Next-Page"] == "3"
    assert headers["X-Total-Pages"] == str(-(-total // 5))
    links = {}
    for part in headers["Link"].split(", "):
        target, rel = part.split("; ")
        links[rel.removeprefix('rel="').rstrip('"')] = target.strip("<>")
    assert list(links) == ["prev", "next", "first", "last"]
    next_url = urlsplit(links["next"])
    assert f"{next_url.scheme}://{next_url.netloc}" == sandbox.url
    assert next_url.path == "/api/v4/personal_access_tokens"
    assert parse_qs(next_url.query) == {"page": ["3"], "per_page": ["5"], "state": ["active"]}
    assert next_url.query == "page=3&per_page=5&state=active"  # keys sorted, as Rails does


def test_link_uses_the_host_the_client_used(sandbox: RunningSandbox) -> None:
    port = urlsplit(sandbox.url).port
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/personal_access_tokens?per_page=2",
        token=sandbox.credentials.admin,
        headers={"Host": f"localhost:{port}"},
    )
    assert f"<http://localhost:{port}/api/v4/personal_access_tokens?" in reply.headers["Link"]


def test_route_params_appear_in_link(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/projects/acme%2Fwebsite/access_tokens?per_page=1",
        token=sandbox.credentials.maintainer,
    )
    assert (
        "/api/v4/projects/acme%2Fwebsite/access_tokens?id=acme%2Fwebsite&page=2"
        in reply.headers["Link"]
    )


def test_last_page_and_beyond(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.maintainer
    first = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?per_page=100", token=token)
    assert first.headers["X-Next-Page"] == ""
    assert first.headers["X-Prev-Page"] == ""
    assert 'rel="next"' not in first.headers["Link"]
    beyond = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?page=9", token=token)
    assert (beyond.status, beyond.json()) == (200, [])


def test_per_page_is_capped_and_validated(sandbox: RunningSandbox) -> None:
    token = sandbox.credentials.admin
    big = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?per_page=500", token=token)
    assert big.headers["X-Per-Page"] == "100"
    zero = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?per_page=0", token=token)
    assert (zero.status, zero.json()) == (400, {"error": "per_page has a value not allowed"})
    negative = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?page=-1", token=token)
    assert (negative.status, negative.json()) == (
        400,
        {"error": "page does not have a valid value"},
    )
    text = call(sandbox.url, "GET", "/api/v4/personal_access_tokens?page=two", token=token)
    assert (text.status, text.json()) == (400, {"error": "page is invalid"})


def test_no_totals_above_ten_thousand_rows(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(scale=2000)
    with sandbox.store.lock:
        rows = len(sandbox.store.pats)
    assert rows > 10_000
    reply = call(
        sandbox.url,
        "GET",
        "/api/v4/personal_access_tokens?per_page=100",
        token=sandbox.credentials.admin,
    )
    assert "X-Total" not in reply.headers
    assert "X-Total-Pages" not in reply.headers
    assert 'rel="last"' not in reply.headers["Link"]
    assert reply.headers["X-Next-Page"] == "2"
    # python-gitlab still walks every page by following rel="next"
    listed = client(sandbox, "admin", per_page=100).personal_access_tokens.list(iterator=True)
    assert listed.total is None
    assert sum(1 for _ in listed) == rows


def test_rate_limit_answers_like_rack_attack(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(rate_limit=3, rate_period=60)
    token = sandbox.credentials.developer
    replies = [call(sandbox.url, "GET", "/api/v4/user", token=token) for _ in range(4)]
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert replies[0].headers["RateLimit-Limit"] == "3"
    assert replies[0].headers["RateLimit-Remaining"] == "2"
    assert replies[0].headers["RateLimit-Name"] == "throttle_authenticated_api"
    throttled = replies[3]
    assert throttled.text == "Retry later\n"
    assert throttled.headers["Content-Type"].startswith("text/plain")
    assert throttled.headers["Retry-After"].isdigit()
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled.headers["RateLimit-ResetTime"].endswith("GMT")
    assert int(throttled.headers["RateLimit-Reset"]) > time.time()
    # the limit is per client: another token is not throttled
    assert call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.admin).status == 200


def test_python_gitlab_obeys_retry_after(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(rate_limit=2, rate_period=1)
    gl = client(sandbox, "maintainer", per_page=4)
    started = time.monotonic()
    # at least 5 pages against 2 requests per 1-second window: however the burst straddles
    # a window boundary, one window gets a third request, a 429, and a Retry-After >= 1 s
    listed = gl.personal_access_tokens.list(get_all=True)
    assert len(listed) > 16
    assert time.monotonic() - started >= 1.0  # it had to wait at least once


def test_fail_rate_answers_5xx(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(fail_rate=1.0)
    statuses = {
        call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.admin).status
        for _ in range(30)
    }
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1


def test_latency_is_applied(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=120)
    started = time.monotonic()
    call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.admin)
    assert time.monotonic() - started >= 0.12


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/api/v4/no/such/thing", 404, {"error": "404 Not Found"}),
        ("PUT", "/api/v4/personal_access_tokens", 404, {"error": "404 Not Found"}),
        ("GET", "/api/v4/personal_access_tokens/abc", 400, {"error": "id is invalid"}),
        ("GET", "/api/v4/projects/99999", 404, {"message": "404 Project Not Found"}),
        ("GET", "/api/v4/users/99999", 404, {"message": "404 User Not Found"}),
    ],
)
def test_bad_requests_get_gitlab_answers(
    sandbox: RunningSandbox, method: str, path: str, status: int, body: object
) -> None:
    reply = call(sandbox.url, method, path, token=sandbox.credentials.admin)
    assert (reply.status, reply.json()) == (status, body)


def test_malformed_json_body(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.maintainer,
        raw_body=b'{"name": "x", "scopes": [',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400
    assert "error" in reply.json()


def test_form_encoded_bodies_work(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.maintainer,
        raw_body=b"name=form&scopes[]=read_api&scopes[]=read_repository&access_level=20",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 201
    assert reply.json()["scopes"] == ["read_api", "read_repository"]
    assert reply.json()["access_level"] == 20


def test_comma_separated_scopes(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/projects/acme%2Fwebsite/access_tokens",
        token=sandbox.credentials.maintainer,
        body={"name": "commas", "scopes": "read_api,read_repository"},
    )
    assert reply.json()["scopes"] == ["read_api", "read_repository"]


def test_oversized_body_is_refused(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/user/personal_access_tokens",
        token=sandbox.credentials.admin,
        raw_body=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(2 << 20)},
    )
    assert reply.status == 413


def test_head_has_headers_but_no_body(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url, "HEAD", "/api/v4/personal_access_tokens", token=sandbox.credentials.admin
    )
    assert reply.status == 200
    assert reply.text == ""
    assert "X-Total" in reply.headers


def test_projects_and_groups_listing(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    maintained = gl.projects.list(min_access_level=40, get_all=True)
    assert {p.path_with_namespace for p in maintained} == {
        "acme/website",
        "acme/backend/api",
        "acme/backend/worker",
        "platform/infra",
        "platform/ci-templates",
    }
    owned_groups = gl.groups.list(min_access_level=50, get_all=True)
    assert {g.full_path for g in owned_groups} == {"acme", "acme/backend"}
    developer = client(sandbox, "developer")
    # the developer persona is a Developer everywhere, never a Maintainer
    assert not developer.projects.list(min_access_level=40, get_all=True)
    assert {
        p.path_with_namespace for p in developer.projects.list(min_access_level=30, get_all=True)
    } >= {"opensource/gltui-demo", "acme/website"}
    website = gl.projects.get("acme/website")
    assert website.permissions["group_access"]["access_level"] == 50


def test_prefilled_token_form_page(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url, "GET", "/-/user_settings/personal_access_tokens?name=%3Cb%3Ex&scopes=read_api"
    )
    assert reply.status == 200
    assert "&lt;b&gt;x" in reply.text  # escaped, never raw HTML from the query
    assert "read_api" in reply.text


def test_bad_content_length_closes_cleanly(sandbox: RunningSandbox) -> None:
    reply = call(
        sandbox.url,
        "POST",
        "/api/v4/user/personal_access_tokens",
        token=sandbox.credentials.admin,
        raw_body=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "abc"},
    )
    assert reply.status == 400


def test_an_internal_error_is_a_gitlab_500_not_a_traceback(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gltui.sandbox import api

    def explode(*_args: object) -> api.Response:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "dispatch", explode)
    reply = call(sandbox.url, "GET", "/api/v4/user", token=sandbox.credentials.admin)
    assert (reply.status, reply.json()) == (500, {"message": "500 Internal Server Error"})
    assert "Traceback" not in capsys.readouterr().err
