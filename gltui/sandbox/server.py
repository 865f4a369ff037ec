"""The sandbox's HTTP server: real sockets on 127.0.0.1, GitLab's wire format.

A threaded standard-library server speaking HTTP/1.1 with keep-alive (clients
reuse connections, as python-gitlab's ``requests`` session does). The access log
never includes query strings, so a ``private_token=`` parameter cannot leak.
"""

from __future__ import annotations

import html
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from gltui.sandbox import api, routes
from gltui.sandbox.errors import ApiError
from gltui.sandbox.faults import RETRY_LATER, FailureInjector, Fault, FaultPlan, Throttle
from gltui.sandbox.profiles import CURRENT_VERSION, VersionProfile
from gltui.sandbox.request import Request, credential_of, header_of, parse_body
from gltui.sandbox.seed import Credentials, seed
from gltui.sandbox.store import Clock, DeployToken, Store, utc_now

MAX_BODY_BYTES = 1 << 20
API_PREFIX = ("api", "v4")
SHUTDOWN_POLL_SECONDS = 0.05
"""How often the serving loop checks for shutdown (the default 0.5 s slows every test)."""


@dataclass(frozen=True)
class SandboxOptions:
    """Everything ``gltui sandbox`` can be told."""

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    scale: int = 0
    latency_ms: float = 0.0
    rate_limit: int = 0
    """Requests per client per ``rate_period`` seconds; 0 disables throttling."""
    rate_period: int = 1
    fail_rate: float = 0.0
    version: str = CURRENT_VERSION
    verbose: bool = False
    token_limit: int = 0
    """Active access tokens a project or group may hold (GitLab.com's plan limits);
    0: no limit."""


@dataclass
class Answer:
    """A complete HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes
    reset: bool = False
    """Send the headers and half the body, then drop the connection (a fault)."""


class SandboxApp:
    """Turns raw HTTP requests into GitLab answers (no sockets here: easy to test)."""

    def __init__(self, options: SandboxOptions, clock: Clock = utc_now) -> None:
        routes.register_all()
        self.options = options
        self.profile = VersionProfile.parse(options.version)
        self.store = Store(clock=clock, token_limit=options.token_limit)
        self.credentials: Credentials = seed(
            self.store,
            seed_value=options.seed,
            scale=options.scale,
            fine_grained=self.profile.has_granular_tokens,
            profile=self.profile,
        )
        self.throttle = (
            Throttle(options.rate_limit, options.rate_period) if options.rate_limit else None
        )
        self.failures = FailureInjector(options.fail_rate, options.seed)
        self.faults = FaultPlan()
        """Trouble tests switch on and off while the sandbox serves."""

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        base_url: str,
        client_ip: str = "127.0.0.1",
    ) -> Answer:
        """Answer one request; never raises."""
        if self.options.latency_ms:
            time.sleep(self.options.latency_ms / 1000)
        url = urlsplit(target)
        raw_segments = [s for s in url.path.split("/") if s]
        if tuple(raw_segments[:2]) != API_PREFIX:
            return self._web_page(url.path, url.query)
        extra: dict[str, str] = {}
        if self.throttle is not None:
            verdict = self.throttle.hit(self._client_key(headers, url.query, client_ip))
            extra = verdict.headers()
            if not verdict.allowed:
                return Answer(429, extra | {"Content-Type": "text/plain"}, RETRY_LATER.encode())
        failure = self.failures.pick()
        if failure is not None:
            status, content_type, text = failure
            return Answer(status, extra | {"Content-Type": content_type}, text.encode())
        fault = self.faults.pick(method.upper(), url.path)
        if fault is not None:
            early = self._fault_before(fault, headers, url.query)
            if early is not None:
                return early
        answer = self._dispatch(method, raw_segments, url.query, headers, body, base_url, client_ip)
        answer.headers.update(extra)
        return answer if fault is None else _fault_after(fault, answer)

    def _fault_before(self, fault: Fault, headers: Mapping[str, str], query: str) -> Answer | None:
        """Faults that replace the answer (or change the world) before dispatching."""
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "status":
            status = fault.status
            body = RETRY_LATER.encode() if status == 429 else _STATUS_BODIES.get(status, b"")
            if fault.text is not None and status != 429:
                body = json.dumps({"message": fault.text}, ensure_ascii=False).encode()
            kind = "text/plain" if status == 429 else "application/json"
            extra = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return Answer(status, {"Content-Type": kind, **extra}, body)
        if fault.kind in ("revoke_caller", "expire_caller"):
            credential = credential_of(headers, parse_qsl(query))
            with self.store.lock:
                token = self.store.find_by_secret(credential or "")
                if token is not None and not isinstance(token, DeployToken):
                    if fault.kind == "revoke_caller":
                        token.revoked = True
                    else:
                        token.expires_at = self.store.today()
                    self.store.changed()
        return None

    def _dispatch(
        self,
        method: str,
        raw_segments: list[str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        base_url: str,
        client_ip: str,
    ) -> Answer:
        try:
            request = Request(
                method=method.upper(),
                segments=[unquote(s) for s in raw_segments[2:]],
                query=parse_qsl(query, keep_blank_values=True),
                body=parse_body(header_of(headers, "Content-Type"), body),
                headers=headers,
                base_url=base_url,
                client_ip=client_ip,
            )
            response = api.dispatch(self.store, self.profile, request)
        except ApiError as error:
            response = api.Response(error.status, error.body, error.headers)
        except Exception as error:  # a sandbox bug must still answer like GitLab
            print(f"sandbox: internal error: {type(error).__name__}", file=sys.stderr)
            response = api.Response(500, {"message": "500 Internal Server Error"})
        payload, content_type = response.encode()
        if method.upper() == "HEAD":
            payload = b""
        headers_out = {"Content-Type": content_type, **response.headers}
        return Answer(response.status, headers_out, payload)

    @staticmethod
    def _client_key(headers: Mapping[str, str], query: str, client_ip: str) -> str:
        """Throttle per credential (GitLab throttles per user), else per IP."""
        credential = credential_of(headers, parse_qsl(query))
        return f"token:{hash(credential)}" if credential else f"ip:{client_ip}"

    def _web_page(self, path: str, query: str) -> Answer:
        """GitLab's prefilled token form, so the demo's browser hand-off has a target."""
        if path.rstrip("/") in (
            "/-/user_settings/personal_access_tokens",
            "/-/profile/personal_access_tokens",
        ):
            fields = dict(parse_qsl(query))
            text = (
                "<!doctype html><title>New personal access token</title>"
                "<h1>Sandbox: new personal access token</h1>"
                f"<p>Name: {html.escape(fields.get('name', ''))}</p>"
                f"<p>Scopes: {html.escape(fields.get('scopes', ''))}</p>"
            )
            return Answer(200, {"Content-Type": "text/html; charset=utf-8"}, text.encode())
        return Answer(404, {"Content-Type": "text/plain"}, b"Not Found\n")

    def contract_line(self, url: str) -> str:
        """The one JSON line ``gltui sandbox`` prints first."""
        return json.dumps(
            {"url": url, "version": self.profile.version, "tokens": self.credentials.as_dict()}
        )


_STATUS_BODIES = {
    500: b'{"message":"500 Internal Server Error"}',
    502: b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
    503: b"<html><body><h1>503 Service Unavailable</h1></body></html>\n",
    403: b'{"message":"403 Forbidden"}',
    404: b'{"message":"404 Project Not Found"}',
}
_PAGING_HEADERS = (
    "Link",
    "X-Next-Page",
    "X-Page",
    "X-Per-Page",
    "X-Prev-Page",
    "X-Total",
    "X-Total-Pages",
)


def _fault_after(fault: Fault, answer: Answer) -> Answer:
    """Faults that spoil a real answer."""
    if fault.kind == "garbage":
        return Answer(200, {**answer.headers, "Content-Type": "application/json"}, b"<html>oops")
    if fault.kind == "truncated":
        return Answer(200, answer.headers, answer.body[: max(1, len(answer.body) // 2)])
    if fault.kind == "no_paging":
        kept = {k: v for k, v in answer.headers.items() if k not in _PAGING_HEADERS}
        return Answer(answer.status, kept, answer.body)
    if fault.kind == "reset":
        return Answer(answer.status, answer.headers, answer.body, reset=True)
    if fault.kind == "rewrite":
        try:
            document = json.loads(answer.body)
        except ValueError:
            return answer
        if isinstance(document, dict) and isinstance(document.get(fault.field), str):
            document[fault.field] = fault.text
            body = json.dumps(document, ensure_ascii=False).encode()
            return Answer(answer.status, answer.headers, body)
    return answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """Headers and body go out in separate writes; with Nagle on, keep-alive clients
    stall ~40 ms per request waiting for a delayed ACK."""
    server: _Server

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length") or "0"
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._send(Answer(413 if length > 0 else 400, {"Content-Type": "text/plain"}, b""))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"{self.server.bound_host}:{self.server.server_port}"
        answer = self.server.app.handle(
            self.command,
            self.path,
            dict(self.headers.items()),
            body,
            base_url=f"http://{host}",
            client_ip=self.client_address[0],
        )
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.reset:  # half the body, then a hard close (RST): a dropped connection
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if self.command != "HEAD" and answer.body:
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base-class name)
        if self.server.app.options.verbose:
            path = self.path.split("?", 1)[0]  # never log query strings: tokens live there
            status = args[1] if len(args) > 1 else "-"
            print(f"sandbox: {self.command} {path} {status}", file=sys.stderr)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.bound_host = address[0]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a timeout, a reset) is routine, not a
        traceback on stderr; anything else is one line, like GitLab's own log."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"sandbox: error serving a request: {type(error).__name__}", file=sys.stderr)


class RunningSandbox:
    """A sandbox serving on a background thread; use as a context manager."""

    def __init__(self, options: SandboxOptions, clock: Clock = utc_now) -> None:
        self.app = SandboxApp(options, clock)
        self._server = _Server((options.host, options.port), self.app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="gltui-sandbox",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Where the sandbox listens, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self._server.bound_host}:{self._server.server_port}"

    @property
    def credentials(self) -> Credentials:
        """The personas' tokens."""
        return self.app.credentials

    @property
    def store(self) -> Store:
        """The live data (tests inspect it; hold ``store.lock`` while doing so)."""
        return self.app.store

    def start(self) -> RunningSandbox:
        """Start serving; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted."""
        try:
            self._server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)
        finally:
            self._server.server_close()

    def __enter__(self) -> RunningSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
