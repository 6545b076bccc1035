"""The Redis store: shared between clients, one round trip, bounded by its timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis.asyncio as aioredis

from covet.errors import ProviderError
from covet.limits.policy import Rate
from covet.limits.stores.redis import RedisStore
from tests.limits.conftest import FaultyProxy, redis_url


def target() -> tuple[str, int]:
    parts = urlsplit(redis_url())
    return parts.hostname or "127.0.0.1", parts.port or 6379


async def test_two_stores_share_one_count(redis_prefix: str) -> None:
    first = RedisStore(redis_url(), prefix=redis_prefix, timeout=1.0)
    second = RedisStore(redis_url(), prefix=redis_prefix, timeout=1.0)
    policy = (Rate(10, 60),)
    try:
        results = await asyncio.gather(
            *(store.hit("k", policy) for _ in range(10) for store in (first, second))
        )
    finally:
        await first.close()
        await second.close()
    assert sum(o.allowed for o in results) == 10


async def test_one_key_per_window_under_one_hash_tag_with_a_ttl(redis_prefix: str) -> None:
    store = RedisStore(redis_url(), prefix=redis_prefix, timeout=1.0)
    await store.hit("default|ip:1.2.3.4", (Rate(10, 1), Rate(100, 3600)))
    await store.close()
    client = aioredis.Redis.from_url(redis_url())
    try:
        keys = sorted([k.decode() async for k in client.scan_iter(match=f"{redis_prefix}*")])
        assert keys == [f"{redis_prefix}{{default|ip:1.2.3.4}}:1",
                        f"{redis_prefix}{{default|ip:1.2.3.4}}:3600"]
        assert 3590_000 < await client.pttl(keys[1]) <= 3600_000
    finally:
        await client.aclose()


async def test_the_script_is_loaded_again_after_a_script_flush(redis_prefix: str) -> None:
    store = RedisStore(redis_url(), prefix=redis_prefix, timeout=1.0)
    client = aioredis.Redis.from_url(redis_url())
    try:
        await store.hit("k", (Rate(5, 60),))
        await client.script_flush()
        assert (await store.hit("k", (Rate(5, 60),))).used == (2,)
    finally:
        await store.close()
        await client.aclose()


@pytest.mark.parametrize("mode", ["stall", "drop"])
async def test_a_hung_or_dropping_redis_fails_within_the_timeout(mode: str) -> None:
    proxy = await FaultyProxy(target(), mode).start()  # type: ignore[arg-type]
    store = RedisStore(proxy.url, prefix="covet-test:never:", timeout=0.05)
    try:
        started = time.monotonic()
        with pytest.raises(ProviderError, match="redis"):
            await store.hit("k", (Rate(5, 60),))
        assert time.monotonic() - started < 0.5
    finally:
        await store.close()
        await proxy.stop()


async def test_redis_that_stalls_mid_session_fails_then_recovers(redis_prefix: str) -> None:
    proxy = await FaultyProxy(target()).start()
    store = RedisStore(proxy.url, prefix=redis_prefix, timeout=0.05)
    try:
        assert (await store.hit("k", (Rate(5, 60),))).allowed
        proxy.mode = "stall"
        started = time.monotonic()
        with pytest.raises(ProviderError, match="did not answer within 50 ms"):
            await store.hit("k", (Rate(5, 60),))
        assert time.monotonic() - started < 0.5
        proxy.mode = "forward"
        assert (await store.hit("k", (Rate(5, 60),))).used == (2,)
    finally:
        await store.close()
        await proxy.stop()


async def test_concurrent_hits_share_pipelines_and_each_is_counted_once(redis_prefix: str) -> None:
    batches: list[int] = []

    class Counting(RedisStore):
        __slots__ = ()

        async def _send(self, batch: Any) -> None:
            batches.append(len(batch))
            await super()._send(batch)

    store = Counting(redis_url(), prefix=redis_prefix, timeout=1.0)
    try:
        outcomes = await asyncio.gather(*(store.hit("k", (Rate(30, 60),)) for _ in range(50)))
    finally:
        await store.close()
    assert sorted(o.used[0] for o in outcomes) == [*range(1, 31), *[30] * 20]
    assert [o.allowed for o in outcomes].count(True) == 30
    assert sum(batches) == 50 and len(batches) < 50  # fewer round trips than requests
