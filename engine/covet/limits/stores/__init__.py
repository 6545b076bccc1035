"""Counter stores behind one contract: ``memory://`` (per process) and ``redis://`` (shared).

    class RateLimitStore(Protocol):
        async hit(key, windows) -> Outcome   # count one request in every window, if all have room
        async close()

A store counts fixed windows that start at a key's first request (not at clock boundaries, so
two bursts cannot straddle one boundary): ``Outcome.allowed`` is whether every window had room,
in which case the request was counted in each; a refused request counts in none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from covet.limits.policy import Rate

__all__ = ["Outcome", "RateLimitStore", "open_store"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one ``hit`` found, window by window (in the order given)."""

    allowed: bool
    used: tuple[int, ...]
    """Requests counted in each window, this one included when allowed."""
    reset: tuple[float, ...]
    """Seconds until each window starts afresh."""


class RateLimitStore(Protocol):
    kind: str
    """``memory`` or ``redis``: how ``/health`` names it."""

    async def hit(self, key: str, windows: Sequence[Rate]) -> Outcome: ...

    async def ping(self) -> None:
        """Raise when the store cannot answer (``/health/ready``)."""

    async def close(self) -> None: ...


def open_store(url: str, *, prefix: str, timeout: float) -> RateLimitStore:
    """The store ``url`` names; nothing connects until the first ``hit``."""
    if url.startswith("memory://"):
        from covet.limits.stores.memory import MemoryStore

        return MemoryStore()
    # NOTE: imported on demand: redis-py is only loaded by apps that count in Redis.
    from covet.limits.stores.redis import RedisStore

    return RedisStore(url, prefix=prefix, timeout=timeout)
