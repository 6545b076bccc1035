"""DatabaseProvider: parameter names, several databases, and what ``translate`` turns into a 503."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from covet.config import DatabaseConfig
from covet.errors import (
    ConfigError,
    HTTPError,
    ProviderError,
    RequestValidationError,
    UsageError,
)
from covet.providers.database import DatabaseProvider, DatabaseUnavailableError
from tests.providers.backends import Backend, models, opened, pool_of


def sqlite(tmp_path: Path, name: str = "covet") -> DatabaseConfig:
    return DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / name}.db")


def test_default_is_injected_as_db_and_the_others_by_their_names(tmp_path: Path) -> None:
    provider = DatabaseProvider(
        {"default": sqlite(tmp_path), "analytics": sqlite(tmp_path, "analytics")}
    )
    assert list(provider.names) == ["db", "analytics"]
    assert provider.database_for("db") == "default"
    assert provider.database_for("analytics") == "analytics"
    with pytest.raises(UsageError, match="known: db, analytics"):
        provider.database_for("reports")


def test_database_name_must_be_a_python_identifier(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="identifier") as caught:
        DatabaseProvider({"my-analytics": sqlite(tmp_path)})
    assert caught.value.pointer == "/providers/database/my-analytics"


def test_a_database_named_db_beside_default_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="both be injected as 'db'"):
        DatabaseProvider({"default": sqlite(tmp_path), "db": sqlite(tmp_path, "other")})


def test_begin_before_open_is_a_usage_error(tmp_path: Path) -> None:
    provider = DatabaseProvider({"default": sqlite(tmp_path)})
    with pytest.raises(UsageError, match="open"):
        provider.begin("db")


async def test_each_database_gets_its_own_session(tmp_path: Path) -> None:
    provider = DatabaseProvider(
        {"default": sqlite(tmp_path), "analytics": sqlite(tmp_path, "analytics")}
    )
    await provider.open()
    try:
        main, analytics = provider.begin("db"), provider.begin("analytics")
        db_session, analytics_session = await main.enter(), await analytics.enter()
        assert db_session is not analytics_session
        await db_session.execute(text("CREATE TABLE only_in_default (x INTEGER)"))
        await main.exit(ok=True)
        await analytics.exit(ok=True)
        reports = await provider.health()
        assert [(r.name, r.ok) for r in reports] == [("default", True), ("analytics", True)]
        async with provider.manager.engine("analytics").connect() as connection:
            tables = await connection.execute(text("SELECT name FROM sqlite_master"))
            assert "only_in_default" not in tables.scalars().all()
    finally:
        await provider.close()


async def test_exhausted_pool_is_a_provider_error_within_pool_timeout(
    any_backend: Backend,
) -> None:
    config = any_backend.config(pool_size=1, max_overflow=0, pool_timeout=0.3)
    async with opened(config) as provider:
        holder = provider.begin("db")
        await (await holder.enter()).execute(text("SELECT 1"))  # holds the only connection
        start = time.perf_counter()
        with pytest.raises(DatabaseUnavailableError, match="pool_timeout"):
            await provider.begin("db").enter()
        assert time.perf_counter() - start < 2
        await holder.exit(ok=True)
        assert pool_of(provider).checkedout() == 0


async def test_translate_names_the_database_of_a_pool_timeout_in_a_handler(
    tmp_path: Path,
) -> None:
    config = sqlite(tmp_path).model_copy(
        update={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}
    )
    async with opened(config) as provider:
        holder = provider.begin("db")
        await (await holder.enter()).execute(text("SELECT 1"))  # holds the only connection
        try:
            with pytest.raises(sa_exc.TimeoutError) as caught:  # a handler reaching past its session
                await provider.manager.engine("default").connect()
        finally:
            await holder.exit(ok=True)
        translated = provider.translate(caught.value)
        assert isinstance(translated, DatabaseUnavailableError)
        assert translated.database == "default"


async def test_translate_makes_a_refused_constraint_a_409_and_leaves_application_errors_alone(
    any_backend: Backend,
) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        session.add_all([item(slug="same", name="a"), item(slug="same", name="b")])
        with pytest.raises(IntegrityError) as caught:
            await session.flush()
        await scope.exit(ok=False)
        conflict = provider.translate(caught.value)
        assert isinstance(conflict, HTTPError) and conflict.status == 409
        assert "same" not in str(conflict.details)  # the driver's text (values) stays in the log
        assert provider.translate(ValueError("bad input")) is None
        assert provider.translate(ConnectionRefusedError("the handler's own HTTP call")) is None
        assert provider.translate(TimeoutError()) is None


def assert_refusal(provider: DatabaseProvider, error: BaseException, value: object) -> None:
    refused = provider.translate(error)
    assert isinstance(refused, RequestValidationError) and refused.status == 422
    (detail,) = refused.details
    assert detail["code"] == "databaseRange"
    assert str(value) not in str(refused.details)


async def test_translate_makes_an_integer_sqlite_cannot_hold_a_422(tmp_path: Path) -> None:
    base, _, item = models()
    async with opened(sqlite(tmp_path), base) as provider:
        for query in (select(item).where(item.id == 2**64), select(item).offset(2**64)):
            scope = provider.begin("db")
            session = await scope.enter()
            with pytest.raises(OverflowError) as caught:  # sqlite3's, as SQLAlchemy passes it on
                await session.execute(query)
            await scope.exit(ok=False)
            assert_refusal(provider, caught.value, 2**64)
        scope = provider.begin("db")
        with pytest.raises(OverflowError) as caught:
            await (await scope.enter()).get(item, 2**64)
        await scope.exit(ok=False)
        assert_refusal(provider, caught.value, 2**64)


async def test_translate_makes_a_value_refused_at_commit_a_422(server_backend: Backend) -> None:
    base, _, item = models()
    async with opened(server_backend.config(), base) as provider:
        scope = provider.begin("db")
        (await scope.enter()).add(item(slug="long", name="n" * 101))  # VARCHAR(100)
        with pytest.raises(sa_exc.DBAPIError) as caught:
            await scope.exit(ok=True)  # the flush happens in the commit
        assert_refusal(provider, caught.value, "n" * 101)
        assert pool_of(provider).checkedout() == 0


async def test_translate_leaves_a_database_error_that_is_not_a_value_alone(
    any_backend: Backend,
) -> None:
    async with opened(any_backend.config()) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        with pytest.raises(sa_exc.DBAPIError) as caught:
            await session.execute(text("SELECT * FROM covet_no_such_table"))
        await scope.exit(ok=False)
        assert provider.translate(caught.value) is None
        assert provider.translate(OverflowError("the handler's own arithmetic")) is None


def test_translate_keeps_provider_errors_as_they_are(tmp_path: Path) -> None:
    provider = DatabaseProvider({"default": sqlite(tmp_path)})
    error = ProviderError("cache down")
    assert provider.translate(error) is error


async def test_close_waits_for_a_session_still_finishing(tmp_path: Path) -> None:
    provider = DatabaseProvider({"default": sqlite(tmp_path)})
    await provider.open()
    scope = provider.begin("db")
    await (await scope.enter()).execute(text("CREATE TABLE t (x INTEGER)"))
    exiting = asyncio.create_task(scope.exit(ok=True))
    await asyncio.sleep(0)
    exiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await exiting
    await provider.close()  # waits for the commit, then disposes
    assert len(provider.manager.background) == 0
    await provider.open()
    try:
        async with provider.manager.engine("default").connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await provider.close()
