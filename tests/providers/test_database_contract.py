"""The database provider's contract, run against SQLite, PostgreSQL and MariaDB alike.

Each test plays the endpoint's part: ``begin`` a scope, ``enter`` it for the handler's session,
then ``exit(ok)`` once the response is known.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from covet.errors import ProviderError
from covet.providers import Provider
from covet.providers.database import DatabaseProvider, DatabaseUnavailableError
from tests.providers.backends import Backend, backend, models, opened, pool_of


async def count(provider: DatabaseProvider, model: type[Any]) -> int:
    scope = provider.begin("db")
    session = await scope.enter()
    total = (await session.execute(select(func.count()).select_from(model))).scalar_one()
    await scope.exit(ok=True)
    return int(total)



@pytest.fixture
def any_backend(any_backend_each_ping: Backend) -> Backend:
    """Every contract holds with ``pool_pre_ping`` on and off (when off, an idle pooled
    connection is not checked out until the first statement)."""
    return any_backend_each_ping

async def test_provider_satisfies_the_provider_protocol(any_backend: Backend) -> None:
    async with opened(any_backend.config()) as provider:
        assert isinstance(provider, Provider)
        assert list(provider.names) == ["db"]


async def test_crud_through_a_session_scope(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        assert isinstance(session, AsyncSession)
        session.add(item(slug="a", name="first"))
        await scope.exit(ok=True)

        scope = provider.begin("db")
        session = await scope.enter()
        found = (await session.scalars(select(item).where(item.slug == "a"))).one()
        found.name = "renamed"
        await scope.exit(ok=True)

        scope = provider.begin("db")
        session = await scope.enter()
        found = (await session.scalars(select(item))).one()
        assert found.name == "renamed"
        await session.delete(found)
        await scope.exit(ok=True)
        assert await count(provider, item) == 0


async def test_exit_ok_commits(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        (await scope.enter()).add(item(slug="kept", name="kept"))
        await scope.exit(ok=True)
        assert await count(provider, item) == 1


async def test_exit_not_ok_rolls_back(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        session.add(item(slug="gone", name="gone"))
        await session.flush()  # the row reached the database, inside the transaction
        await scope.exit(ok=False)
        assert await count(provider, item) == 0


async def test_handler_exception_rolls_back(any_backend: Backend) -> None:
    base, _, item = models()

    async def handler(db: AsyncSession) -> None:
        db.add(item(slug="x", name="x"))
        await db.flush()
        raise RuntimeError("handler bug")

    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        ok = False
        try:
            await handler(await scope.enter())
            ok = True
        except RuntimeError:
            pass
        finally:
            await scope.exit(ok)
        assert await count(provider, item) == 0


async def test_explicit_commit_in_handler_survives_exit_not_ok(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        session.add(item(slug="committed", name="committed"))
        await session.commit()
        session.add(item(slug="after", name="after commit"))  # the handler keeps working
        await session.flush()
        await scope.exit(ok=False)

        scope = provider.begin("db")
        session = await scope.enter()
        assert list(await session.scalars(select(item.slug))) == ["committed"]
        await scope.exit(ok=True)


async def test_work_after_explicit_commit_is_committed_on_exit_ok(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        session.add(item(slug="one", name="one"))
        await session.commit()
        session.add(item(slug="two", name="two"))
        await scope.exit(ok=True)
        assert await count(provider, item) == 2


async def test_connection_returned_when_the_request_task_is_cancelled(
    any_backend: Backend,
) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        pool = pool_of(provider)
        entered = asyncio.Event()

        async def request() -> None:
            scope = provider.begin("db")
            ok = False
            try:
                session = await scope.enter()
                session.add(item(slug="half", name="half done"))
                await session.flush()
                entered.set()
                await asyncio.sleep(30)  # the client goes away while the handler waits
                ok = True
            finally:
                await scope.exit(ok)

        task = asyncio.create_task(request())
        await entered.wait()
        assert pool.checkedout() == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pool.checkedout() == 0
        assert await count(provider, item) == 0


async def test_connection_returned_when_exit_itself_is_cancelled(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        pool = pool_of(provider)
        scope = provider.begin("db")
        (await scope.enter()).add(item(slug="ok", name="finished anyway"))

        exiting = asyncio.create_task(scope.exit(ok=True))
        await asyncio.sleep(0)  # exit has started its finishing task
        exiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await exiting
        await wait_until(lambda: pool.checkedout() == 0)
        assert await count(provider, item) == 1


async def test_two_hundred_concurrent_scopes_share_a_pool_of_twenty(any_backend: Backend) -> None:
    config = any_backend.config(pool_size=20, max_overflow=0, pool_timeout=30)
    async with opened(config) as provider:
        pool = pool_of(provider)
        in_use = peak = 0
        pool_full = asyncio.Event()

        async def request() -> None:
            nonlocal in_use, peak
            scope = provider.begin("db")
            session = await scope.enter()
            try:
                assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
                in_use += 1  # from here on the request surely holds a connection
                peak = max(peak, in_use, pool.checkedout())
                if in_use == 20:
                    pool_full.set()
                # The first twenty hold their connections until all twenty are out at
                # once: the pool really lends twenty, and never a twenty-first.
                await asyncio.wait_for(pool_full.wait(), timeout=10)
                in_use -= 1
            finally:
                await scope.exit(ok=True)

        await asyncio.gather(*(request() for _ in range(200)))
        assert peak == 20
        assert pool.checkedout() == 0
        assert pool.checkedin() == 20


async def test_on_sqlite_the_first_statement_takes_an_idle_connection(tmp_path: Path) -> None:
    async with opened(backend("sqlite", tmp_path).config()) as provider:
        pool = pool_of(provider)
        await warm_up(provider)  # one idle connection in the pool now
        scope = provider.begin("db")
        session = await scope.enter()
        assert pool.checkedout() == 0  # nothing could wait on a network: no checkout yet
        await session.execute(text("SELECT 1"))
        assert pool.checkedout() == 1
        await scope.exit(ok=True)
        assert pool.checkedout() == 0


async def test_on_a_server_enter_checks_out_with_or_without_pre_ping(
    server_backend_each_ping: Backend,
) -> None:
    async with opened(server_backend_each_ping.config()) as provider:
        pool = pool_of(provider)
        await warm_up(provider)  # an idle connection: it may still need a ping or a recycle
        scope = provider.begin("db")
        await scope.enter()  # under the checkout deadline
        assert pool.checkedout() == 1
        await scope.exit(ok=True)
        assert pool.checkedout() == 0


async def test_on_sqlite_enter_checks_out_when_no_connection_is_idle(tmp_path: Path) -> None:
    async with opened(backend("sqlite", tmp_path).config()) as provider:
        pool = pool_of(provider)
        holder = provider.begin("db")
        await (await holder.enter()).execute(text("SELECT 1"))  # takes the idle connection
        scope = provider.begin("db")
        await scope.enter()  # none idle: a new connection, under the checkout deadline
        assert pool.checkedout() == 2
        await scope.exit(ok=True)
        await holder.exit(ok=True)
        assert pool.checkedout() == 0


async def warm_up(provider: DatabaseProvider) -> None:
    scope = provider.begin("db")
    await (await scope.enter()).execute(text("SELECT 1"))
    await scope.exit(ok=True)


async def test_health_reports_ok_with_latency(any_backend: Backend) -> None:
    async with opened(any_backend.config()) as provider:
        (report,) = await provider.health()
        assert (report.name, report.kind, report.ok, report.error) == (
            "default", "database", True, None,
        )
        assert 0 < report.latency_ms < 5000


async def test_unreachable_database_fails_fast_with_provider_error(
    any_backend: Backend, tmp_path: Path
) -> None:
    url = any_backend.unreachable_url(tmp_path)
    config = any_backend.config(url=url, connect_timeout=1, pool_timeout=1)
    async with opened(config) as provider:  # opening does not fail: the app starts
        start = time.perf_counter()
        with pytest.raises(ProviderError) as caught:
            await provider.begin("db").enter()
        assert time.perf_counter() - start < 3
        assert isinstance(caught.value, DatabaseUnavailableError)
        cause = caught.value.__cause__
        assert cause is not None and cause is not caught.value  # the driver's error, for logs
        assert "'default'" in str(caught.value)
        assert "s3cret" not in str(caught.value)
        (report,) = await provider.health()
        assert not report.ok
        assert report.error is not None and "'default'" in report.error
        assert "s3cret" not in report.error
        assert pool_of(provider).checkedout() == 0


async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
