"""How ``covet run``'s protocol writes responses, seen from the transport.

A response with a Content-Length leaves in one write (head and body together); a streaming
one's head leaves at once, before its first chunk; each response field is still checked for
bytes HTTP forbids, however often it was seen; pipelined requests are answered in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from covet.server import HttpLimits, http_protocol
from covet.types import Receive, Scope, Send


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def writelines(self, data: Any) -> None:
        self.writes.append(b"".join(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)


def connection(app: Any) -> tuple[Any, Transport]:
    config = Config(app, http=http_protocol(HttpLimits()), lifespan="off", proxy_headers=False,
                    server_header=False, date_header=False, log_level="critical")
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    return protocol, transport


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    body = scope["path"].encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def test_a_response_with_a_content_length_is_one_write() -> None:
    protocol, transport = connection(hello)
    protocol.data_received(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    await settle()
    assert transport.writes == [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\n/hello"
    ]
    protocol.connection_lost(None)


async def test_a_streaming_response_sends_its_head_before_its_first_chunk() -> None:
    go_on = asyncio.Event()

    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await go_on.wait()
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    protocol, transport = connection(stream)
    protocol.data_received(b"GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
    await settle()
    assert transport.writes == [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    ]
    go_on.set()
    await settle()
    assert transport.writes[1:] == [b"9\r\ndata: 1\n\n\r\n", b"0\r\n\r\n"]
    protocol.connection_lost(None)


async def test_a_head_request_gets_the_head_alone() -> None:
    protocol, transport = connection(hello)
    protocol.data_received(b"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    await settle()
    assert transport.writes == [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\n"
    ]
    protocol.connection_lost(None)


@pytest.mark.parametrize("value", [b"ok\r\nset-cookie: evil=1", b"ok\nx", b"\x00"])
async def test_a_field_value_with_forbidden_bytes_is_never_sent(value: bytes) -> None:
    async def echo_header(scope: Scope, receive: Receive, send: Send) -> None:
        chosen = value if scope["path"] == "/bad" else b"ok"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"x-echo", chosen), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    protocol, transport = connection(echo_header)
    for _ in range(2):  # the good field is remembered; the bad one must still be refused
        protocol.data_received(b"GET /good HTTP/1.1\r\nHost: t\r\n\r\n")
        await settle()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\nx-echo: ok\r\ncontent-length: 0\r\n\r\n"] * 2
    protocol.data_received(b"GET /bad HTTP/1.1\r\nHost: t\r\n\r\n")
    await settle()
    assert len(transport.writes) == 2
    assert transport.closed  # uvicorn drops a connection whose response cannot start
    protocol.connection_lost(None)


async def test_pipelined_requests_are_answered_in_order() -> None:
    protocol, transport = connection(hello)
    protocol.data_received(b"".join(b"GET /%d HTTP/1.1\r\nHost: t\r\n\r\n" % n for n in range(3)))
    for _ in range(5):
        await settle()
    assert [write.rsplit(b"\r\n\r\n", 1)[1] for write in transport.writes] == [b"/0", b"/1", b"/2"]
    protocol.connection_lost(None)
