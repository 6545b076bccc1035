"""Tiers: a read tries the nearest first and copies a hit into the tiers it missed; writes and
deletes reach every tier; a counter lives in the last (shared) tier, so two processes with
their own in-process L1 count together."""

from __future__ import annotations

import uuid

from covet.providers.cache import CacheSettings, build_cache
from covet.providers.cache.memory import MemoryBackend
from tests.providers.backends import memcached_url, redis_url


def two_processes(l2: str) -> tuple[CacheSettings, CacheSettings]:
    """Settings of a tiered cache and of its L2 alone, under one namespace."""
    namespace = f"t{uuid.uuid4().hex[:12]}"
    tiered = CacheSettings(tiers=("memory://", l2), namespace=namespace)
    return tiered, CacheSettings(url=l2, namespace=namespace)


async def test_an_l2_hit_is_backfilled_into_l1() -> None:
    tiered_settings, shared_settings = two_processes(redis_url())
    tiered, shared = build_cache("a", tiered_settings), build_cache("b", shared_settings)
    try:
        await shared.set("post:1", {"title": "from redis"})
        l1 = tiered.tiers[0]
        assert isinstance(l1, MemoryBackend) and len(l1) == 0
        assert await tiered.get("post:1") == {"title": "from redis"}
        assert len(l1) == 1  # backfilled
        await shared.delete("post:1")
        assert await tiered.get("post:1") == {"title": "from redis"}  # now served by L1
    finally:
        await tiered.close()
        await shared.close()


async def test_get_many_backfills_what_l2_had() -> None:
    tiered_settings, shared_settings = two_processes(memcached_url())
    tiered, shared = build_cache("a", tiered_settings), build_cache("b", shared_settings)
    try:
        await shared.set_many({"a": 1, "b": 2})
        await tiered.set("c", 3)
        assert await tiered.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2, "c": 3}
        assert len(tiered.tiers[0]) == 3  # type: ignore[arg-type]
        assert tiered.stats.hits == 3 and tiered.stats.misses == 1
    finally:
        await tiered.close()
        await shared.close()


async def test_a_write_and_a_delete_reach_every_tier() -> None:
    tiered_settings, shared_settings = two_processes(redis_url())
    tiered, shared = build_cache("a", tiered_settings), build_cache("b", shared_settings)
    try:
        await tiered.set("k", "v")
        assert await shared.get("k") == "v"
        assert await tiered.delete("k") is True
        assert await shared.get("k") is None and await tiered.get("k") is None
    finally:
        await tiered.close()
        await shared.close()


async def test_two_processes_with_their_own_l1_count_together() -> None:
    namespace = f"t{uuid.uuid4().hex[:12]}"
    settings = CacheSettings(tiers=("memory://", redis_url()), namespace=namespace)
    one, two = build_cache("a", settings), build_cache("b", settings)
    try:
        assert await one.incr("views") == 1
        assert await two.incr("views") == 2
        assert await one.incr("views") == 3
        assert await two.get("views") == 3
    finally:
        await one.close()
        await two.close()
