"""``memcached://host:port``: a cache shared by every worker, on aiomcache.

Memcached keys are at most 250 bytes of printable ASCII without spaces: a longer key, or one
with other characters, is stored under ``namespace:#`` and the SHA-256 of the key. TTLs are
whole seconds (rounded up); one longer than 30 days is sent as a Unix time, as Memcached
requires. ``incr`` is ``incr``, or ``add`` when the counter does not exist yet (and ``incr``
again when another process added it first). aiomcache has no timeouts of its own: the guard
around every backend bounds each call (:mod:`covet.providers.cache._guard`).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

import aiomcache
from aiomcache.exceptions import ClientException

__all__ = ["MemcachedBackend", "memcached_key"]

_MAX_KEY = 250
_THIRTY_DAYS = 30 * 24 * 3600


class MemcachedBackend:
    """Args:
    url: ``memcached://host:port`` (port 11211 by default).
    pool_size: connections at most.
    """

    kind = "memcached"
    remote = True

    def __init__(self, url: str, pool_size: int = 8) -> None:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 11211
        self.where = f"memcached://{host}:{port}"
        self._client = aiomcache.Client(host, port, pool_size=pool_size)

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._client.get(memcached_key(key))
        return value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._client.multi_get(*(memcached_key(key) for key in keys))
        return list(values)

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._client.set(memcached_key(key), value, exptime=_exptime(ttl))

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl: float) -> None:
        exptime = _exptime(ttl)
        for key, value in items:
            await self._client.set(memcached_key(key), value, exptime=exptime)

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(await self._client.add(memcached_key(key), value, exptime=_exptime(ttl)))

    async def delete(self, key: str) -> bool:
        return bool(await self._client.delete(memcached_key(key)))

    async def incr(self, key: str, by: int, ttl: float) -> int:
        name = memcached_key(key)
        if by < 0:
            raise ValueError("Memcached counters only go up: incr by a positive number")
        for _ in range(2):
            try:
                value = await self._client.incr(name, by)
            except ClientException as exc:
                if "NOT_FOUND" not in str(exc):  # NOTE: aiomcache puts the reply in the message
                    raise ValueError(f"cache key {key!r} holds a value, not a counter") from exc
            else:
                if value is not None:
                    return int(value)
            if await self._client.add(name, str(by).encode(), exptime=_exptime(ttl)):
                return by
        raise RuntimeError(f"memcached counter {key!r} could not be created or incremented")

    async def ping(self) -> None:
        await self._client.version()

    async def close(self) -> None:
        await self._client.close()


def memcached_key(key: str) -> bytes:
    """``key`` as Memcached accepts it (hashed when too long or not printable ASCII)."""
    raw = key.encode("utf-8")
    if len(raw) <= _MAX_KEY and all(0x21 <= byte <= 0x7E for byte in raw):
        return raw
    namespace = key.split(":", 1)[0][:64]
    return f"{namespace}:#{hashlib.sha256(raw).hexdigest()}".encode()


def _exptime(ttl: float) -> int:
    seconds = max(1, math.ceil(ttl))
    return seconds if seconds <= _THIRTY_DAYS else int(time.time()) + seconds
