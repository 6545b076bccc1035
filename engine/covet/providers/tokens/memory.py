"""The in-process token store: the default, for one worker.

NOTE: state lives in this process: a token revoked here is still accepted by another worker or
machine, and a restart forgets every revocation. Use ``redis://`` or ``database`` as soon as
there is more than one process (DESIGN.md §8).
"""

from __future__ import annotations

import heapq
import time

from covet.providers.base import HealthReport

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Revocations in dictionaries, each entry dropped once its token has expired.

    Every operation first prunes what has expired, from a heap ordered by expiry, so memory
    follows the number of live tokens, not the number ever revoked.

    Example:
        >>> store = MemoryTokenStore()
        >>> await store.add("3f2a...", expires_at=time.time() + 900)
        >>> await store.contains("3f2a...")
        True
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], float] = {}
        self._expiries: list[tuple[float, str, str]] = []

    def __len__(self) -> int:
        return len(self._entries)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
        self._expiries.clear()

    async def health(self) -> HealthReport:
        return HealthReport(name="tokens", kind="token store", ok=True, latency_ms=0.0)

    async def add(self, jti: str, expires_at: float) -> None:
        self._put("revoked", jti, expires_at)

    async def contains(self, jti: str) -> bool:
        return self._live("revoked", jti)

    async def mark_used(self, jti: str, family: str, expires_at: float) -> bool:
        # NOTE: no await between the check and the write: atomic on the event loop.
        if self._live("used", jti):
            return False
        self._put("used", jti, max(expires_at, time.time() + 1.0))
        return True

    async def revoke_family(self, family: str, expires_at: float) -> None:
        self._put("family", family, expires_at)

    async def family_revoked(self, family: str) -> bool:
        return self._live("family", family)

    def _put(self, kind: str, key: str, expires_at: float) -> None:
        now = time.time()
        self._prune(now)
        if expires_at <= now:
            return  # the token is dead already: nothing to remember
        entry = (kind, key)
        if self._entries.get(entry, 0.0) >= expires_at:
            return
        self._entries[entry] = expires_at
        heapq.heappush(self._expiries, (expires_at, kind, key))

    def _live(self, kind: str, key: str) -> bool:
        now = time.time()
        self._prune(now)
        return self._entries.get((kind, key), 0.0) > now

    def _prune(self, now: float) -> None:
        expiries, entries = self._expiries, self._entries
        while expiries and expiries[0][0] <= now:
            expires_at, kind, key = heapq.heappop(expiries)
            if entries.get((kind, key)) == expires_at:  # not extended since
                del entries[(kind, key)]
