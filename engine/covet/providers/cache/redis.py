"""``redis://``: a cache shared by every worker and machine, on redis-py's asyncio client.

Values are plain Redis strings with a TTL (``SET key value PX ms``); ``get_many`` is one
``MGET``, ``set_many`` one pipeline, ``incr`` one ``INCRBY`` with ``EXPIRE ... NX`` in a
transaction (the TTL starts with the counter). The pool connects on first use, so a Redis
that is down at startup is a cache that misses until it answers, not a failed start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from covet.providers.cache.settings import redact

__all__ = ["RedisBackend"]


class RedisBackend:
    """Args:
    url: ``redis://[:password@]host:port/db``, ``rediss://`` (TLS) or ``unix://``.
    timeout: seconds one command may take, connecting included.
    """

    kind = "redis"
    remote = True

    def __init__(self, url: str, timeout: float = 0.1) -> None:
        self.where = redact(url)
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry_on_timeout=False,
            health_check_interval=30,
        )

    async def get(self, key: str) -> bytes | None:
        value = await self._client.get(key)
        return value  # type: ignore[return-value]  # NOTE: bytes: the client never decodes

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        values = await self._client.mget(keys)
        return values  # type: ignore[return-value]  # NOTE: bytes: the client never decodes

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._client.set(key, value, px=_milliseconds(ttl))

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl: float) -> None:
        milliseconds = _milliseconds(ttl)
        async with self._client.pipeline(transaction=False) as pipe:
            for key, value in items:
                pipe.set(key, value, px=milliseconds)
            await pipe.execute()

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(await self._client.set(key, value, px=_milliseconds(ttl), nx=True))

    async def delete(self, key: str) -> bool:
        return bool(await self._client.delete(key))

    async def incr(self, key: str, by: int, ttl: float) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(key, by)
            pipe.pexpire(key, _milliseconds(ttl), nx=True)
            try:
                value, _ = await pipe.execute()
            except ResponseError as exc:  # "value is not an integer or out of range"
                raise ValueError(f"cache key {key!r} holds a value, not a counter") from exc
        return int(value)

    async def ping(self) -> None:
        await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()


def _milliseconds(ttl: float) -> int:
    return max(1, math.ceil(ttl * 1000))
