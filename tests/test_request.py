"""Request: a lazy view; the body is read once and bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from covet.errors import BadRequestError, PayloadTooLargeError
from covet.request import ClientDisconnect, Request, parse_cookies


def make(headers: list[tuple[bytes, bytes]] | None = None, query: bytes = b"", chunks: list[bytes] | None = None,
         limit: int = 1024) -> Request:
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks or [b""]) - 1}
        for i, c in enumerate(chunks or [b""])
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {"type": "http", "method": "POST", "path": "/x", "query_string": query,
             "headers": headers or [], "scheme": "http", "server": ("h", 8000), "client": ("1.2.3.4", 5)}
    return Request(scope, receive, max_body_size=limit)


def test_query_keeps_every_value_and_blanks() -> None:
    assert make(query=b"a=1&a=2&b=").query == {"a": ["1", "2"], "b": [""]}


def test_headers_lower_cased_and_joined() -> None:
    request = make([(b"X-A", b"1"), (b"x-a", b"2"), (b"Cookie", b"a=1"), (b"cookie", b"b=2")])
    assert request.headers["x-a"] == "1, 2"
    assert request.cookies == {"a": "1", "b": "2"}


def test_parse_cookies_strips_quotes_and_skips_junk() -> None:
    assert parse_cookies('a="x y"; junk; =v; b=2; a=3') == {"a": "x y", "b": "2"}


def test_url_and_client() -> None:
    request = make([(b"host", b"example.com")], query=b"q=1")
    assert request.url == "http://example.com/x?q=1"
    assert request.client == ("1.2.3.4", 5)


def test_content_type_without_parameters() -> None:
    assert make([(b"content-type", b"Application/JSON; charset=utf-8")]).content_type == "application/json"


async def test_body_joins_chunks_and_is_cached() -> None:
    request = make(chunks=[b'{"a":', b" 1}"])
    assert await request.body() == b'{"a": 1}'
    assert await request.json() == {"a": 1}
    assert await request.body() == b'{"a": 1}'


async def test_body_over_limit_is_refused_while_streaming() -> None:
    with pytest.raises(PayloadTooLargeError):
        await make(chunks=[b"x" * 600, b"x" * 600]).body()


async def test_declared_content_length_over_limit_is_refused_before_reading() -> None:
    with pytest.raises(PayloadTooLargeError):
        await make([(b"content-length", b"5000")], chunks=[b"x"]).body()


async def test_disconnect_while_reading() -> None:
    request = make(chunks=[b"x", b"y"])
    request.receive = _disconnecting()
    with pytest.raises(ClientDisconnect):
        await request.body()


def _disconnecting() -> Any:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    return receive


async def test_invalid_json_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match="not valid JSON"):
        await make(chunks=[b"{nope"]).json()


async def test_form_body() -> None:
    assert await make(chunks=[b"a=1&b=x+y"]).form() == {"a": ["1"], "b": ["x y"]}


@pytest.mark.parametrize(
    "query",
    ["a=1&a=2&b=", "a", "a=1&&b=2", "x=%2Fy+z&x+y=1", "k=%E2%82%AC", "deep[a]=1&deep[b]=2", "=v", "a==b"],
)
def test_parse_query_agrees_with_parse_qs(query: str) -> None:
    from urllib.parse import parse_qs

    from covet.request import parse_query

    assert parse_query(query) == parse_qs(query, keep_blank_values=True)


class Server:
    """Receive as uvicorn does: a held message at once, otherwise wait until there is one."""

    def __init__(self, *messages: dict[str, Any]) -> None:
        self.messages = list(messages)
        self.arrived = asyncio.Event()
        self.gone = False

    async def receive(self) -> dict[str, Any]:
        while not self.messages and not self.gone:
            self.arrived.clear()
            await self.arrived.wait()
        return self.messages.pop(0) if self.messages else {"type": "http.disconnect"}

    def leave(self) -> None:
        self.gone = True
        self.arrived.set()


def served(server: Server) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}
    return Request(scope, server.receive)


async def test_is_disconnected_never_waits_while_the_client_is_there() -> None:
    server = Server()
    request = served(server)
    assert await request.is_disconnected() is False
    assert not server.arrived._waiters  # the abandoned receive left no waiter behind

    server.leave()
    assert await request.is_disconnected() is True
    assert request.poll_disconnected() is True


async def test_a_body_taken_by_the_poll_is_still_the_body() -> None:
    server = Server(
        {"type": "http.request", "body": b"he", "more_body": True},
        {"type": "http.request", "body": b"llo", "more_body": False},
    )
    request = served(server)
    assert request.poll_disconnected() is False
    assert await request.body() == b"hello"


async def test_a_client_gone_before_its_body_was_read() -> None:
    server = Server({"type": "http.request", "body": b"partial", "more_body": True})
    server.leave()
    request = served(server)
    assert request.poll_disconnected() is True
    with pytest.raises(ClientDisconnect):
        await request.body()


# -- strict decoding and bounded counts ------------------------------------------------------


@pytest.mark.parametrize("query", [b"q=%FF%FE", b"%C3=1", b"a=1&b=caf%E9", b"q=\xff"])
def test_a_query_that_is_not_utf8_is_a_bad_request_not_a_replacement_character(query: bytes) -> None:
    with pytest.raises(BadRequestError) as caught:
        _ = make(query=query).query
    assert caught.value.details[0]["code"] == "encoding"
    assert caught.value.details[0]["location"] == "query"


def test_percent_encoded_utf8_decodes() -> None:
    assert make(query=b"q=caf%C3%A9+au+lait&%E2%9C%93=1").query == {
        "q": ["café au lait"], "✓": ["1"],
    }


def test_a_query_with_more_parameters_than_the_limit_is_refused() -> None:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [],
             "query_string": b"&".join([b"a=1"] * 11)}
    request = Request(scope, _no_body, max_query_params=10)
    with pytest.raises(BadRequestError) as caught:
        _ = request.query
    assert caught.value.details[0]["code"] == "maxParameters"
    ten = Request({**scope, "query_string": b"&".join([b"a=1"] * 10)}, _no_body, max_query_params=10)
    assert ten.query == {"a": ["1"] * 10}


async def test_a_form_with_more_fields_than_the_limit_is_too_large() -> None:
    request = make([(b"content-type", b"application/x-www-form-urlencoded")],
                   chunks=[b"&".join([b"f=1"] * 1001)], limit=1 << 20)
    with pytest.raises(PayloadTooLargeError):
        await request.form()


async def test_a_form_that_is_not_utf8_once_percent_decoded_is_a_bad_request() -> None:
    request = make([(b"content-type", b"application/x-www-form-urlencoded")], chunks=[b"a=%FF"])
    with pytest.raises(BadRequestError):
        await request.form()


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}
