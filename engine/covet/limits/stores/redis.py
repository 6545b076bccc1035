"""The Redis store: every worker and machine counts in one place, in one round trip a request.

All windows of a request are checked and counted by one Lua script (``EVALSHA``), so a request
costs one round trip however many windows its policy has, and two processes can never both take
the last unit of a window. Each window is one key, ``<prefix>{<key>}:<seconds>``, an ``INCR``
counter whose TTL is its window (set by the first request): Redis forgets it by itself. The
braces are a Redis Cluster hash tag: all windows of one client land on one shard.

Nothing connects until the first ``hit``; every call (connecting included) is bounded by
``timeout``, and a store that is down, slow or refusing raises
:class:`~covet.errors.ProviderError`; the step decides what that means
(fail open or closed).

PERF: the hits of concurrent requests are sent together: a hit joins a queue, and one
pipeline (``EVALSHA`` per hit, no transaction) carries everything queued since the last one
left, one pipeline in flight at a time. Under load that is one round trip for many requests
instead of one each (redis-py spends ~90 µs of CPU a round trip here: bench/RESULTS-ratelimit.md);
alone, a request still waits for exactly one round trip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from covet.errors import ProviderError
from covet.limits.policy import Rate
from covet.limits.stores import Outcome

__all__ = ["HIT_SCRIPT", "RedisStore"]

HIT_SCRIPT = """
local n = #KEYS
local used = {}
local allowed = 1
for i = 1, n do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then allowed = 0 end
  used[i] = count
end
local out = {allowed}
for i = 1, n do
  local window = tonumber(ARGV[2 * i])
  if allowed == 1 then
    used[i] = redis.call('INCR', KEYS[i])
    if used[i] == 1 then redis.call('PEXPIRE', KEYS[i], window) end
  end
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    if used[i] > 0 then redis.call('PEXPIRE', KEYS[i], window) end
    ttl = window
  end
  out[2 * i] = used[i]
  out[2 * i + 1] = ttl
end
return out
"""
"""KEYS: one counter per window; ARGV: limit and window (ms) of each, in the same order.
Returns ``[allowed, used_1, ttl_ms_1, used_2, ttl_ms_2, ...]``."""


class RedisStore:
    """Counters in Redis, shared by every process that uses the same URL and prefix.

    Args:
        url: ``redis://[:password@]host:port/db`` (``rediss://`` for TLS).
        prefix: put before every key.
        timeout: seconds one ``hit`` may take, connecting included, then ``TimeoutError``.
    """

    __slots__ = (
        "_client", "_flusher", "_inflight", "_loop", "_pending", "_script", "_url", "prefix", "timeout",
    )
    kind = "redis"

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        self._url = url
        self.prefix = prefix
        self.timeout = timeout
        self._client: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._script: Any = None
        self._pending: list[tuple[list[str], list[int], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._inflight: list[asyncio.Future[Any]] = []

    def _connect(self) -> Any:
        # NOTE: a redis.asyncio client belongs to the loop that first used it; a store reused on
        # another loop (one TestClient after another) gets a fresh client there.
        client = aioredis.Redis.from_url(
            self._url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self._client = client
        self._loop = asyncio.get_running_loop()
        self._script = client.register_script(HIT_SCRIPT)
        self._pending = []
        self._flusher = None
        return self._script

    async def hit(self, key: str, windows: Sequence[Rate]) -> Outcome:
        script = self._script
        if script is None or self._loop is not asyncio.get_running_loop():
            script = self._connect()
        base = f"{self.prefix}{{{key}}}:"
        keys = [f"{base}{w.seconds}" for w in windows]
        args: list[int] = []
        for window in windows:
            args += (window.limit, window.seconds * 1000)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((keys, args, future))
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())
        try:
            async with asyncio.timeout(self.timeout):
                reply = await future
        except TimeoutError:
            self._abandon()
            raise ProviderError(f"redis did not answer within {self.timeout * 1000:g} ms") from None
        except (RedisError, OSError) as exc:
            raise ProviderError(f"redis failed: {type(exc).__name__}: {exc}") from None
        return Outcome(
            bool(reply[0]),
            tuple(int(v) for v in reply[1::2]),
            tuple(int(v) / 1000.0 for v in reply[2::2]),
        )

    async def _flush(self) -> None:
        """Send what is queued, one pipeline at a time, until the queue is empty."""
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                batch = [entry for entry in batch if not entry[2].done()]  # timed out meanwhile
                if not batch:
                    continue
                self._inflight = [entry[2] for entry in batch]
                await self._send(batch)
        finally:
            if self._flusher is asyncio.current_task():
                self._flusher = None

    def _abandon(self) -> None:
        """Stop a pipeline whose every waiter gave up: it must not be retried and count later."""
        flusher = self._flusher
        if flusher is not None and all(future.done() for future in self._inflight):
            flusher.cancel()
            self._flusher = None
            self._pending = [entry for entry in self._pending if not entry[2].done()]
            if self._pending:
                self._flusher = asyncio.ensure_future(self._flush())

    async def _send(self, batch: list[tuple[list[str], list[int], asyncio.Future[Any]]]) -> None:
        assert self._client is not None
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for keys, args, _future in batch:
                    await self._script(keys=keys, args=args, client=pipe)  # queues an EVALSHA
                replies = await pipe.execute(raise_on_error=False)
        except (RedisError, OSError, TimeoutError) as exc:
            for _keys, _args, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_keys, _args, future), reply in zip(batch, replies):
            if future.done():
                continue
            if isinstance(reply, BaseException):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def ping(self) -> None:
        """PING within ``timeout`` (raises what the client raised, or ``TimeoutError``)."""
        if self._client is None or self._loop is not asyncio.get_running_loop():
            self._connect()
        assert self._client is not None
        async with asyncio.timeout(self.timeout):
            await self._client.ping()

    async def close(self) -> None:
        client, self._client, self._script = self._client, None, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
