"""The in-process store: counters in a dict, forgotten when their window ends.

Each process counts alone (N workers allow N times the limit); use ``redis://`` to share.
Expired counters leave through a heap ordered by expiry, so memory follows the clients seen in
the longest window, not every client ever seen.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence

from covet.limits.policy import Rate
from covet.limits.stores import Outcome

__all__ = ["MemoryStore"]


class MemoryStore:
    """Fixed windows from each key's first request, in this process only.

    Args:
        clock: seconds, monotonic (tests pass a fake one).
    """

    __slots__ = ("_clock", "_counters", "_expiry")
    kind = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counters: dict[tuple[str, int], list[float]] = {}
        self._expiry: list[tuple[float, tuple[str, int]]] = []

    async def ping(self) -> None:
        return None  # in this process: it cannot be down

    def __len__(self) -> int:
        return len(self._counters)

    async def hit(self, key: str, windows: Sequence[Rate]) -> Outcome:
        return self.hit_now(key, windows)

    def hit_now(self, key: str, windows: Sequence[Rate]) -> Outcome:
        """``hit`` without the coroutine: nothing here waits."""
        now = self._clock()
        self._forget_expired(now)
        counters = self._counters
        entries = []
        allowed = True
        for window in windows:
            slot = (key, window.seconds)
            entry = counters.get(slot)
            if entry is None or entry[1] <= now:
                entry = [0, now + window.seconds]
                counters[slot] = entry
                heapq.heappush(self._expiry, (entry[1], slot))
            if entry[0] >= window.limit:
                allowed = False
            entries.append(entry)
        if allowed:
            for entry in entries:
                entry[0] += 1
        return Outcome(
            allowed, tuple(int(e[0]) for e in entries), tuple(e[1] - now for e in entries)
        )

    def _forget_expired(self, now: float) -> None:
        expiry, counters = self._expiry, self._counters
        while expiry and expiry[0][0] <= now:
            expires_at, slot = heapq.heappop(expiry)
            entry = counters.get(slot)
            if entry is not None and entry[1] == expires_at:
                del counters[slot]

    async def close(self) -> None:
        self._counters.clear()
        self._expiry.clear()
