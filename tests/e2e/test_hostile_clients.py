"""The hardening findings, each as its own regression test, on the reference app over a real
socket: no input makes the server answer 500, every error is problem+json, and the work an
error costs is bounded. Runs on SQLite, PostgreSQL and MariaDB (``reference_server``)."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from .conftest import Server, bearer


def send(server: Server, method: str, path: str, body: bytes | None = None,
         content_type: str | None = None, headers: dict[str, str] | None = None,
         ) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    if content_type is not None:
        request.add_header("content-type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def problem(server: Server, status: int, method: str, path: str, body: bytes | None = None,
            content_type: str | None = None, headers: dict[str, str] | None = None,
            ) -> dict[str, Any]:
    got, headers, raw = send(server, method, path, body, content_type, headers)
    assert got == status, raw[:500]
    assert headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = json.loads(raw)
    assert document["status"] == status and document["trace_id"]
    return document


def no_tracebacks(server: Server) -> None:
    log = server.output()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/users/3000000000",  # past PostgreSQL's integer column
        "/v1/users/10000000000000000000",  # past SQLite's 64-bit INTEGER
        "/v1/users?offset=10000000000000000000",
        "/v1/users/1/posts?offset=3000000000",
        "/v2/users/3000000000",
        "/v2/users?after=3000000000",
    ],
)
def test_integers_the_column_cannot_hold_are_a_422(reference_server: Server, path: str) -> None:
    document = problem(reference_server, 422, "GET", path)
    assert document["details"][0]["code"] in ("maximum", "minimum")
    no_tracebacks(reference_server)


def test_an_integer_past_64_bits_in_an_error_detail_renders(reference_server: Server) -> None:
    document = problem(reference_server, 422, "GET", "/v1/users?limit=100000000000000000000")
    assert document["details"][0]["value"] == "100000000000000000000"


def test_a_deepobject_key_of_300_brackets_is_a_400(reference_server: Server) -> None:
    document = problem(reference_server, 400, "GET", "/v1/posts?where" + "[a]" * 300 + "=1")
    assert document["details"][0]["code"] == "maxDepth"
    no_tracebacks(reference_server)


def test_a_form_of_90000_unknown_fields_is_a_small_fast_413(reference_server: Server) -> None:
    form = b"&".join(b"f%d=1" % i for i in range(90_000))
    assert len(form) < 1024 * 1024
    started = time.perf_counter()
    got, headers, raw = send(reference_server, "POST", "/v1/users", form,
                             "application/x-www-form-urlencoded")
    took = time.perf_counter() - started
    assert got == 413 and headers["content-type"] == "application/problem+json"
    assert len(raw) < 1000 and took < 1.0


def test_a_json_body_of_thousands_of_unknown_fields_is_a_bounded_422(reference_server: Server) -> None:
    fields = ", ".join(f'"f{i}": 1' for i in range(30_000))
    body = f'{{"email": "x@example.com", "name": "X", {fields}}}'.encode()
    got, _, raw = send(reference_server, "POST", "/v1/users", body, "application/json")
    assert got == 422
    document = json.loads(raw)
    assert len(document["details"]) <= 101 and len(raw) < 40_000
    assert document["details"][-1]["code"] == "moreErrors"


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/v1/users?offset=%FF%FE", None, None),
        ("/v1/users/%FF", None, None),
        ("/v1/users", b"email=a%40b.c&name=%FF%FE", "application/x-www-form-urlencoded"),
    ],
)
def test_invalid_utf8_after_percent_decoding_is_a_400(
    reference_server: Server, path: str, body: bytes | None, content_type: str | None
) -> None:
    document = problem(reference_server, 400, "POST" if body else "GET", path, body, content_type)
    assert document["details"][0]["code"] == "encoding"


def test_a_duplicate_json_key_is_a_400_and_creates_nothing(reference_server: Server) -> None:
    body = b'{"email": "dup@example.com", "name": "A", "name": "B"}'
    document = problem(reference_server, 400, "POST", "/v1/users", body, "application/json")
    assert document["details"][0]["code"] == "duplicateKey"
    status, _, raw = send(reference_server, "GET", "/v1/users?limit=100")
    assert status == 200 and b"dup@example.com" not in raw


def test_a_415_keeps_the_same_requests_path_errors(reference_server: Server) -> None:
    document = problem(reference_server, 415, "POST", "/v1/users/abc/posts", b"<post/>", "text/xml",
                       bearer(2))
    assert {(d["location"], d["code"]) for d in document["details"]} >= {
        ("path", "type"), ("body", "mediaType"),
    }


def test_a_websocket_upgrade_is_refused_with_a_problem_body(reference_server: Server) -> None:
    port = int(reference_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404")
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["detail"] == "No WebSocket endpoint at /ws"


def test_a_nul_character_the_database_cannot_store_is_never_a_500(reference_server: Server) -> None:
    body = b'{"email": "nul@example.com", "name": "A\\u0000B"}'
    got, _, raw = send(reference_server, "POST", "/v1/users", body, "application/json")
    # SQLite and MariaDB store it; PostgreSQL's text cannot, and that is a 422, not a 500.
    assert got in (201, 422), raw[:500]
    no_tracebacks(reference_server)
