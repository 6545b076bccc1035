"""Handlers of the media benchmark: constant bodies, so only encoding differs."""

from __future__ import annotations

from typing import Any

GREETING = {"message": "Hello, World!"}
POSTS = [{"id": i, "title": f"Post number {i}", "author_id": i % 3, "tags": ["asgi", "python"]}
         for i in range(10)]


async def json() -> dict[str, str]:
    return GREETING


async def posts() -> list[dict[str, Any]]:
    return POSTS
