"""What every cache does, on every backend (memory, Redis, Memcached and two tierings of them):
the contract a handler relies on whatever covet.yaml's ``providers.cache`` says."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from covet.providers.cache import Cache


async def test_a_value_set_is_got_back_as_json_gives_it(cache: Cache) -> None:
    value = {"id": 7, "tags": ("a", "b"), "score": 1.5, "nested": {"ok": True, "none": None}}
    assert await cache.set("post:7", value) is True
    assert await cache.get("post:7") == {
        "id": 7, "tags": ["a", "b"], "score": 1.5, "nested": {"ok": True, "none": None},
    }
    when = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    await cache.set("when", {"at": when})
    assert await cache.get("when") == {"at": "2026-12-03T12:00:00Z"}


async def test_bytes_come_back_as_the_same_bytes(cache: Cache) -> None:
    body = bytes(range(256)) * 40
    await cache.set("body", body)
    assert await cache.get("body") == body


async def test_a_missing_key_is_the_default(cache: Cache) -> None:
    assert await cache.get("nothing") is None
    assert await cache.get("nothing", default=0) == 0
    assert cache.stats.misses == 2 and cache.stats.hits == 0


async def test_a_set_replaces_the_value(cache: Cache) -> None:
    await cache.set("k", "one")
    await cache.set("k", "two")
    assert await cache.get("k") == "two"


async def test_a_value_is_gone_after_its_ttl(cache: Cache) -> None:
    await cache.set("brief", 1, ttl=1)
    await cache.set("lasting", 2, ttl=30)
    assert await cache.get("brief") == 1
    await asyncio.sleep(2.1)  # NOTE: Memcached counts whole seconds
    assert await cache.get("brief") is None
    assert await cache.get("lasting") == 2


async def test_delete_removes_and_says_whether_it_was_there(cache: Cache) -> None:
    await cache.set("k", 1)
    assert await cache.delete("k") is True
    assert await cache.get("k") is None
    assert await cache.delete("k") is False


async def test_get_many_returns_the_hits_by_key(cache: Cache) -> None:
    assert await cache.set_many({"a": 1, "b": [2], "c": b"3"}) is True
    assert await cache.get_many(["a", "b", "c", "zz", "a"]) == {"a": 1, "b": [2], "c": b"3"}
    assert await cache.get_many([]) == {}


async def test_incr_counts_from_its_first_call_and_keeps_the_first_ttl(cache: Cache) -> None:
    assert await cache.incr("hits") == 1
    assert await cache.incr("hits", 5) == 6
    assert await cache.get("hits") == 6
    assert await cache.incr("brief", ttl=1) == 1
    await asyncio.sleep(2.1)
    assert await cache.incr("brief", ttl=1) == 1


async def test_concurrent_incr_loses_no_count(cache: Cache) -> None:
    await asyncio.gather(*(cache.incr("together") for _ in range(50)))
    assert await cache.get("together") == 50


async def test_incr_on_a_value_is_a_mistake_not_an_outage(cache: Cache) -> None:
    await cache.set("title", "hello")
    with pytest.raises(ValueError, match="not a counter"):
        await cache.incr("title")


async def test_keys_are_namespaced(cache: Cache) -> None:
    assert cache.key("post:1") == f"{cache.namespace}:post:1"


async def test_long_and_unusual_keys_work(cache: Cache) -> None:
    long_key = "search:" + "q" * 600
    spaced = "user name with spaces/é"
    await cache.set(long_key, 1)
    await cache.set(spaced, 2)
    assert await cache.get(long_key) == 1 and await cache.get(spaced) == 2
    assert await cache.get("search:" + "q" * 599) is None


async def test_what_is_not_json_or_bytes_is_refused_before_anything_is_stored(
    cache: Cache,
) -> None:
    with pytest.raises(TypeError, match="JSON-able values or bytes, not object"):
        await cache.set("bad", object())
    assert await cache.get("bad") is None


async def test_add_stores_only_what_is_not_there(cache: Cache) -> None:
    assert await cache.add("lock", 1, ttl=5) is True
    assert await cache.add("lock", 2, ttl=5) is False
    assert await cache.get("lock") == 1
    await cache.delete("lock")
    assert await cache.add("lock", 3, ttl=5) is True


async def test_counters_read_what_incr_made_and_zero_for_the_rest(cache: Cache) -> None:
    await cache.incr("tag:a")
    await cache.incr("tag:a")
    await cache.set("tag:value", "not a counter")
    assert await cache.counters(["tag:a", "tag:none", "tag:value"]) == [2, 0, 0]
