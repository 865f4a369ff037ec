"""The transport policy against hostile servers: redirects, echoes, bounds, deadlines.

Every test here failed on the code before the policy: redirects were followed with
the token, echoed tokens were shown, and unbounded answers were read whole.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gltui.adapters.gitlab_api import GitLabApi
from gltui.adapters.log import RequestLog
from gltui.adapters.port import Listed, Listing
from gltui.adapters.transport import GuardedSession, TransportLimits, TransportRefusal
from gltui.adapters.wire import ApiFailure, Reply, digits
from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.crawl import Crawl, CrawlLimits, InstanceUnavailable
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from tests.conftest import NOW
from tests.hostile import Answer, HostileServer, Responder, Seen, hostile, json_answer

__all__ = ["hostile"]

TOKEN = "glpat-Sup3rSecretAdminValue01"
USER = '{"id": 1, "username": "root", "is_admin": false}'
PAT_ROW = (
    '{"id": %d, "name": "%s", "scopes": ["api"], "revoked": false, '
    '"expires_at": "2027-01-01", "user_id": 1}'
)

Start = Callable[[Responder], HostileServer]


def gitlab_like(special: Callable[[Seen], Answer | None]) -> Responder:
    """A minimal user-level GitLab: ``special`` answers first, the rest is empty."""

    def respond(seen: Seen) -> Answer:
        answer = special(seen)
        if answer is not None:
            return answer
        path = seen.path.split("?")[0]
        if path == "/api/v4/user":
            return json_answer(USER)
        if path == "/api/v4/metadata":
            return json_answer('{"version": "18.5.0"}')
        if path == "/api/v4/personal_access_tokens/self":
            return json_answer(PAT_ROW % (99, "gltui"))
        return json_answer("[]")

    return respond


def spec_for(server: HostileServer, **options: object) -> InstanceSpec:
    return InstanceSpec("hostile", server.url, Secret(TOKEN), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_never_followed(hostile: Start, status: int) -> None:
    elsewhere = hostile(lambda seen: json_answer(USER))

    def redirect(seen: Seen) -> Answer | None:
        return Answer(status, headers={"Location": f"{elsewhere.url}/api/v4/user?private=1"})

    server = hostile(gitlab_like(redirect))
    result = walk_instance(spec_for(server), NOW)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.REDIRECT
    assert elsewhere.url in result.failure.message
    assert "private=1" not in result.failure.message
    assert "set url" in result.failure.message
    assert elsewhere.seen == []  # not one request, so not one token


def test_a_redirect_to_the_same_host_is_not_followed_either(hostile: Start) -> None:
    """Following without the token would fail anyway; following with it is the risk."""

    def redirect(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/user"):
            return Answer(302, headers={"Location": "/users/sign_in"})
        return None

    server = hostile(gitlab_like(redirect))
    result = walk_instance(spec_for(server), NOW)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.REDIRECT
    assert [seen.path for seen in server.seen] == ["/api/v4/user"]


def test_the_session_sends_nothing_off_the_instance() -> None:
    session = GuardedSession("https://gitlab.example", TransportLimits())
    for url in (
        "http://gitlab.example/api/v4/user",  # https never becomes http
        "https://gitlab.example:8443/api/v4/user",
        "https://evil.example/api/v4/user",
    ):
        with pytest.raises(TransportRefusal):
            session.request("GET", url)


def test_a_revoke_answered_with_a_307_does_not_say_revoked(hostile: Start) -> None:
    from gltui.actions.service import TokenActions
    from gltui.inventory.model import Identity

    elsewhere = hostile(lambda seen: Answer(204))

    def redirect(seen: Seen) -> Answer | None:
        if seen.method == "DELETE":
            return Answer(307, headers={"Location": f"{elsewhere.url}{seen.path}"})
        return None

    server = hostile(gitlab_like(redirect))
    token = Token(
        instance="hostile",
        kind=TokenKind.PERSONAL,
        id=5,
        name="ci",
        scopes=("api",),
        revoked=False,
        expires_at=None,
    )
    actions = TokenActions(spec_for(server), Identity(1, "root", False))
    try:
        outcome = actions.revoke(token)
    finally:
        actions.close()
    assert not outcome.ok
    assert elsewhere.seen == []


def test_an_echoed_token_is_scrubbed_from_failures(hostile: Start) -> None:
    def echo(seen: Seen) -> Answer | None:
        said = seen.headers.get("private-token", "")
        return json_answer(
            json.dumps({"message": f"403 Forbidden for {said} and glpat-abcdefghijklmnopqrst"}), 403
        )

    server = hostile(gitlab_like(echo))
    result = walk_instance(spec_for(server), NOW)
    assert result.failure is not None
    text = f"{result.failure.message} {result.failure.advice}"
    assert TOKEN not in text
    assert "glpat-abcdefghijklmnopqrst" not in text
    assert "[redacted]" in text


def test_token_shaped_values_in_rows_are_scrubbed(hostile: Start) -> None:
    def rows(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/personal_access_tokens?"):
            name = f"leak {TOKEN} and mycompany-glpat-0123456789abcdefghij"
            return json_answer(f"[{PAT_ROW % (7, name)}]", **{"X-Total-Pages": "1"})
        return None

    server = hostile(gitlab_like(rows))
    result = walk_instance(spec_for(server, kinds=frozenset({TokenKind.PERSONAL})), NOW)
    assert result.failure is None, result.failure
    names = [token.name for token in result.tokens]
    assert names == ["leak [redacted] and [redacted]"]


def test_a_trickled_answer_ends_at_the_request_deadline(hostile: Start) -> None:
    def trickle(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/user"):
            return Answer(200, USER.encode(), {"Content-Type": "application/json"}, trickle=0.2)
        return None

    server = hostile(gitlab_like(trickle))
    started = time.monotonic()
    result = walk_instance(spec_for(server, timeout=1.0), NOW)
    elapsed = time.monotonic() - started
    assert result.failure is not None
    assert result.failure.kind is FailureKind.TIMEOUT
    assert elapsed < 6, elapsed  # one deadline (timeouts are not retried), not one per byte


def endless() -> Iterator[bytes]:
    while True:
        yield b"[" * 65536


@pytest.mark.parametrize(
    "answer",
    [
        Answer(stream=endless, headers={"Content-Type": "application/json"}),
        Answer(
            body=gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]"),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        ),
        json_answer("[" + ",".join(["{}"] * 1_000_000) + "]"),
    ],
    ids=["endless chunked body", "gzip bomb", "a million rows"],
)
def test_unbounded_answers_fail_the_instance_with_a_limit(hostile: Start, answer: Answer) -> None:
    def unbounded(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/personal_access_tokens?"):
            return answer
        return None

    server = hostile(gitlab_like(unbounded))
    spec = spec_for(server, kinds=frozenset({TokenKind.PERSONAL}), timeout=20.0)
    result = walk_instance(spec, NOW)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.LIMIT, result.failure


def pages(total: str | None, next_page: str | None) -> Responder:
    def respond(seen: Seen) -> Answer:
        headers = {}
        if total is not None:
            headers["X-Total-Pages"] = total
        if next_page is not None:
            headers["X-Next-Page"] = next_page
        rows = ",".join(PAT_ROW % (i, f"t{i}") for i in range(100))
        return json_answer(f"[{rows}]", **headers)

    return respond


@pytest.mark.parametrize(
    ("total", "next_page"), [("1000000000", None), (None, "2")], ids=["huge total", "endless"]
)
def test_page_counts_are_bounded(hostile: Start, total: str | None, next_page: str | None) -> None:
    server = hostile(pages(total, next_page))
    api = GitLabApi(server.url, Secret(TOKEN), timeout=5)
    crawl = Crawl(api, 4, limits=CrawlLimits(max_pages=30))
    errors: list[object] = []
    listing = Listing(Listed.PERSONAL_TOKENS, "listing")
    crawl.list_all(listing, on_rows=lambda rows: None, on_error=errors.append)
    try:
        with pytest.raises(InstanceUnavailable) as stopped:
            crawl.run()
    finally:
        crawl.close()
        api.close()
    assert stopped.value.failure.kind is FailureKind.LIMIT
    assert "30" in stopped.value.failure.message
    assert len(server.seen) <= 30 + 2 * 4


def test_a_long_retry_after_is_capped_and_logged(hostile: Start) -> None:
    calls: list[str] = []

    def limited(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/user"):
            calls.append(seen.path)
            if len(calls) == 1:
                return json_answer('{"message": "slow down"}', 429, **{"Retry-After": "100000"})
        return None

    server = hostile(gitlab_like(limited))
    log = RequestLog()
    started = time.monotonic()
    result = walk_instance(spec_for(server, max_wait=1.0, request_log=log), NOW)
    assert time.monotonic() - started < 10
    assert result.failure is None, result.failure
    first = log.records()[0]
    assert first.path == "/api/v4/user"
    assert first.retries == 1
    assert "waited 1 s (rate limit)" in first.note


def test_odd_digits_in_headers_are_no_headers() -> None:
    assert digits("²") is None
    assert digits("١٢") is None
    assert digits("12") == 12
    assert digits("9" * 40) is None
    assert Reply([], {"X-Total-Pages": "³"}).header_int("X-Total-Pages") is None


def test_odd_rate_limit_headers_do_not_fail_the_instance(hostile: Start) -> None:
    def odd(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/user"):
            return json_answer(
                USER, **{"RateLimit-Remaining": "²", "RateLimit-Reset": "٣", "X-Total-Pages": "²"}
            )
        return None

    server = hostile(gitlab_like(odd))
    assert walk_instance(spec_for(server), NOW).failure is None


def test_the_log_has_every_request_without_queries(hostile: Start) -> None:
    server = hostile(gitlab_like(lambda seen: None))
    log = RequestLog()
    walk_instance(spec_for(server, request_log=log), NOW)
    records = log.records()
    assert len(records) == len(server.seen)
    assert all("?" not in record.path for record in records)
    assert {record.status for record in records} == {200}


def test_a_hung_instance_does_not_hold_a_healthy_one(hostile: Start) -> None:
    from gltui.inventory.engine import InventoryEngine

    healthy = hostile(gitlab_like(lambda seen: None))
    stuck = hostile(
        gitlab_like(
            lambda seen: (
                Answer(200, USER.encode(), trickle=0.5)
                if seen.path.startswith("/api/v4/personal")
                else None
            )
        )
    )
    engine = InventoryEngine(
        [spec_for(healthy), InstanceSpec("stuck", stuck.url, Secret(TOKEN), walk_timeout=2.0)]
    )
    started = time.monotonic()
    inventory = engine.refresh(NOW)
    assert time.monotonic() - started < 8
    by_name = {instance.name: instance for instance in inventory.instances}
    assert by_name["hostile"].failure is None
    walked = by_name["stuck"]
    failures = [walked.failure] if walked.failure else [p.failure for p in walked.problems]
    assert failures
    assert all(failure.kind is FailureKind.TIMEOUT for failure in failures)


def test_api_failure_is_raised_for_a_refused_redirect_on_send(hostile: Start) -> None:
    server = hostile(lambda seen: Answer(308, headers={"Location": "https://evil.example/x"}))
    api = GitLabApi(server.url, Secret(TOKEN))
    try:
        with pytest.raises(ApiFailure) as failed:
            api.send("POST", "/user/personal_access_tokens", {"name": "x"}, action="creating")
    finally:
        api.close()
    assert failed.value.failure.kind is FailureKind.REDIRECT
    assert "https://evil.example/x" in failed.value.failure.message


def test_the_cli_log_file_holds_every_request_and_no_secret(hostile: Start, tmp_path: Path) -> None:
    """``gltui --log FILE report``: one JSON line per request, mode 600, no query string,
    no token, and the refused redirect named."""
    elsewhere = hostile(lambda seen: json_answer("[]"))

    def redirect(seen: Seen) -> Answer | None:
        if seen.path.startswith("/api/v4/personal_access_tokens?"):
            return Answer(302, headers={"Location": f"{elsewhere.url}/steal?t={TOKEN}"})
        return None

    server = hostile(gitlab_like(redirect))
    log = tmp_path / "api.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
    env.update(
        GLTUI_CACHE_DIR=str(tmp_path / "cache"),
        GLTUI_DATA_DIR=str(tmp_path / "data"),
        GLTUI_CONFIG=str(tmp_path / "config.toml"),
        GITLAB_URL=server.url,
        GITLAB_TOKEN=TOKEN,
    )
    done = subprocess.run(
        [sys.executable, "-m", "gltui", "--log", str(log), "report", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert TOKEN not in done.stdout + done.stderr
    text = log.read_text()
    assert TOKEN not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == len(server.seen)
    assert all("?" not in record["path"] for record in records)
    refused = [r for r in records if r["status"] == 302]
    assert refused
    assert f"redirect to {elsewhere.url}/steal refused" in refused[0]["note"]
    assert elsewhere.seen == []


# --- the environment: read once, for the instance's address --------------------------


def _quiet(seen: Seen) -> Answer:
    return json_answer('{"version": "18.5.0"}')


def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_a_proxy_from_the_environment_still_carries_the_requests(
    hostile: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_variables(monkeypatch)
    proxy = hostile(_quiet)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    session = GuardedSession("http://gitlab.invalid", TransportLimits())
    assert session.get("http://gitlab.invalid/api/v4/version").status_code == 200
    assert [seen.path for seen in proxy.seen] == ["http://gitlab.invalid/api/v4/version"]


def test_no_proxy_naming_the_instance_goes_direct(
    hostile: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_variables(monkeypatch)
    proxy, gitlab = hostile(_quiet), hostile(_quiet)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    session = GuardedSession(gitlab.url, TransportLimits())
    assert session.get(f"{gitlab.url}/api/v4/version").status_code == 200
    assert proxy.seen == []
    assert [seen.path for seen in gitlab.seen] == ["/api/v4/version"]


def test_a_netrc_credential_never_rides_along(
    hostile: Start, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_proxy_variables(monkeypatch)
    gitlab = hostile(_quiet)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login me password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = GuardedSession(gitlab.url, TransportLimits())
    session.get(f"{gitlab.url}/api/v4/version", headers={"PRIVATE-TOKEN": TOKEN})
    (seen,) = gitlab.seen
    assert "authorization" not in {name.lower() for name in seen.headers}


def test_the_environment_s_ca_bundle_is_used_unless_one_is_given(
    hostile: Start, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_proxy_variables(monkeypatch)
    gitlab = hostile(_quiet)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read: the instance is plain http\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    session = GuardedSession(gitlab.url, TransportLimits())
    adapter = session.get_adapter(gitlab.url)
    sent: list[object] = []
    original = adapter.send

    def recording(request: object, **kwargs: object) -> object:
        sent.append(kwargs.get("verify"))
        return original(request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adapter, "send", recording)
    session.get(f"{gitlab.url}/api/v4/version")  # python-gitlab's default: verify=True
    session.get(f"{gitlab.url}/api/v4/version", verify=True)
    session.get(f"{gitlab.url}/api/v4/version", verify="/etc/my-ca.pem")
    session.get(f"{gitlab.url}/api/v4/version", verify=False)
    assert sent == [str(bundle), str(bundle), "/etc/my-ca.pem", False]
