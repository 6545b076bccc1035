"""Outage and recovery against the real servers, cut off through a TCP proxy the test owns.

While the database is unreachable a request that needs it gets ``ProviderError`` (a 503) within
the configured timeouts, never a hang; once it is back the next request succeeds on the same,
still open provider.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from covet.config import DatabaseConfig
from covet.errors import ProviderError
from covet.providers.database import DatabaseProvider, DatabaseUnavailableError
from tests.providers.backends import Backend, opened, pool_of
from tests.providers.tcp_proxy import TcpProxy
from tests.providers.test_database_app import items_table, serving

FAST = {"connect_timeout": 1.0, "pool_timeout": 1.0, "pool_size": 2, "max_overflow": 0}
WITHIN = 3.0  # seconds: pool_timeout + connect_timeout, plus slack


@asynccontextmanager
async def behind_proxy(backend: Backend) -> AsyncIterator[tuple[DatabaseProvider, TcpProxy]]:
    proxy = TcpProxy(*backend.host_port)
    await proxy.start()
    try:
        async with opened(backend.config(url=backend.via(proxy.port), **FAST)) as provider:
            yield provider, proxy
    finally:
        await proxy.close()


async def select(provider: DatabaseProvider, number: int) -> int:
    """``SELECT number`` in one request; a distinct number each time shows no stale answer."""
    scope = provider.begin("db")
    ok = False
    try:
        session = await scope.enter()
        value = int((await session.execute(text(f"SELECT {number}"))).scalar_one())
        ok = True
        return value
    finally:
        await scope.exit(ok)


async def fails_fast(provider: DatabaseProvider) -> ProviderError:
    start = time.perf_counter()
    with pytest.raises(ProviderError) as caught:
        await select(provider, 0)
    assert time.perf_counter() - start < WITHIN
    return caught.value


async def test_server_down_is_a_fast_provider_error_then_recovers(server_backend_each_ping: Backend) -> None:
    server_backend = server_backend_each_ping
    async with behind_proxy(server_backend) as (provider, proxy):
        assert await select(provider, 11) == 11  # a pooled connection exists

        await proxy.refuse()
        error = await fails_fast(provider)
        assert isinstance(error, DatabaseUnavailableError) and error.database == "default"
        (report,) = await provider.health()
        assert not report.ok

        await proxy.restore()
        assert await select(provider, 12) == 12
        (report,) = await provider.health()
        assert report.ok


async def test_hung_network_is_a_provider_error_within_the_timeouts(
    server_backend: Backend,
) -> None:
    async with behind_proxy(server_backend) as (provider, proxy):
        assert await select(provider, 13) == 13

        proxy.pause()  # connections stay open, nothing answers: no error, only silence
        await fails_fast(provider)
        await fails_fast(provider)  # a new connection's handshake hangs just the same

        await proxy.restore()  # the late bytes arrive; nothing stale may reach a request
        assert await select(provider, 14) == 14


async def test_connection_cut_during_the_handler_is_a_provider_error(
    server_backend_each_ping: Backend,
) -> None:
    server_backend = server_backend_each_ping
    async with behind_proxy(server_backend) as (provider, proxy):
        pool = pool_of(provider)
        scope = provider.begin("db")
        session = await scope.enter()
        await session.execute(text("SELECT 1"))

        proxy.sever()  # the server restarts while the handler works
        start = time.perf_counter()
        with pytest.raises(DatabaseUnavailableError) as caught:
            await session.execute(text("SELECT 1"))
        await scope.exit(ok=False)
        assert time.perf_counter() - start < WITHIN
        assert caught.value.database == "default"
        assert "SELECT" not in str(caught.value)
        assert pool.checkedout() == 0

        assert await select(provider, 15) == 15


async def test_query_on_a_hung_connection_ends_at_the_client_side_limit(
    server_backend_each_ping: Backend,
) -> None:
    server_backend = server_backend_each_ping
    proxy = TcpProxy(*server_backend.host_port)
    await proxy.start()
    # statement_timeout also bounds every query client-side: statement + connect timeouts
    settings = {**FAST, "statement_timeout": 0.5, "connect_timeout": 0.5}
    config = server_backend.config(url=server_backend.via(proxy.port), **settings)
    try:
        async with opened(config) as provider:
            scope = provider.begin("db")
            session = await scope.enter()
            proxy.pause()
            start = time.perf_counter()
            with pytest.raises(Exception) as caught:
                await session.execute(text("SELECT 1"))
            translated = provider.translate(caught.value)
            assert isinstance(translated, DatabaseUnavailableError)
            assert translated.database == "default"
            await scope.exit(ok=False)  # the rollback cannot be answered either: bounded too
            # asyncpg's own cancel request takes up to the same limit again; the rollback 0.5 s
            assert time.perf_counter() - start < 2 * (0.5 + 0.5) + 0.5 + 1

            await proxy.restore()
            assert await select(provider, 21) == 21
    finally:
        await proxy.close()


async def test_request_cancelled_mid_query_leaves_no_connection_behind(
    server_backend_each_ping: Backend,
) -> None:
    server_backend = server_backend_each_ping
    sleep = {"postgresql": "SELECT pg_sleep(3)", "mariadb": "SELECT SLEEP(3)"}[server_backend.name]
    async with opened(server_backend.config(**FAST)) as provider:
        pool = pool_of(provider)
        querying = asyncio.Event()

        async def request() -> None:
            scope = provider.begin("db")
            ok = False
            try:
                session = await scope.enter()
                querying.set()
                await session.execute(text(sleep))  # the client leaves during this query
                ok = True
            finally:
                await scope.exit(ok)

        task = asyncio.create_task(request())
        await querying.wait()
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.perf_counter() - start < WITHIN
        await provider.manager.background.drain(5)
        assert pool.checkedout() == 0
        assert await select(provider, 31) == 31
        assert await select(provider, 32) == 32


async def test_without_pre_ping_a_recycled_connection_on_a_hung_network_is_a_fast_error(
    server_backend: Backend,
) -> None:
    """The checkout stays under its deadline without a ping too: recycling a connection closes
    it and opens another, and on a silent network either can wait without end."""
    proxy = TcpProxy(*server_backend.host_port)
    await proxy.start()
    # No ping, and every idle connection is past pool_recycle: the first statement reconnects.
    settings = {**FAST, "pool_pre_ping": False, "pool_recycle": 0.2}
    config = server_backend.config(url=server_backend.via(proxy.port), **settings)
    try:
        async with opened(config) as provider:
            assert await select(provider, 41) == 41
            await asyncio.sleep(0.3)
            proxy.pause()  # the reconnect's handshake gets no answer
            await fails_fast(provider)
            await proxy.restore()
            assert await select(provider, 42) == 42
    finally:
        await proxy.close()


async def test_database_gone_silent_mid_query_is_a_503_within_the_statement_timeout(
    server_backend: Backend, tmp_path: Path
) -> None:
    """Default settings but a short statement_timeout: the client-side limit (asyncpg
    ``command_timeout``, asyncmy ``read_timeout``: statement_timeout + connect_timeout) ends
    the query, and the connection given up on is dropped at once, not closed politely."""
    statement, connect = 1.0, DatabaseConfig().connect_timeout
    proxy = TcpProxy(*server_backend.host_port)
    await proxy.start()
    try:
        async with items_table(server_backend), serving(
            tmp_path, server_backend.via(proxy.port), statement_timeout=statement
        ) as client:
            assert (await client.get("/items")).status_code == 200
            # the handler queries, waits 0.5 s holding its connection, then queries again
            request = asyncio.create_task(client.get("/items", params={"pause": 0.5}))
            await asyncio.sleep(0.25)
            proxy.pause()
            start = time.perf_counter()
            answer = await request
            elapsed = time.perf_counter() - start
            await proxy.restore()
            back = await client.get("/items")
    finally:
        await proxy.close()
    assert answer.status_code == 503, answer.text
    assert "Database 'default' is unavailable" in answer.json()["detail"]
    assert statement + connect - 0.5 < elapsed < statement + connect + 1.0
    assert back.status_code == 200
