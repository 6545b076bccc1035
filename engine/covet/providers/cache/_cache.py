"""The ``cache`` handlers get: :class:`Cache`, over one backend or tiers of them."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from covet.providers.base import HealthReport
from covet.providers.cache._guard import Backend, Guard
from covet.providers.cache._values import decode, encode

__all__ = ["Cache", "CacheStats"]

Tier = Backend | Guard


@dataclass(slots=True)
class CacheStats:
    """Reads of one cache since the app started (``/health`` and metrics read them)."""

    hits: int = 0
    misses: int = 0

    @property
    def hit_ratio(self) -> float:
        reads = self.hits + self.misses
        return self.hits / reads if reads else 0.0


class Cache:
    """Get, set, delete and count values under namespaced keys, with TTLs.

    Values are JSON-able or ``bytes`` (:mod:`covet.providers.cache._values`). A server that is
    down is a miss and a skipped write, within the configured timeout; it never raises (see
    :mod:`covet.providers.cache._guard`). With several tiers, a read tries each, nearest first,
    and copies a hit into the tiers before it (for ``default_ttl``); a write or delete goes to
    every tier; a counter lives in the last tier alone.

    Example:
        >>> async def get_post(post_id: int, db: AsyncSession, cache: Cache) -> dict:
        ...     post = await cache.get(f"post:{post_id}")
        ...     if post is None:
        ...         post = await load_post(db, post_id)
        ...         await cache.set(f"post:{post_id}", post, ttl=60)
        ...     return post
    """

    __slots__ = ("_prefix", "_single", "default_ttl", "name", "namespace", "stats", "tiers")

    def __init__(
        self, tiers: Sequence[Tier], *, namespace: str = "covet", default_ttl: float = 300.0,
        name: str = "cache",
    ) -> None:
        if not tiers:
            raise ValueError("a cache needs at least one backend")
        self.tiers = tuple(tiers)
        self.namespace = namespace
        self.default_ttl = default_ttl
        self.name = name
        self.stats = CacheStats()
        self._prefix = f"{namespace}:"
        self._single = self.tiers[0] if len(self.tiers) == 1 else None

    def key(self, key: str) -> str:
        """The full key stored for ``key`` (``namespace:key``)."""
        return self._prefix + key

    async def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key``, or ``default`` when there is none (or the server is down)."""
        full = self._prefix + key
        single = self._single
        stored = await single.get(full) if single is not None else await self._tiered_get(full)
        if stored is None:
            self.stats.misses += 1
            return default
        self.stats.hits += 1
        return decode(stored)

    async def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values found, by key (missing keys are absent)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        missing = [self._prefix + key for key in wanted]
        for index, tier in enumerate(self.tiers):
            if not missing:
                break
            values = await tier.get_many(missing)
            hits = [(full, value) for full, value in zip(missing, values, strict=True) if value]
            if hits and index:
                for nearer in self.tiers[:index]:
                    await nearer.set_many(hits, self.default_ttl)
            found.update(hits)
            missing = [full for full, value in zip(missing, values, strict=True) if not value]
        result = {}
        for key in wanted:
            stored = found.get(self._prefix + key)
            if stored is not None:
                result[key] = decode(stored)
        self.stats.hits += len(result)
        self.stats.misses += len(wanted) - len(result)
        return result

    async def set(self, key: str, value: Any, ttl: float | None = None) -> bool:
        """Store ``value`` for ``ttl`` seconds (``default_ttl``); False if a tier was down.

        Raises:
            TypeError: ``value`` is neither JSON-able nor bytes.
        """
        stored, full, seconds = encode(value), self._prefix + key, ttl or self.default_ttl
        ok = True
        for tier in self.tiers:
            ok = (await tier.set(full, stored, seconds) is not False) and ok
        return ok

    async def set_many(self, values: Mapping[str, Any], ttl: float | None = None) -> bool:
        """Store every value; False if a tier was down."""
        items = [(self._prefix + key, encode(value)) for key, value in values.items()]
        ok = True
        for tier in self.tiers:
            ok = (await tier.set_many(items, ttl or self.default_ttl) is not False) and ok
        return ok

    async def add(self, key: str, value: Any, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` has none, in the last (shared) tier: a lock or a
        first-writer-wins marker. False when a value is there, or the server is down.

        .. versionadded:: 0.1
        """
        return bool(
            await self.tiers[-1].add(self._prefix + key, encode(value), ttl or self.default_ttl)
        )

    async def counters(self, keys: Sequence[str]) -> list[int]:
        """The counters ``incr`` made for ``keys``, read from the last tier (0 when absent or
        when the server is down): one round trip, never a nearer tier's stale copy."""
        values = await self.tiers[-1].get_many([self._prefix + key for key in keys])
        counts = []
        for stored in values:
            value = None if stored is None else decode(stored)
            counts.append(value if type(value) is int else 0)
        return counts

    async def delete(self, key: str) -> bool:
        """Remove ``key`` from every tier; whether any tier had it."""
        full = self._prefix + key
        existed = False
        for tier in self.tiers:
            existed = bool(await tier.delete(full)) or existed
        return existed

    async def incr(self, key: str, by: int = 1, ttl: float | None = None) -> int | None:
        """Add ``by`` to the counter ``key`` (created at ``by``, living ``ttl`` seconds from
        then); the new value, or ``None`` when the server is down.

        Raises:
            ValueError: ``key`` holds a value that is not a counter.
        """
        full = self._prefix + key
        for nearer in self.tiers[:-1]:
            await nearer.delete(full)  # NOTE: the count lives in the last, shared tier only
        return await self.tiers[-1].incr(full, by, ttl or self.default_ttl)

    async def health(self, *, required: bool = False) -> list[HealthReport]:
        """One report per tier that is a server (an in-process tier cannot be down)."""
        reports = []
        for index, tier in enumerate(self.tiers):
            if not isinstance(tier, Guard):
                continue
            name = self.name if len(self.tiers) == 1 else f"{self.name}[{index}]"
            start = time.perf_counter()
            error = None
            try:
                await tier.ping()
            except Exception as exc:  # noqa: BLE001 - any failure to answer is "down", described
                error = "no answer in time" if isinstance(exc, TimeoutError) else (
                    f"{type(exc).__name__}: {exc}"
                )
            latency = (time.perf_counter() - start) * 1000
            reports.append(HealthReport(name, tier.kind, error is None, latency, required, error))
        return reports

    async def close(self) -> None:
        for tier in self.tiers:
            await tier.close()

    async def _tiered_get(self, full: str) -> bytes | None:
        for index, tier in enumerate(self.tiers):
            stored = await tier.get(full)
            if stored is not None:
                for nearer in self.tiers[:index]:
                    await nearer.set(full, stored, self.default_ttl)
                return stored
        return None
