"""The answers ``covet run``'s HTTP protocol gives itself, pre-encoded at import.

There is no request scope when the server refuses a request head, so the DESIGN.md §6 body is
built once per status with a placeholder trace id, split there, and each answer only splices in
a fresh id (``os.urandom(8).hex()``, ~0.5 µs). Every one closes the connection.
"""

from __future__ import annotations

import os

from covet.response import problem_body

__all__ = [
    "BAD_REQUEST",
    "SERVICE_UNAVAILABLE",
    "Problem",
    "body_timeout",
    "head_timeout",
    "headers_too_large",
    "new_trace_id",
]

_MARK = "covet-trace-id-mark"
_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


def new_trace_id() -> str:
    return os.urandom(8).hex()


class Problem:
    """One fixed problem+json answer; only its trace id changes."""

    __slots__ = ("_head", "_tail", "headers", "status")

    def __init__(self, status: int, title: str, detail: str) -> None:
        self.status = status
        body = problem_body(status, title, detail, [], _MARK)
        self._head, self._tail = body.split(_MARK.encode())
        length = len(body) - len(_MARK) + len(new_trace_id())
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(length).encode()),
            (b"connection", b"close"),
        ]

    def body(self, trace_id: str) -> bytes:
        """The body with ``trace_id`` (16 hex digits, as :func:`new_trace_id` makes)."""
        return self._head + trace_id.encode("ascii") + self._tail

    def message(self, trace_id: str, default_headers: list[tuple[bytes, bytes]]) -> bytes:
        """The whole HTTP/1.1 response, for writing straight to a transport."""
        lines = [b"HTTP/1.1 %d %s\r\n" % (self.status, _REASONS[self.status])]
        lines.extend(name + b": " + value + b"\r\n" for name, value in default_headers)
        lines.extend(name + b": " + value + b"\r\n" for name, value in self.headers)
        lines.append(b"\r\n")
        lines.append(self.body(trace_id))
        return b"".join(lines)


BAD_REQUEST = Problem(
    400, "Bad Request", "The request is not valid HTTP/1.1; check the request line and headers"
)
SERVICE_UNAVAILABLE = Problem(
    503, "Service Unavailable", "The server is at its concurrency limit; try again shortly"
)


def head_timeout(seconds: float) -> Problem:
    return Problem(
        408, "Request Timeout",
        f"The request line and headers did not arrive within {seconds:g} s; send them at once",
    )


def body_timeout(seconds: float) -> Problem:
    return Problem(
        408, "Request Timeout",
        f"The request body did not arrive within {seconds:g} s of its headers; send it at once",
    )


def headers_too_large(max_headers: int, max_size: int) -> Problem:
    return Problem(
        431, "Request Header Fields Too Large",
        f"The request head may hold at most {max_headers} header fields and {max_size} bytes; "
        "send fewer or shorter headers",
    )
