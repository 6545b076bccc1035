"""Per-request cost of a Redis rate limit: the ``limits`` library against CovetPy's Lua script.

    .venv/bin/python bench/ratelimit_bench.py [--requests 5000] [--redis redis://127.0.0.1:6379/0]

Each scenario awaits one limit check per simulated request, one after another, against the same
real Redis, and reports wall time (what one request waits) and this process's CPU time (what
limits throughput: under load the wait overlaps other requests, the CPU does not). A scenario is
"what the step needs for one request": the verdict and, for the RateLimit headers, what is left
of each window and when it resets. ``limits`` needs a ``hit`` plus a ``get_window_stats`` per
window for that; the Lua script does all windows in one ``EVALSHA``.

``limits`` (5.8, in the venv for this measurement only) runs on redis-py, the driver CovetPy
already uses (``implementation="redispy"``). Results: bench/RESULTS-ratelimit.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from limits import RateLimitItemPerHour, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

from covet.endpoint import Context
from covet.limits.policy import parse_policy
from covet.limits.settings import RateLimitSettings
from covet.limits.step import Limiter, RateLimitStep
from covet.limits.stores.memory import MemoryStore
from covet.limits.stores.redis import RedisStore
from covet.request import Request

Check = Callable[[int], Awaitable[object]]
BIG = 10**9  # never reached: every request is allowed, so each one does the full work


async def measure(check: Check, requests: int) -> tuple[float, float, float, float]:
    """(mean wall µs, p50 wall µs, p99 wall µs, CPU µs) per check."""
    for n in range(min(500, requests)):
        await check(n)
    samples = []
    cpu = time.process_time()
    for n in range(requests):
        started = time.perf_counter()
        await check(n)
        samples.append((time.perf_counter() - started) * 1e6)
    cpu_us = (time.process_time() - cpu) * 1e6 / requests
    samples.sort()
    return (statistics.fmean(samples), samples[len(samples) // 2],
            samples[int(len(samples) * 0.99)], cpu_us)


def request_scope() -> Request:
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [],
             "client": ("192.0.2.1", 40000), "query_string": b""}
    return Request(scope, None)  # type: ignore[arg-type]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    prefix = f"covet-bench:{uuid.uuid4().hex}:"
    one = parse_policy(f"{BIG}/minute")
    two = parse_policy(f"{BIG}/second, {BIG}/hour")
    assert one and two

    ping_client = aioredis.Redis.from_url(args.redis)
    covet = RedisStore(args.redis, prefix=prefix, timeout=1.0)
    memory = MemoryStore()
    storage = RedisStorage(args.redis.replace("redis://", "async+redis://", 1),
                           implementation="redispy", key_prefix=prefix + "limits")
    fixed = FixedWindowRateLimiter(storage)
    moving = MovingWindowRateLimiter(storage)
    sliding = SlidingWindowCounterRateLimiter(storage)
    per_minute = RateLimitItemPerMinute(BIG)
    per_second, per_hour = RateLimitItemPerSecond(BIG), RateLimitItemPerHour(BIG)

    settings = RateLimitSettings(storage=args.redis, key_prefix=prefix)
    redis_step = RateLimitStep(Limiter(settings, covet), "default", one,
                               parts=("ip", "operation"), operation="bench")
    memory_step = RateLimitStep(Limiter(RateLimitSettings(), memory), "default", one,
                                parts=("ip", "operation"), operation="bench")
    request = request_scope()

    async def limits_headers(strategy: FixedWindowRateLimiter | MovingWindowRateLimiter
                             | SlidingWindowCounterRateLimiter, *items: object) -> None:
        for item in items:
            await strategy.hit(item, "192.0.2.1", "bench")  # type: ignore[arg-type]
            await strategy.get_window_stats(item, "192.0.2.1", "bench")  # type: ignore[arg-type]

    scenarios: list[tuple[str, Check]] = [
        ("redis PING (one round trip, the floor)", lambda n: ping_client.ping()),
        ("covet Lua store, 1 window", lambda n: covet.hit("default|ip:192.0.2.1|bench", one)),
        ("covet Lua store, 2 windows", lambda n: covet.hit("default|ip:192.0.2.1|bench", two)),
        ("covet step (key + Lua + headers), 1 window",
         lambda n: redis_step(request, Context())),
        ("limits fixed window, hit only, 1 window",
         lambda n: fixed.hit(per_minute, "192.0.2.1", "bench")),
        ("limits fixed window, hit + stats, 1 window",
         lambda n: limits_headers(fixed, per_minute)),
        ("limits fixed window, hit + stats, 2 windows",
         lambda n: limits_headers(fixed, per_second, per_hour)),
        ("limits sliding window counter, hit + stats, 1 window",
         lambda n: limits_headers(sliding, per_minute)),
        ("limits moving window, hit only, 1 window (small limit)",
         lambda n: moving.hit(RateLimitItemPerMinute(1000), "192.0.2.1", str(n % 50))),
        ("covet memory store, 1 window", lambda n: memory.hit("default|ip:192.0.2.1|bench", one)),
        ("covet step on memory, 1 window", lambda n: memory_step(request, Context())),
    ]
    print(f"{'scenario':58} {'mean':>8} {'p50':>8} {'p99':>8} {'CPU':>8}  (µs per request)")
    try:
        for name, check in scenarios:
            mean, p50, p99, cpu = await measure(check, args.requests)
            print(f"{name:58} {mean:8.1f} {p50:8.1f} {p99:8.1f} {cpu:8.1f}")
    finally:
        await covet.close()
        await ping_client.aclose()
        cleanup = aioredis.Redis.from_url(args.redis)
        keys = [key async for key in cleanup.scan_iter(match=f"{prefix}*")]
        if keys:
            await cleanup.delete(*keys)
        await cleanup.aclose()


if __name__ == "__main__":
    asyncio.run(main())
