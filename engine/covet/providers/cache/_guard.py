"""A cache server that fails is a miss, never an error: :class:`Guard` around each remote tier.

Every call is bounded by ``timeout`` (connecting included). A call that times out or fails
(refused, reset, a server error) makes a read miss and a write be skipped; it is counted, and
logged as a warning at most once per ``warn_interval``. For ``cooldown`` seconds after a failure
the server is not asked at all, so while it is down each request loses microseconds, not the
timeout. Misuse (``incr`` on a key that holds a value) is not an outage: it raises.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

__all__ = ["Backend", "Guard", "TierStats"]

logger = logging.getLogger("covet.cache")

R = TypeVar("R")
F = TypeVar("F")
_FAILED: Any = object()


class Backend(Protocol):
    """What a cache backend does with encoded values under full (namespaced) keys."""

    kind: str
    where: str
    remote: bool

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl: float) -> None: ...

    async def add(self, key: str, value: bytes, ttl: float) -> bool: ...

    async def delete(self, key: str) -> bool: ...

    async def incr(self, key: str, by: int, ttl: float) -> int: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class TierStats:
    """What one tier has done since the app started."""

    failures: int = 0
    """Calls that timed out or failed."""
    skipped: int = 0
    """Calls not made because the tier was cooling down after a failure."""
    last_error: str | None = None
    """The latest failure, ``Type: message`` (never a password: the URL is not in it)."""
    down_until: float = field(default=0.0, repr=False)


class Guard:
    """Runs each call of ``backend`` within ``timeout``; a failure is a miss.

    Args:
        backend: a remote backend (Redis, Memcached).
        cache: the cache's name, for the log.
        timeout: seconds one call may take.
        cooldown: seconds not to call again after a failure.
        warn_interval: seconds between two warnings.
    """

    __slots__ = ("_last_warning", "backend", "cache", "cooldown", "stats", "timeout", "warn_interval")

    def __init__(
        self, backend: Backend, cache: str, *, timeout: float, cooldown: float,
        warn_interval: float,
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.timeout = timeout
        self.cooldown = cooldown
        self.warn_interval = warn_interval
        self.stats = TierStats()
        self._last_warning = -1e18

    @property
    def kind(self) -> str:
        return self.backend.kind

    @property
    def where(self) -> str:
        return self.backend.where

    async def get(self, key: str) -> bytes | None:
        return await self._call(self.backend.get, None, key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        found: list[bytes | None] | None = await self._call(self.backend.get_many, None, keys)
        return [None] * len(keys) if found is None else found

    async def set(self, key: str, value: bytes, ttl: float) -> bool:
        return await self._call(self.backend.set, _FAILED, key, value, ttl) is not _FAILED

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl: float) -> bool:
        return await self._call(self.backend.set_many, _FAILED, items, ttl) is not _FAILED

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Store only if absent; False when present or when the tier could not be asked."""
        return bool(await self._call(self.backend.add, False, key, value, ttl))

    async def delete(self, key: str) -> bool | None:
        """Whether the key existed; ``None`` when the tier could not be asked."""
        return await self._call(self.backend.delete, None, key)

    async def incr(self, key: str, by: int, ttl: float) -> int | None:
        return await self._call(self.backend.incr, None, key, by, ttl)

    async def ping(self) -> None:
        """Ask the server, within the timeout (raises what the call raised)."""
        async with asyncio.timeout(self.timeout):
            await self.backend.ping()

    async def close(self) -> None:
        await self.backend.close()

    async def _call(self, method: Callable[..., Awaitable[R]], failed: F, *args: Any) -> R | F:
        stats = self.stats
        if stats.down_until and time.monotonic() < stats.down_until:
            stats.skipped += 1
            return failed
        try:
            async with asyncio.timeout(self.timeout):
                result = await method(*args)
        except (ValueError, TypeError):
            raise  # misuse, not an outage
        except Exception as exc:  # noqa: BLE001 - an outage, whatever the client raised
            self._failed(exc)
            return failed
        stats.down_until = 0.0
        return result

    def _failed(self, exc: BaseException) -> None:
        stats = self.stats
        stats.failures += 1
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = f"no answer within {self.timeout * 1000:g} ms"
        stats.last_error = reason
        now = time.monotonic()
        stats.down_until = now + self.cooldown
        if now - self._last_warning >= self.warn_interval:
            self._last_warning = now
            logger.warning(
                "cache %r: %s at %s is failing (%s); reads miss and writes are skipped until it "
                "answers (%d failures so far)",
                self.cache, self.backend.kind, self.backend.where, reason, stats.failures,
            )

