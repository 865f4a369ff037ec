"""A small hostile GitLab-like server for the trust tests: real sockets on 127.0.0.1.

Each test gives it a ``respond(request) -> Answer`` function; the server records
every request it saw (method, path, headers) so a test can assert what never
reached it (a token after a redirect, a request to the wrong host).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from socketserver import BaseRequestHandler, ThreadingTCPServer

import pytest


@dataclass
class Seen:
    """One request as the hostile server received it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Answer:
    """What to send back. ``raw`` replaces the whole answer (status line included);
    ``trickle`` sends it one byte every that many seconds; ``stream`` is a generator
    of body chunks sent with chunked transfer encoding."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    trickle: float = 0.0
    stream: Callable[[], Iterator[bytes]] | None = None


Responder = Callable[[Seen], Answer]

REASONS = {200: "OK", 301: "Moved", 302: "Found", 307: "Temporary Redirect", 308: "Permanent"}


def json_answer(text: str, status: int = 200, /, **headers: str) -> Answer:
    """A JSON answer with GitLab's content type."""
    return Answer(status, text.encode(), {"Content-Type": "application/json", **headers})


class HostileServer:
    """Serves ``respond``'s answers until stopped; ``seen`` lists every request."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseRequestHandler):
            def handle(self) -> None:
                server._handle(self.request)

        ThreadingTCPServer.allow_reuse_address = True
        self._server = ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, connection: socket.socket) -> None:
        connection.settimeout(30)
        reader = connection.makefile("rb")
        while not self.stopping.is_set():
            line = reader.readline(65536)
            if not line:
                return
            method, _, rest = line.decode("latin-1").partition(" ")
            path = rest.rsplit(" ", 1)[0]
            headers: dict[str, str] = {}
            while True:
                header = reader.readline(65536).decode("latin-1").strip()
                if not header:
                    break
                name, _, value = header.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length:
                reader.read(length)
            seen = Seen(method, path, headers)
            self.seen.append(seen)
            try:
                self._send(connection, self.respond(seen))
            except OSError:
                return

    def _send(self, connection: socket.socket, answer: Answer) -> None:
        if answer.raw is not None:
            payload = answer.raw
        elif answer.stream is not None:
            head = f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'X')}\r\n"
            head += "Transfer-Encoding: chunked\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
            connection.sendall((head + "\r\n").encode())
            for chunk in answer.stream():
                if self.stopping.is_set():
                    return
                connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.sendall(b"0\r\n\r\n")
            return
        else:
            head = f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'X')}\r\n"
            headers = {"Content-Length": str(len(answer.body)), **answer.headers}
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            payload = (head + "\r\n").encode() + answer.body  # odd header bytes go raw
        if answer.trickle:
            for byte in payload:
                if self.stopping.is_set():
                    return
                connection.sendall(bytes([byte]))
                time.sleep(answer.trickle)
        else:
            connection.sendall(payload)

    def tokens_received(self) -> list[str]:
        """Every credential header value this server was sent."""
        found = []
        for seen in self.seen:
            for name in ("private-token", "authorization", "job-token"):
                if name in seen.headers:
                    found.append(seen.headers[name])
        return found

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def hostile() -> Iterator[Callable[[Responder], HostileServer]]:
    """Start hostile servers; all are stopped after the test."""
    started: list[HostileServer] = []

    def start(respond: Responder) -> HostileServer:
        server = HostileServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
