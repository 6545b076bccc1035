"""``covet run`` on the fixture app (tests/fixtures/server/), and a raw-socket HTTP client.

The server-limit tests speak bytes over a real socket: a slow or broken client is exactly what
an HTTP library will not be.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from tests.e2e.conftest import Server, start_server

CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "server" / "covet.yaml"
GET_HELLO = b"GET /hello HTTP/1.1\r\nHost: test\r\n\r\n"


def serve(*flags: str) -> Iterator[Server]:
    """The fixture app under ``covet run`` with these flags, for a fixture to yield from."""
    server = start_server(CONFIG, "--shutdown-timeout", "1", *flags)
    yield server
    server.stop()


def with_headers(count: int) -> bytes:
    """A GET /hello head with ``count`` header fields."""
    fields = b"".join(b"X-H%d: v\r\n" % number for number in range(count - 1))
    return b"GET /hello HTTP/1.1\r\nHost: test\r\n" + fields + b"\r\n"


def connect(server: Server) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=10)


class Answer:
    """One HTTP/1.1 response as read off the wire."""

    def __init__(self, head: bytes, body: bytes) -> None:
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in lines if line)
        }
        self.body = body

    def json(self) -> dict[str, object]:
        document = orjson.loads(self.body)
        assert isinstance(document, dict)
        return document


def read_answer(sock: socket.socket) -> Answer:
    """Read one response (Content-Length framed); raises if the connection ends first."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    answer = Answer(head, b"")
    length = int(answer.headers.get("content-length", "0"))
    while len(body) < length:
        body += _recv(sock)
    answer.body = body[:length]
    return answer


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection before answering")
    return chunk


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """Wait for the server to close; returns what it sent first. Fails if still open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    return received


def assert_problem(answer: Answer, status: int) -> dict[str, object]:
    """The DESIGN.md §6 problem+json shape, with Connection: close."""
    assert answer.status == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    document = answer.json()
    assert list(document) == [
        "type", "title", "status", "error", "detail", "details", "trace_id"
    ]
    assert document["status"] == status
    assert document["details"] == []
    trace_id = document["trace_id"]
    assert isinstance(trace_id, str) and len(trace_id) == 16
    return document


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
