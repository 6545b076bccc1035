"""The server limits ``covet run`` holds every client to, over a real socket.

Each limit answers in the DESIGN.md §6 problem+json shape and closes the connection: 408 for a
head or body that does not arrive in time, 431 for too many or too large headers, 400 for what is
not HTTP, 503 past the concurrency limit.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Server
from tests.fixtures.server.handlers import DISCONNECT_SEEN
from tests.server.conftest import (
    GET_HELLO,
    assert_problem,
    closed_within,
    connect,
    read_answer,
    serve,
    wait_for,
    with_headers,
)

MARGIN = 0.75
"""Seconds a deadline may run late on a loaded machine."""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    yield from serve("--head-timeout", "1", "--body-timeout", "1", "--keep-alive-timeout", "1")


@pytest.fixture(scope="module")
def crowded() -> Iterator[Server]:
    yield from serve("--max-concurrency", "2")


def test_a_whole_request_in_time_is_served(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(GET_HELLO)
        answer = read_answer(sock)
    assert (answer.status, answer.body) == (200, b"hello")


def test_a_head_trickled_past_head_timeout_gets_408_and_is_closed(server: Server) -> None:
    request = b"GET /hello HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 100
    with connect(server) as sock:
        started = time.monotonic()
        sock.settimeout(0.2)
        sent = b""
        for byte in request:  # slowloris: one byte every 0.2 s, never the end of the head
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += bytes([byte])
            try:
                if received := sock.recv(65536):
                    break
            except TimeoutError:
                continue
        else:
            pytest.fail("the server waited for the whole trickled head")
        received += closed_within(sock, 2)
        elapsed = time.monotonic() - started
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert 1 <= elapsed < 1 + MARGIN
    assert b'"status":408' in body


def test_a_body_not_sent_past_body_timeout_gets_408_and_the_app_sees_a_disconnect(
    server: Server,
) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nab")
        started = time.monotonic()
        answer = read_answer(sock)
        elapsed = time.monotonic() - started
        assert closed_within(sock, 1) == b""
    document = assert_problem(answer, 408)
    assert 1 <= elapsed < 1 + MARGIN
    assert "body" in str(document["detail"])
    assert wait_for(lambda: DISCONNECT_SEEN in server.output())
    assert str(document["trace_id"]) in server.output()  # the log line a client can quote


def test_a_connection_that_sends_nothing_is_closed_quietly_after_head_timeout(
    server: Server,
) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert closed_within(sock, 1 + MARGIN) == b""
    assert time.monotonic() - started >= 0.9  # the loop timer may fire a hair early


def test_an_idle_keep_alive_connection_is_closed_after_keep_alive_timeout(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(GET_HELLO)
        assert read_answer(sock).status == 200
        started = time.monotonic()
        assert closed_within(sock, 1 + MARGIN) == b""
    assert time.monotonic() - started >= 0.9


def test_a_keep_alive_connection_serves_requests_slower_than_head_timeout_apart(
    server: Server,
) -> None:
    with connect(server) as sock:
        for _ in range(3):
            sock.sendall(GET_HELLO)
            assert read_answer(sock).status == 200
            time.sleep(0.6)  # under keep_alive_timeout each time, over head_timeout in all


def _with_big_header(size: int) -> bytes:
    return b"GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * size + b"\r\n\r\n"


def test_a_17_kib_header_gets_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(_with_big_header(17 * 1024))
        answer = read_answer(sock)
    document = assert_problem(answer, 431)
    assert "16384 bytes" in str(document["detail"])


def test_a_17_kib_header_arriving_in_pieces_gets_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: ")
        for _ in range(17):
            try:
                sock.sendall(b"a" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.01)
        assert_problem(read_answer(sock), 431)


def test_a_large_head_begun_in_the_read_that_ended_a_request_gets_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(GET_HELLO + b"GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * 10240)
        assert read_answer(sock).status == 200
        time.sleep(0.1)
        sock.sendall(b"a" * 8192 + b"\r\n\r\n")
        assert_problem(read_answer(sock), 431)


def test_a_17_kib_request_line_gets_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /hello?q=" + b"a" * 17 * 1024 + b" HTTP/1.1\r\nHost: test\r\n\r\n")
        assert_problem(read_answer(sock), 431)


def test_a_head_just_under_16_kib_is_served(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(_with_big_header(15 * 1024))
        assert read_answer(sock).status == 200


def test_a_large_body_is_not_counted_against_the_head_before_or_after_it(server: Server) -> None:
    body = b"x" * 200 * 1024
    with connect(server) as sock:
        head = b"POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
        sock.sendall(head + body)
        answer = read_answer(sock)
        assert (answer.status, answer.json()) == (200, {"size": len(body)})
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: test\r\n")
        time.sleep(0.1)  # the next head arrives in two reads
        sock.sendall(b"\r\n")
        assert read_answer(sock).status == 200


def test_100_headers_are_served_and_101_get_431(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(with_headers(100))
        assert read_answer(sock).status == 200
        sock.sendall(with_headers(101))
        document = assert_problem(read_answer(sock), 431)
        assert closed_within(sock, 1) == b""
    assert "at most 100 header fields" in str(document["detail"])


@pytest.mark.parametrize(
    "garbage",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /hello HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ],
)
def test_what_is_not_http_gets_400_problem_json(server: Server, garbage: bytes) -> None:
    with connect(server) as sock:
        sock.sendall(garbage)
        answer = read_answer(sock)
        assert closed_within(sock, 1) == b""
    assert_problem(answer, 400)


def test_past_max_concurrency_a_request_gets_503_problem_json(crowded: Server) -> None:
    hanging = [connect(crowded) for _ in range(2)]
    try:
        for sock in hanging:
            sock.sendall(b"GET /hang HTTP/1.1\r\nHost: test\r\n\r\n")
        time.sleep(0.2)
        with connect(crowded) as sock:
            sock.sendall(GET_HELLO)
            document = assert_problem(read_answer(sock), 503)
    finally:
        for sock in hanging:
            sock.close()
    assert wait_for(lambda: str(document["trace_id"]) in crowded.output())


def _rss_kib(server: Server) -> int:
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_100_unfinished_1_mb_headers_do_not_grow_memory_by_100_mb(server: Server) -> None:
    before = _rss_kib(server)
    socks = [connect(server) for _ in range(100)]
    try:
        for sock in socks:
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: ")
        chunk = b"a" * 64 * 1024
        for _ in range(16):
            for sock in socks:
                try:
                    sock.send(chunk, socket.MSG_DONTWAIT)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
        time.sleep(0.5)  # let the server read what it was sent
        grown = _rss_kib(server) - before
        cut = sum(_closed_by_server(sock) for sock in socks)
    finally:
        for sock in socks:
            sock.close()
    assert grown < 20 * 1024, f"RSS grew {grown} KiB"  # 2MiB max_header_size: ~109 MB
    assert cut == 100


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.5)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True
