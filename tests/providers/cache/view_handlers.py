"""Handlers of tests/providers/cache/test_provider.py: a view counter and a cached lookup."""

from __future__ import annotations

from typing import Any

from covet.providers.cache import Cache

LOOKUPS: list[int] = []


async def count_view(post_id: int, cache: Cache) -> dict[str, Any]:
    views = await cache.incr(f"views:{post_id}")
    return {"post_id": post_id, "views": views}


async def get_post(post_id: int, cache: Cache, sessions: Cache) -> dict[str, Any]:
    post = await cache.get(f"post:{post_id}")
    if post is None:
        LOOKUPS.append(post_id)
        post = {"id": post_id, "title": f"Post {post_id}"}
        await cache.set(f"post:{post_id}", post, ttl=60)
    await sessions.set("last", post_id)
    return post
