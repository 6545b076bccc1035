"""A bare ASGI callable serving the two database endpoints: the ceiling for CovetPy.

No framework: one ``split("/")`` for routing, ``int()``/``UUID()`` for the parameters, the same
SQLAlchemy code as the other apps (blog_db.py) with a session per request that is committed on
success and closed either way, orjson for the body. Engine and pool come and go with the ASGI
lifespan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import blog_db
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_NOT_FOUND = orjson.dumps({"error": "not found"})


class _Database:
    """The engine and session factory, set at lifespan startup."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


_db = _Database()


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [_JSON, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _post(send: Send, user: str, post: str) -> None:
    try:
        user_id, post_id = int(user), UUID(post)
    except ValueError:
        await _respond(send, 422, orjson.dumps({"error": "invalid parameter"}))
        return
    async with _db.sessions() as session:
        found = await blog_db.fetch_post(session, user_id, post_id)
        await session.commit()
    if found is None:
        await _respond(send, 404, _NOT_FOUND)
    else:
        await _respond(send, 200, orjson.dumps(found))


async def _posts(send: Send, scope: Scope, user: str) -> None:
    try:
        user_id = int(user)
        limits = parse_qs(scope["query_string"].decode("latin-1")).get("limit")
        limit = int(limits[-1]) if limits else 20
    except ValueError:
        await _respond(send, 422, orjson.dumps({"error": "invalid parameter"}))
        return
    if not 1 <= limit <= 100:
        await _respond(send, 422, orjson.dumps({"error": "limit must be within 1..100"}))
        return
    async with _db.sessions() as session:
        found = await blog_db.list_posts(session, user_id, limit)
        await session.commit()
    await _respond(send, 200, orjson.dumps(found))


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _db.engine = blog_db.make_engine()
            _db.sessions = blog_db.make_sessionmaker(_db.engine)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _db.engine.dispose()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    parts = scope["path"].split("/")  # "", "users", id, "posts"[, post_id]
    if scope["method"] == "GET" and len(parts) in (4, 5) and parts[1] == "users" and parts[3] == "posts":
        if len(parts) == 5:
            await _post(send, parts[2], parts[4])
        else:
            await _posts(send, scope, parts[2])
        return
    await _respond(send, 404, _NOT_FOUND)
