"""Shared pieces of the rate-limit tests: the real Redis, a key prefix per test, a TCP proxy.

Redis comes from ``COVET_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); a server that
does not answer skips the test, or fails it when ``CI=true``. Each test gets its own key prefix
and its keys are deleted after. :class:`FaultyProxy` sits between a store and that Redis and
forwards, stalls (accepts, reads, never answers) or drops connections, as the test says.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Literal

import pytest
import redis

from covet.app import CovetApp
from covet.limits.step import Limiter, RateLimitStep
from tests.providers.backends import redis_url

Mode = Literal["forward", "stall", "drop"]


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test uses; every key under it is deleted after the test."""
    url = redis_url()
    prefix = f"covet-test:rl:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def step_of(app: CovetApp, method: str, path: str) -> RateLimitStep:
    """The rate-limit step compiled for ``method path`` (raises if it has none)."""
    matched = app.api.router.match(path)
    if matched is None:
        raise LookupError(path)
    endpoint = matched[0].handlers[method]
    return next(step for step in getattr(endpoint, "steps", ()) if step.kind == "rate_limit")


def limiter_of(app: CovetApp, method: str = "GET", path: str = "/items/1") -> Limiter:
    return step_of(app, method, path).limiter


class FaultyProxy:
    """A TCP proxy to ``target`` owned by the test; ``mode`` decides what new bytes meet."""

    def __init__(self, target: tuple[str, int], mode: Mode = "forward") -> None:
        self.target = target
        self.mode: Mode = mode
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the proxy first")
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    async def start(self) -> FaultyProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        if self.mode == "drop":
            writer.close()
            return
        if self.mode == "stall":
            while await reader.read(65536):
                pass
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if self.mode == "stall":
                    continue
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
