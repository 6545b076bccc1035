"""``store``: each token-store test runs on memory, Redis, a SQLite file and PostgreSQL.

Redis comes from ``COVET_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); every test
gets its own key prefix and deletes its keys after. Each database test gets its own table,
dropped after. A server that does not answer skips, or fails when ``CI=true``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from covet.providers.database import DatabaseManager
from covet.providers.tokens import TokenStore
from covet.providers.tokens.database import DatabaseTokenStore
from covet.providers.tokens.memory import MemoryTokenStore
from covet.providers.tokens.redis import RedisTokenStore
from tests.providers.backends import backend, redis_url

STORES = ("memory", "redis", "sqlite", "postgresql")


async def delete_prefix(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TokenStore]:
    """An open store of each kind, empty, removed after the test."""
    kind: str = request.param
    if kind == "memory":
        memory = MemoryTokenStore()
        await memory.open()
        yield memory
        await memory.close()
    elif kind == "redis":
        url, prefix = redis_url(), f"covet-test:{uuid.uuid4().hex}:"
        shared = RedisTokenStore(url, prefix=prefix)
        await shared.open()
        try:
            yield shared
        finally:
            await shared.close()
            await delete_prefix(url, prefix)
    else:
        async with database_store(kind, tmp_path) as table_store:
            yield table_store


@asynccontextmanager
async def database_store(kind: str, tmp_path: Path) -> AsyncIterator[DatabaseTokenStore]:
    """``async with database_store("postgresql", tmp_path) as store``: a fresh table."""
    manager = DatabaseManager({"default": backend(kind, tmp_path).config()})
    store = DatabaseTokenStore(manager, table=f"covet_tokens_{uuid.uuid4().hex[:10]}")
    await manager.open()
    try:
        await store.open()
        yield store
    finally:
        try:
            async with manager.engine("default").begin() as connection:
                await connection.run_sync(store.table.drop, checkfirst=True)
        finally:
            await store.close()
            await manager.close()
