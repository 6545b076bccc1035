"""Handlers of tests/caching: posts kept in a list, every handler call counted."""

from __future__ import annotations

import asyncio
from typing import Any

from covet import Response

POSTS: list[dict[str, Any]] = []
CALLS: dict[str, int] = {}


def reset() -> None:
    POSTS.clear()
    POSTS.extend({"id": i, "title": f"Post {i}"} for i in (1, 2))
    CALLS.clear()


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


async def list_posts(q: str | None = None, slow: float = 0) -> list[dict[str, Any]]:
    _count("list_posts")
    if slow:
        await asyncio.sleep(slow)
    return [p for p in POSTS if q is None or q in p["title"]]


async def create_post(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    _count("create_post")
    post = {"id": len(POSTS) + 1, "title": body["title"]}
    POSTS.append(post)
    return post, 201


async def get_post(post_id: int) -> Any:
    _count("get_post")
    for post in POSTS:
        if post["id"] == post_id:
            return post
    return Response(b'{"missing": true}', status_code=404, media_type="application/json")


async def get_me(claims: dict[str, Any]) -> dict[str, Any]:
    _count("get_me")
    return {"sub": claims["sub"]}


async def with_cookie() -> Response:
    _count("with_cookie")
    return Response(b'{"ok": true}', headers={"Set-Cookie": "session=abc"},
                    media_type="application/json")
