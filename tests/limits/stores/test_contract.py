"""One contract, every store: windows from the first request, all windows or none, reset.

Each test runs on the memory store and on the real Redis (its own key prefix, deleted after).
Window ends are reached by waiting out a 1-second window, not by faking Redis's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from covet.limits.policy import parse_policy
from covet.limits.stores import RateLimitStore
from covet.limits.stores.memory import MemoryStore
from covet.limits.stores.redis import RedisStore
from tests.limits.conftest import redis_url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RateLimitStore]:
    if request.param == "memory":
        memory = MemoryStore()
        yield memory
        await memory.close()
    else:
        prefix: str = request.getfixturevalue("redis_prefix")
        shared = RedisStore(redis_url(), prefix=prefix, timeout=1.0)
        yield shared
        await shared.close()


def windows(text: str) -> tuple:  # type: ignore[type-arg]
    parsed = parse_policy(text)
    assert parsed
    return parsed


async def test_counts_up_to_the_limit_then_refuses(store: RateLimitStore) -> None:
    policy = windows("3/minute")
    outcomes = [await store.hit("k", policy) for _ in range(5)]
    assert [o.allowed for o in outcomes] == [True, True, True, False, False]
    assert [o.used for o in outcomes] == [(1,), (2,), (3,), (3,), (3,)]
    assert 59 < outcomes[-1].reset[0] <= 60


async def test_keys_count_apart(store: RateLimitStore) -> None:
    policy = windows("1/minute")
    assert (await store.hit("a", policy)).allowed
    assert (await store.hit("b", policy)).allowed
    assert not (await store.hit("a", policy)).allowed


async def test_every_window_must_have_room_and_a_refusal_counts_in_none(store: RateLimitStore) -> None:
    policy = windows("2/second, 3/minute")
    assert [(await store.hit("k", policy)).allowed for _ in range(3)] == [True, True, False]
    refused = await store.hit("k", policy)
    assert refused.used == (2, 2), "a refused request takes nothing from the longer window"
    await asyncio.sleep(1.05)
    again = await store.hit("k", policy)
    assert again.allowed and again.used == (1, 3)
    blocked = await store.hit("k", policy)
    assert not blocked.allowed and blocked.used == (1, 3)
    assert blocked.reset[0] <= 1 < blocked.reset[1]


async def test_a_window_starts_afresh_after_it_ends(store: RateLimitStore) -> None:
    policy = windows("1/second")
    assert (await store.hit("k", policy)).allowed
    assert not (await store.hit("k", policy)).allowed
    await asyncio.sleep(1.05)
    fresh = await store.hit("k", policy)
    assert fresh.allowed and fresh.used == (1,)
    assert 0.9 < fresh.reset[0] <= 1.0
