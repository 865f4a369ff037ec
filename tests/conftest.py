"""Shared fixtures: sandboxes on real sockets with a fixed clock, and clients for them."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import gitlab
import pytest

from gltui.sandbox.server import RunningSandbox, SandboxOptions

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TODAY: date = NOW.date()


def fixed_clock() -> datetime:
    """The sandbox's clock in tests: seeded dates are relative to it."""
    return NOW


@dataclass
class Reply:
    """A raw HTTP answer."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def call(
    url: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: object = None,
    headers: dict[str, str] | None = None,
    raw_body: bytes | None = None,
) -> Reply:
    """One raw HTTP request (``path`` relative to the host, e.g. ``/api/v4/user``)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    sent = dict(headers or {})
    if token is not None:
        sent["PRIVATE-TOKEN"] = token
    payload = raw_body
    if body is not None:
        payload = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        return Reply(response.status, dict(response.getheaders()), text)
    finally:
        connection.close()


SandboxFactory = Callable[..., RunningSandbox]

LOCAL_ZONES = {
    "UTC": timedelta(0),
    "Pacific/Kiritimati": timedelta(hours=14),  # the farthest east: its date is UTC's + 1
    "America/Adak": timedelta(hours=-10),  # far west, and NOW (November) is outside its DST
}
"""Zones the process runs in for ``local_timezone``, with their offset at ``NOW``."""


@pytest.fixture(params=list(LOCAL_ZONES))
def local_timezone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the process's local time zone set to a far-off zone (``TZ`` and
    ``time.tzset``), then restore it: GitLab's rules are in UTC, so a rule that reads
    local time by mistake passes on a UTC machine and fails here.

    Per test, so it holds under xdist (each worker is its own process)."""
    zone: str = request.param
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        offset = NOW.astimezone().utcoffset()
        assert offset == LOCAL_ZONES[zone], f"TZ={zone} did not take effect (no tzdata?)"
        yield zone
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture(autouse=True)
def private_files(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test (nor a gltui it starts) reads or writes the real user's files."""
    root = tmp_path_factory.mktemp("gltui-home")
    monkeypatch.setenv("GLTUI_CONFIG", str(root / "config.toml"))
    monkeypatch.setenv("GLTUI_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("GLTUI_DATA_DIR", str(root / "data"))
    for name in ("GITLAB_URL", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_sandbox() -> Iterator[SandboxFactory]:
    """Start sandboxes with options; all are stopped after the test."""
    started: list[RunningSandbox] = []

    def start(**options: Any) -> RunningSandbox:
        sandbox = RunningSandbox(SandboxOptions(**options), clock=fixed_clock).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> RunningSandbox:
    """A current-version sandbox at small scale."""
    return make_sandbox()


def client(sandbox: RunningSandbox, persona: str, **options: Any) -> gitlab.Gitlab:
    """python-gitlab signed in as one of the sandbox's personas."""
    token = getattr(sandbox.credentials, persona)
    return gitlab.Gitlab(sandbox.url, private_token=token, **options)
