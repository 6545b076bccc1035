"""Raw ASGI: the four benchmark endpoints written by hand; the ceiling for every framework.

A minimal dict dispatch on (method, path) for the static routes and one split for the
parametrized one. It validates what the others validate (types, ranges, the POST body's
fields) but has no router, no middleware and no error format worth the name.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs
from uuid import UUID

import orjson

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
_ITEM_FIELDS = frozenset({"name", "price", "tags", "in_stock"})


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, status: int, message: str) -> None:
    await _respond(send, status, _JSON, orjson.dumps({"error": message}))


async def plaintext(scope: Scope, receive: Receive, send: Send) -> None:
    await _respond(send, 200, _TEXT, b"Hello, World!")


async def json(scope: Scope, receive: Receive, send: Send) -> None:
    await _respond(send, 200, _JSON, orjson.dumps({"message": "Hello, World!"}))


async def get_user_post(scope: Scope, send: Send, user: str, post: str) -> None:
    try:
        user_id = int(user)
        post_id = UUID(post)
        limits = parse_qs(scope["query_string"].decode("latin-1")).get("limit")
        limit = int(limits[-1]) if limits else 10
    except ValueError:
        await _error(send, 422, "invalid parameter")
        return
    if not 1 <= limit <= 100:
        await _error(send, 422, "limit must be within 1..100")
        return
    await _respond(send, 200, _JSON, orjson.dumps(
        {"user_id": user_id, "post_id": str(post_id), "limit": limit}))


def _item_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "body must be an object"
    if not _ITEM_FIELDS.issuperset(item):
        return "unknown field"
    name, price = item.get("name"), item.get("price")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        return "name must be a string of 1..100 characters"
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        return "price must be a number >= 0"
    tags = item.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 10 or not all(isinstance(t, str) for t in tags):
        return "tags must be an array of at most 10 strings"
    if not isinstance(item.get("in_stock", False), bool):
        return "in_stock must be a boolean"
    return None


async def create_item(scope: Scope, receive: Receive, send: Send) -> None:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        item = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        await _error(send, 400, "malformed JSON")
        return
    problem = _item_problem(item)
    if problem is not None:
        await _error(send, 422, problem)
        return
    await _respond(send, 201, _JSON, orjson.dumps(item))


_STATIC = {
    ("GET", "/plaintext"): plaintext,
    ("GET", "/json"): json,
    ("POST", "/items"): create_item,
}


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    method, path = scope["method"], scope["path"]
    endpoint = _STATIC.get((method, path))
    if endpoint is not None:
        await endpoint(scope, receive, send)
        return
    parts = path.split("/")
    if method == "GET" and len(parts) == 5 and parts[1] == "users" and parts[3] == "posts":
        await get_user_post(scope, send, parts[2], parts[4])
        return
    await _error(send, 404, "not found")
