"""Engines from config: URLs, driver timeouts, statement timeouts, SQLite's pool and pragmas."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from covet.config import DatabaseConfig
from covet.errors import ConfigError
from covet.providers.database import DatabaseUnavailableError
from covet.providers.database._engine import (
    _AsyncpgPing,
    build_engine,
    connect_args,
    database_url,
    is_sqlite_memory,
)
from tests.providers.backends import Backend, backend, opened, pool_of


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("mysql://u@h/db", "mysql+asyncmy"),
        ("mariadb://u@h/db", "mariadb+asyncmy"),
        ("sqlite:///x.db", "sqlite+aiosqlite"),
        ("mysql+aiomysql://u@h/db", "mysql+aiomysql"),
    ],
)
def test_url_without_a_driver_gets_the_async_one(raw: str, driver: str) -> None:
    assert database_url("default", raw).drivername == driver


def test_unparseable_url_is_a_config_error_naming_the_database() -> None:
    with pytest.raises(ConfigError) as caught:
        build_engine("analytics", DatabaseConfig(url="not a url"))
    assert "providers.database.analytics.url" in str(caught.value)
    assert caught.value.pointer == "/providers/database/analytics/url"


def test_sync_driver_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="async driver"):
        build_engine("default", DatabaseConfig(url="sqlite+pysqlite:///x.db"))


def test_missing_driver_is_a_config_error_saying_what_to_install() -> None:
    with pytest.raises(ConfigError, match="pip install"):
        build_engine("default", DatabaseConfig(url="postgresql+psycopg2://u@h/db"))


async def test_pool_settings_reach_the_pool() -> None:
    config = DatabaseConfig(
        url="postgresql+asyncpg://u@127.0.0.1/db",
        pool_size=7,
        max_overflow=3,
        pool_timeout=2.5,
        pool_recycle=600,
        pool_pre_ping=False,
    )
    engine = build_engine("default", config)
    pool: Any = engine.sync_engine.pool
    try:
        assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 3, 2.5)
        assert (pool._recycle, pool._pre_ping) == (600, False)
    finally:
        await engine.dispose()


def test_driver_timeouts_are_passed_in_each_drivers_terms() -> None:
    config = DatabaseConfig(connect_timeout=2, statement_timeout=1.5)
    pg = connect_args(database_url("d", "postgresql://u@h/db"), config)
    assert pg == {
        "timeout": 2,
        "server_settings": {"statement_timeout": "1500"},
        "command_timeout": 3.5,
    }
    assert connect_args(database_url("d", "mysql://u@h/db"), config) == {
        "connect_timeout": 2,
        "read_timeout": 3.5,
    }
    assert connect_args(database_url("d", "mysql+aiomysql://u@h/db"), config) == {
        "connect_timeout": 2,
    }
    assert connect_args(database_url("d", "sqlite:///x.db"), config) == {"timeout": 2}


def test_no_statement_timeout_means_no_client_side_limit_either() -> None:
    config = DatabaseConfig(statement_timeout=None)
    assert connect_args(database_url("d", "postgresql://u@h/db"), config) == {"timeout": 5.0}
    assert connect_args(database_url("d", "mysql://u@h/db"), config) == {"connect_timeout": 5.0}


def test_by_default_statements_are_limited_on_the_server_and_the_client() -> None:
    config = DatabaseConfig()  # statement_timeout 30 s, connect_timeout 5 s
    pg = connect_args(database_url("d", "postgresql://u@h/db"), config)
    assert pg["server_settings"] == {"statement_timeout": "30000"}
    assert pg["command_timeout"] == 35.0
    assert connect_args(database_url("d", "mysql://u@h/db"), config)["read_timeout"] == 35.0
    # SQLite: no network to go silent; sqlite3's busy timeout is connect_timeout
    assert connect_args(database_url("d", "sqlite:///x.db"), config) == {"timeout": 5.0}


async def test_default_statement_timeout_is_set_on_every_session(server_backend: Backend) -> None:
    show = {
        "postgresql": "SHOW statement_timeout",
        "mariadb": "SELECT @@max_statement_time",
    }[server_backend.name]
    async with (
        opened(server_backend.config()) as provider,
        provider.manager.engine("default").connect() as connection,
    ):
        value = (await connection.execute(text(show))).scalar_one()
    assert str(value) in ("30s", "30.0")


@pytest.mark.parametrize(
    "raw", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"]
)
def test_sqlite_memory_urls_are_recognised(raw: str) -> None:
    assert is_sqlite_memory(database_url("d", raw))


async def test_sqlite_memory_database_lives_in_its_one_connection() -> None:
    async with opened(DatabaseConfig(url="sqlite+aiosqlite://", pool_size=10)) as provider:
        pool = pool_of(provider)
        assert pool.size() == 1
        for statement in ("CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (7)"):
            scope = provider.begin("db")
            await (await scope.enter()).execute(text(statement))
            await scope.exit(ok=True)
        scope = provider.begin("db")
        assert (await (await scope.enter()).execute(text("SELECT x FROM t"))).scalar_one() == 7
        await scope.exit(ok=True)


async def test_sqlite_file_uses_wal_and_enforces_foreign_keys(tmp_path: Path) -> None:
    async with (
        opened(backend("sqlite", tmp_path).config()) as provider,
        provider.manager.engine("default").connect() as connection,
    ):
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1


async def test_statement_timeout_is_set_on_every_session(server_backend: Backend) -> None:
    show = {
        "postgresql": "SHOW statement_timeout",
        "mariadb": "SELECT @@max_statement_time",
    }[server_backend.name]
    async with (
        opened(server_backend.config(statement_timeout=0.5)) as provider,
        provider.manager.engine("default").connect() as connection,
    ):
        value = (await connection.execute(text(show))).scalar_one()
    assert str(value) in ("500ms", "0.5", "0.500000")


async def test_statement_over_the_timeout_is_a_provider_error(server_backend: Backend) -> None:
    sleep = {"postgresql": "SELECT pg_sleep(5)", "mariadb": "SELECT SLEEP(5)"}[server_backend.name]
    async with opened(server_backend.config(statement_timeout=0.5)) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        start = time.perf_counter()
        with pytest.raises(DatabaseUnavailableError, match="statement timed out"):
            await session.execute(text(sleep))
        assert time.perf_counter() - start < 3
        await scope.exit(ok=False)


def test_who_pings_on_checkout() -> None:
    def pings(url: str, **settings: Any) -> tuple[bool, bool]:
        """(SQLAlchemy's pre-ping on, CovetPy's asyncpg ping installed)."""
        pool = build_engine("default", DatabaseConfig(url=url, **settings)).sync_engine.pool
        ours = any(isinstance(listener, _AsyncpgPing) for listener in pool.dispatch.checkout)
        return pool._pre_ping, ours

    # asyncpg: CovetPy's one-round-trip ping instead of SQLAlchemy's three
    assert pings("postgresql+asyncpg://u@h/db") == (False, True)
    assert pings("postgresql+asyncpg://u@h/db", pool_pre_ping=False) == (False, False)
    assert pings("mysql+asyncmy://u@h/db") == (True, False)  # COM_PING: one round trip
    # a SQLite file is no connection a server or a network can drop
    assert pings("sqlite+aiosqlite:///x.db") == (False, False)


async def test_a_pooled_postgresql_connection_the_server_killed_is_replaced_unseen(
    tmp_path: Path,
) -> None:
    postgresql = backend("postgresql", tmp_path)
    async with opened(postgresql.config(pool_size=1, max_overflow=0)) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await scope.exit(ok=True)
        killer = create_async_engine(postgresql.url)  # outside the provider's pool
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await killer.dispose()

        queries: list[str] = []
        scope = provider.begin("db")
        session = await scope.enter()  # the ping finds it dead: a new connection, no error
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        driver.add_query_logger(lambda logged: queries.append(logged.query))
        new_pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await scope.exit(ok=True)
        assert new_pid != pid

        before = len(queries)
        scope = provider.begin("db")
        await scope.enter()  # the same connection again, pinged in one round trip
        await scope.exit(ok=True)
    assert queries[before:] == ["SELECT 1"]  # no BEGIN ... ROLLBACK around it
