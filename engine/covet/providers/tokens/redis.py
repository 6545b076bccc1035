"""The Redis token store: revocations shared by every worker and machine.

One key per entry, ``<prefix>revoked:<jti>``, ``<prefix>used:<jti>``, ``<prefix>family:<id>``,
each with a TTL of what is left of its token's life, so Redis forgets it by itself.
``mark_used`` is one ``SET NX``: of two refreshes of one token at once, on any two processes,
exactly one wins.

A Redis that cannot answer raises :class:`~covet.errors.ProviderError` (503) within the socket
timeouts: a refused connection at once, a silent server after ``socket_timeout``. A connection
error is retried once, without delay (a pooled connection that Redis closed meanwhile); a
timeout is not retried.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis import exceptions as redis_exc
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from covet.errors import ProviderError
from covet.providers.base import HealthReport

__all__ = ["RedisTokenStore"]

T = TypeVar("T")


class RedisTokenStore:
    """Token revocations in Redis, with TTLs.

    Args:
        url: ``redis://[:password@]host:port/db`` (``rediss://`` for TLS).
        prefix: put before every key; one per app sharing a Redis.
        socket_timeout: seconds one command may take before :class:`ProviderError`.
        connect_timeout: seconds to connect.

    Example:
        >>> store = RedisTokenStore("redis://127.0.0.1:6379/0")
        >>> await store.open()
        >>> await store.mark_used(jti, family, expires_at)   # True once, then False
        True
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "covet:tokens:",
        socket_timeout: float = 1.0,
        connect_timeout: float = 1.0,
    ) -> None:
        self.prefix = prefix
        self._where = _host_of(url)
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=connect_timeout,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis_exc.ConnectionError,)),
            health_check_interval=30,
        )

    async def open(self) -> None:
        """Nothing to do: the pool connects on first use (a Redis down at startup is a 503
        until it answers, not a failed start)."""

    async def close(self) -> None:
        await self._client.aclose()

    async def health(self) -> HealthReport:
        start = time.perf_counter()
        error: str | None = None
        try:
            await self._call(self._client.ping)
        except ProviderError as exc:
            error = str(exc)
        latency = round((time.perf_counter() - start) * 1000, 3)
        return HealthReport(
            name="tokens", kind="token store", ok=error is None, latency_ms=latency, error=error
        )

    async def add(self, jti: str, expires_at: float) -> None:
        ttl = _ttl_ms(expires_at)
        if ttl > 0:
            await self._call(self._client.set, f"{self.prefix}revoked:{jti}", b"1", px=ttl)

    async def contains(self, jti: str) -> bool:
        return bool(await self._call(self._client.exists, f"{self.prefix}revoked:{jti}"))

    async def mark_used(self, jti: str, family: str, expires_at: float) -> bool:
        ttl = max(_ttl_ms(expires_at), 1000)  # NOTE: still atomic for a token at its very end
        won = await self._call(
            self._client.set, f"{self.prefix}used:{jti}", family.encode(), px=ttl, nx=True
        )
        return bool(won)

    async def revoke_family(self, family: str, expires_at: float) -> None:
        ttl = _ttl_ms(expires_at)
        if ttl > 0:
            await self._call(self._client.set, f"{self.prefix}family:{family}", b"1", px=ttl)

    async def family_revoked(self, family: str) -> bool:
        return bool(await self._call(self._client.exists, f"{self.prefix}family:{family}"))

    async def _call(self, command: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        try:
            return await command(*args, **kwargs)
        except (redis_exc.ConnectionError, redis_exc.TimeoutError) as exc:
            raise ProviderError(
                f"the token store (Redis at {self._where}) is unavailable: {type(exc).__name__}"
            ) from exc
        except redis_exc.RedisError as exc:
            raise ProviderError(
                f"the token store (Redis at {self._where}) failed: {type(exc).__name__}"
            ) from exc


def _ttl_ms(expires_at: float) -> int:
    return math.ceil((expires_at - time.time()) * 1000)


def _host_of(url: str) -> str:
    """``host:port/db`` of ``url``, never its password."""
    rest = url.partition("://")[2]
    return rest.partition("?")[0].rpartition("@")[2] or "localhost:6379"
