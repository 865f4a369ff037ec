"""The exporter's HTTP side: ``/metrics``, ``/calendar.ics``, ``/healthz``, nothing else.

Every answer is bytes the refresh thread already made (:class:`~gltui.report.exporter.
Published`): a scrape costs a dictionary lookup and a write, never a call to GitLab.
The standard library's threading server is enough for a handful of scrapers and
calendar clients, and adds no dependency. Only GET and HEAD are answered; requests are
not logged (the log is one line per refresh).
"""

from __future__ import annotations

import hashlib
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.exposition import choose_encoder

from gltui.report.exporter import OPENMETRICS, TEXT, Exporter

DEFAULT_PORT = 9841
"""gltui's own: not among the ports the usual exporters take (9100 node, 9115 blackbox...)."""
DEFAULT_HOST = "127.0.0.1"
INDEX = (
    b"gltui exporter\n\n"
    b"/metrics       Prometheus metrics (OpenMetrics or text 0.0.4)\n"
    b"/calendar.ics  token expiry calendar (RFC 5545), to subscribe to\n"
    b"/healthz       200 while the refresh loop runs\n"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for Prometheus' connection reuse
    server: ExporterServer
    server_version = "gltui-exporter"
    sys_version = ""
    timeout = 30
    """Seconds a client may stay silent: a scraper that opens connections and sends
    nothing must not hold a thread each for ever."""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _not_allowed(self) -> None:
        self._send(405, "text/plain; charset=utf-8", b"only GET and HEAD\n", allow="GET, HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _answer(self, *, head: bool) -> None:
        exporter = self.server.exporter
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            _, chosen = choose_encoder(self.headers.get("Accept", ""))  # Prometheus' rules
            openmetrics = chosen.startswith("application/openmetrics-text")
            gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
            body = exporter.published.metrics(openmetrics=openmetrics, compressed=gzipped)
            kind = OPENMETRICS if openmetrics else TEXT
            self._send(200, kind, body, head=head, encoding="gzip" if gzipped else None)
        elif path == "/calendar.ics":
            body = exporter.published.calendar
            tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if self.headers.get("If-None-Match") == tag:
                self._send(304, None, b"", head=True, etag=tag)
                return
            self._send(200, "text/calendar; charset=utf-8", body, head=head, etag=tag)
        elif path == "/healthz":
            healthy, reason = exporter.health()
            self._send(
                200 if healthy else 503,
                "text/plain; charset=utf-8",
                reason.encode() + b"\n",
                head=head,
            )
        elif path == "/":
            self._send(200, "text/plain; charset=utf-8", INDEX, head=head)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", head=head)

    def _send(
        self,
        status: int,
        content_type: str | None,
        body: bytes,
        *,
        head: bool = False,
        encoding: str | None = None,
        etag: str | None = None,
        allow: str | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (("Content-Encoding", encoding), ("ETag", etag), ("Allow", allow)):
            if value is not None:
                self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base-class name)
        """Silent: one line per refresh is the exporter's whole log."""


class ExporterServer(ThreadingHTTPServer):
    """Serves one exporter's published answers on ``address``."""

    daemon_threads = True  # a slow client never keeps the process from stopping
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], exporter: Exporter) -> None:
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.exporter = exporter

    @property
    def url(self) -> str:
        """Where it listens, e.g. ``http://127.0.0.1:9841``."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is routine, not a traceback on stderr;
        anything else is one line."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            print(
                f"gltui exporter: error answering a request: {type(error).__name__}",
                file=sys.stderr,
            )


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``:PORT`` (every IPv4 address) -> (host, port)."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        raise ValueError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:{DEFAULT_PORT}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"{text!r}: write an IPv6 address in brackets, e.g. [::1]:{DEFAULT_PORT}")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r}: the port must be a number from 0 to 65535")
    return (host or "0.0.0.0", int(port_text))  # noqa: S104 (":PORT" asks for every address)
