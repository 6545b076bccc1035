"""``memory://``: an LRU bounded by entries and by bytes, values held encoded (a handler gets a
copy, never the cached object itself)."""

from __future__ import annotations

from covet.providers.cache import Cache, build_cache
from covet.providers.cache.memory import MemoryBackend
from covet.providers.cache.settings import CacheSettings


def memory_cache(**options: object) -> tuple[Cache, MemoryBackend]:
    cache = build_cache("default", CacheSettings.model_validate({"url": "memory://", **options}))
    (backend,) = cache.tiers
    assert isinstance(backend, MemoryBackend)
    return cache, backend


async def test_the_least_recently_used_go_first_past_max_entries() -> None:
    cache, backend = memory_cache(max_entries=3)
    for key in "abc":
        await cache.set(key, key)
    assert await cache.get("a") == "a"  # a is now the most recently used
    await cache.set("d", "d")
    assert len(backend) == 3
    assert await cache.get("b") is None
    assert [await cache.get(key) for key in "acd"] == ["a", "c", "d"]


async def test_max_bytes_bounds_what_is_held() -> None:
    cache, backend = memory_cache(max_bytes="10KiB")
    for index in range(50):
        await cache.set(f"k{index}", "x" * 1000)
    assert backend.bytes <= 10 * 1024
    assert await cache.get("k49") == "x" * 1000 and await cache.get("k0") is None


async def test_a_value_bigger_than_the_whole_cache_is_not_held_and_drops_the_old_one() -> None:
    cache, backend = memory_cache(max_bytes="2KiB")
    await cache.set("k", "small")
    await cache.set("k", "x" * 5000)
    assert await cache.get("k") is None and backend.bytes == 0


async def test_a_handler_gets_a_copy_it_may_change() -> None:
    cache, _ = memory_cache()
    value = {"items": [1, 2]}
    await cache.set("k", value)
    value["items"].append(3)
    got = await cache.get("k")
    got["items"].append(4)
    assert await cache.get("k") == {"items": [1, 2]}


async def test_bytes_accounting_returns_to_zero() -> None:
    cache, backend = memory_cache()
    await cache.set("a", "1")
    await cache.incr("n")
    await cache.incr("n")
    await cache.set("a", "22")
    await cache.delete("a")
    await cache.delete("n")
    assert backend.bytes == 0 and len(backend) == 0
