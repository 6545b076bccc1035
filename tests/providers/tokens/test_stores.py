"""What each token store does beyond the contract: outages, pruning, selection by URL."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

from covet.config import DatabaseConfig
from covet.errors import ConfigError, ProviderError
from covet.providers.database import DatabaseManager
from covet.providers.tokens import TOKEN_STORES, store_from_url
from covet.providers.tokens.database import DatabaseTokenStore
from covet.providers.tokens.memory import MemoryTokenStore
from covet.providers.tokens.redis import RedisTokenStore
from tests.providers.backends import closed_port, silent_server
from tests.providers.tokens.conftest import database_store, delete_prefix, redis_url


def in_(seconds: float) -> float:
    return time.time() + seconds


# -- selection by URL ----------------------------------------------------------------------


def test_registry_names_every_scheme() -> None:
    assert set(TOKEN_STORES) == {"memory", "redis", "rediss", "database"}


def test_memory_url_gives_the_memory_store() -> None:
    assert isinstance(store_from_url("memory://"), MemoryTokenStore)


async def test_redis_url_gives_the_redis_store() -> None:
    store = store_from_url("redis://127.0.0.1:6379/0")
    assert isinstance(store, RedisTokenStore)
    await store.close()


def test_database_url_names_a_configured_database(tmp_path: Path) -> None:
    manager = DatabaseManager({
        "default": DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"),
        "auth": DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"),
    })
    default = store_from_url("database", databases=manager)
    auth = store_from_url("database:auth", databases=manager)
    assert isinstance(default, DatabaseTokenStore) and default.database == "default"
    assert isinstance(auth, DatabaseTokenStore) and auth.database == "auth"


def test_database_store_without_that_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'sessions'.*declared: none"):
        store_from_url("database:sessions")


def test_unknown_scheme_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="memory://, redis://") as caught:
        store_from_url("memcached://user:hunter2@cache:11211")
    assert "hunter2" not in str(caught.value)


# -- memory ----------------------------------------------------------------------------------


async def test_memory_store_forgets_expired_entries() -> None:
    store = MemoryTokenStore()
    for _ in range(100):
        await store.add(uuid.uuid4().hex, in_(0.2))
    await store.mark_used("kept", "family", in_(60))
    assert len(store) == 101
    await asyncio.sleep(0.3)
    assert not await store.contains("anything")
    assert len(store) == 1


# -- Redis -----------------------------------------------------------------------------------


async def test_redis_outage_is_a_provider_error_at_once() -> None:
    store = RedisTokenStore(f"redis://:s3cret@127.0.0.1:{closed_port()}/0")
    try:
        for call in (store.contains("x"), store.mark_used("x", "f", in_(60)), store.add("x", in_(60))):
            start = time.perf_counter()
            with pytest.raises(ProviderError, match="token store .*unavailable") as caught:
                await call
            assert time.perf_counter() - start < 1.0
            assert "s3cret" not in str(caught.value)
        report = await store.health()
        assert not report.ok and report.error and "s3cret" not in report.error
    finally:
        await store.close()


async def test_silent_redis_is_a_provider_error_within_the_socket_timeout() -> None:
    async with silent_server() as port:
        store = RedisTokenStore(f"redis://127.0.0.1:{port}/0", socket_timeout=0.3)
        try:
            start = time.perf_counter()
            with pytest.raises(ProviderError):
                await store.contains("x")
            assert time.perf_counter() - start < 1.0
        finally:
            await store.close()


async def test_redis_keys_carry_the_tokens_remaining_lifetime() -> None:
    url, prefix = redis_url(), f"covet-test:{uuid.uuid4().hex}:"
    store = RedisTokenStore(url, prefix=prefix)
    client = aioredis.Redis.from_url(url)
    try:
        await store.add("jti-1", in_(300))
        await store.mark_used("jti-2", "fam-1", in_(600))
        await store.revoke_family("fam-1", in_(900))
        assert 298_000 < await client.pttl(f"{prefix}revoked:jti-1") <= 300_000
        assert 598_000 < await client.pttl(f"{prefix}used:jti-2") <= 600_000
        assert 898_000 < await client.pttl(f"{prefix}family:fam-1") <= 900_000
        assert await client.get(f"{prefix}used:jti-2") == b"fam-1"
    finally:
        await client.delete(f"{prefix}revoked:jti-1", f"{prefix}used:jti-2", f"{prefix}family:fam-1")
        await client.aclose()
        await store.close()


async def test_two_processes_worth_of_clients_share_one_winner() -> None:
    url, prefix = redis_url(), f"covet-test:{uuid.uuid4().hex}:"
    first, second = RedisTokenStore(url, prefix=prefix), RedisTokenStore(url, prefix=prefix)
    try:
        results = await asyncio.gather(
            first.mark_used("jti", "fam", in_(60)), second.mark_used("jti", "fam", in_(60))
        )
        assert sorted(results) == [False, True]
        await first.add("revoked", in_(60))
        assert await second.contains("revoked")
    finally:
        await first.close()
        await second.close()
        await delete_prefix(url, prefix)


# -- database --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_database_store_creates_its_table_and_prunes_expired_rows(
    kind: str, tmp_path: Path
) -> None:
    async with database_store(kind, tmp_path) as store:
        await store.add("short", in_(0.2))
        await store.add("long", in_(60))
        await asyncio.sleep(0.3)
        assert not await store.contains("short")  # ignored while still in the table
        assert await store.prune() == 1
        async with store.databases.engine("default").connect() as connection:
            rows = await connection.scalar(select(func.count()).select_from(store.table))
        assert rows == 1
        assert await store.contains("long")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_database_store_opens_on_an_existing_table(kind: str, tmp_path: Path) -> None:
    async with database_store(kind, tmp_path) as store:
        await store.add("kept", in_(60))
        again = DatabaseTokenStore(store.databases, table=store.table.name)
        await again.open()
        assert await again.contains("kept")


async def test_database_outage_is_a_provider_error(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres:s3cret@127.0.0.1:{closed_port()}/test"
    manager = DatabaseManager({"default": DatabaseConfig(url=url, connect_timeout=1)})
    await manager.open()
    store = DatabaseTokenStore(manager)
    try:
        await store.open()  # logged, not raised: the database may come back
        start = time.perf_counter()
        with pytest.raises(ProviderError) as caught:
            await store.contains("x")
        assert time.perf_counter() - start < 1.5
        assert "s3cret" not in str(caught.value)
        assert not (await store.health()).ok
    finally:
        await manager.close()
