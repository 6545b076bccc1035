"""A cache server that goes down is a miss, never an error: on the real Redis and Memcached
behind a TCP proxy the test breaks (refused, then silent), reads miss and writes are skipped
within the timeout, every failure is counted, one warning is logged, and the cache works again
once the server answers."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from covet.providers.cache import Cache, CacheSettings, build_cache
from covet.providers.cache._guard import Guard
from tests.providers.backends import memcached_url, redis_url
from tests.providers.tcp_proxy import TcpProxy


@pytest.fixture(params=["redis", "memcached"])
async def proxied(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Cache, TcpProxy]]:
    real = redis_url() if request.param == "redis" else memcached_url()
    parts = urlsplit(real)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 0)
    await proxy.start()
    url = real.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    settings = CacheSettings(
        url=url, namespace=f"g{uuid.uuid4().hex[:12]}", timeout=0.2, cooldown=0.5,
        warn_interval=60,
    )
    cache = build_cache("default", settings)
    yield cache, proxy
    await cache.close()
    await proxy.close()


def guard_of(cache: Cache) -> Guard:
    (tier,) = cache.tiers
    assert isinstance(tier, Guard)
    return tier


async def test_a_refused_server_misses_and_skips_at_once_then_recovers(
    proxied: tuple[Cache, TcpProxy], caplog: pytest.LogCaptureFixture
) -> None:
    cache, proxy = proxied
    await cache.set("k", "before")
    await proxy.refuse()
    caplog.set_level(logging.WARNING, "covet.cache")
    start = time.perf_counter()
    assert await cache.get("k") is None
    assert await cache.set("k", "during") is False
    assert await cache.incr("n") is None
    assert await cache.delete("k") is False
    assert await cache.get_many(["k", "j"]) == {}
    assert time.perf_counter() - start < 0.5  # one timeout at most, then the cooldown
    stats = guard_of(cache).stats
    assert stats.failures >= 1 and stats.failures + stats.skipped == 5
    warnings = [r for r in caplog.records if r.name == "covet.cache"]
    assert len(warnings) == 1 and "reads miss and writes are skipped" in warnings[0].getMessage()

    await proxy.restore()
    await asyncio.sleep(0.6)  # NOTE: past the cooldown
    assert await cache.get("k") == "before"  # the skipped write changed nothing
    assert await cache.set("k", "after") is True and await cache.get("k") == "after"


async def test_a_silent_server_costs_one_timeout_then_the_cooldown(
    proxied: tuple[Cache, TcpProxy],
) -> None:
    cache, proxy = proxied
    await cache.set("k", 1)
    proxy.pause()
    start = time.perf_counter()
    assert await cache.get("k") is None
    first = time.perf_counter() - start
    assert 0.15 < first < 0.5  # the 200 ms timeout, not a hang
    start = time.perf_counter()
    for _ in range(100):
        assert await cache.get("k") is None
    assert time.perf_counter() - start < 0.05  # cooling down: not asked at all
    assert guard_of(cache).stats.last_error == "no answer within 200 ms"


async def test_health_reports_a_down_server_as_down(
    proxied: tuple[Cache, TcpProxy],
) -> None:
    cache, proxy = proxied
    (report,) = await cache.health()
    assert report.ok and report.name == "cache" and report.kind in ("redis", "memcached")
    await proxy.refuse()
    (report,) = await cache.health(required=True)
    assert not report.ok and report.required and report.error


async def test_a_down_first_tier_falls_through_to_the_second() -> None:
    real = urlsplit(redis_url())
    proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 6379)
    await proxy.start()
    settings = CacheSettings(
        tiers=(f"redis://127.0.0.1:{proxy.port}/0", memcached_url()),
        namespace=f"f{uuid.uuid4().hex[:12]}", timeout=0.2,
    )
    cache = build_cache("default", settings)
    try:
        await cache.set("k", "both")
        await proxy.refuse()
        assert await cache.get("k") == "both"  # from Memcached
        assert await cache.set("k", "second only") is False  # one tier skipped: said so
        assert await cache.get("k") == "second only"
    finally:
        await cache.close()
        await proxy.close()
