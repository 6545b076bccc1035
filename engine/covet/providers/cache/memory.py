"""``memory://``: an in-process LRU cache with TTLs, bounded by entries and by bytes.

Each process has its own; nothing is shared between workers. A value is stored encoded
(:mod:`covet.providers.cache._values`), so what a handler gets back is a copy, exactly as from
a server, and the byte bound counts what is really held.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence

from covet.providers.cache._values import decode

__all__ = ["MemoryBackend"]

_OVERHEAD = 100
"""Bytes counted per entry besides its key and value (the dict slot, the tuple, the floats)."""


class MemoryBackend:
    """The least recently used entries go first once ``max_entries`` or ``max_bytes`` is reached.

    Args:
        max_entries: at most this many values.
        max_bytes: at most this many bytes of keys, values and per-entry overhead.
    """

    kind = "memory"
    where = "memory://"
    remote = False

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[0]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        size = len(key) + len(value) + _OVERHEAD
        if size > self.max_bytes:
            self._drop(key)  # too big to hold: an older value must not outlive the write
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (value, time.monotonic() + ttl)
        self.bytes += size
        self._evict()

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl: float) -> None:
        for key, value in items:
            await self.set(key, value, ttl)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        entry = self._entries.get(key)
        if entry is not None and entry[1] > time.monotonic():
            return False
        await self.set(key, value, ttl)
        return True

    async def delete(self, key: str) -> bool:
        entry = self._entries.get(key)
        self._drop(key)
        return entry is not None and entry[1] > time.monotonic()

    async def incr(self, key: str, by: int, ttl: float) -> int:
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is None or entry[1] <= now:
            value, expires = by, now + ttl
        else:
            current = decode(entry[0])
            if type(current) is not int:
                raise ValueError(f"cache key {key!r} holds a value, not a counter")
            value, expires = current + by, entry[1]
        stored = str(value).encode()
        self._drop(key)
        self._entries[key] = (stored, expires)
        self.bytes += len(key) + len(stored) + _OVERHEAD
        self._evict()
        return value

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= len(key) + len(entry[0]) + _OVERHEAD

    def _evict(self) -> None:
        entries = self._entries
        while len(entries) > self.max_entries or self.bytes > self.max_bytes:
            key, (value, _) = entries.popitem(last=False)
            self.bytes -= len(key) + len(value) + _OVERHEAD
