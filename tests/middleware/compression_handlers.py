"""Handlers of tests/middleware/test_compression.py."""

from __future__ import annotations

from typing import Any

POSTS = [{"id": i, "title": f"Post number {i}", "body": "lorem ipsum dolor sit amet " * 4,
          "tags": ["asgi", "python"], "published": True} for i in range(60)]


async def list_posts(limit: int = 60) -> list[dict[str, Any]]:
    return POSTS[:limit]


async def create_post(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return {"received": body}, 201
