"""One ``AsyncEngine`` from one :class:`~covet.config.DatabaseConfig`.

What each backend gets (docs/database.md, "Pools and timeouts"):

| backend | pool | connect_timeout | statement_timeout |
| --- | --- | --- | --- |
| PostgreSQL (asyncpg) | queue pool from the config | asyncpg ``timeout`` | ``server_settings`` ``statement_timeout`` (ms), and asyncpg ``command_timeout`` = it + connect_timeout as a client-side bound |
| MariaDB/MySQL (asyncmy, aiomysql) | queue pool from the config | driver ``connect_timeout`` | ``SET SESSION max_statement_time`` (MariaDB) / ``max_execution_time`` (MySQL) on each new connection; asyncmy ``read_timeout`` = it + connect_timeout |
| SQLite file (aiosqlite) | queue pool from the config | sqlite3 ``timeout``: the busy timeout (how long a statement waits for a lock) | not applied (no network to go silent) |
| SQLite ``:memory:`` | exactly one connection, never recycled (the data lives in it) | as above | not applied |

Every engine also gets a ``handle_error`` hook that turns unavailability into
:class:`DatabaseUnavailableError` naming the database, at the place the driver failed.

``pool_pre_ping`` (:func:`pings_on_checkout`): on a server, a checkout first proves the pooled
connection alive; asyncpg gets a one-round-trip ping of CovetPy's (:class:`_AsyncpgPing`), the
other drivers SQLAlchemy's. A SQLite file is never pinged: it is not a connection that a server
or a network can drop.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_only

from covet.config import DatabaseConfig
from covet.errors import ConfigError
from covet.providers.database._errors import translate_error

__all__ = ["build_engine", "database_url", "is_sqlite_memory", "pings_on_checkout"]

logger = logging.getLogger("covet.providers.database")

# A URL without a driver gets the async driver CovetPy is tested with.
_DEFAULT_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "mysql": "mysql+asyncmy",
    "mariadb": "mariadb+asyncmy",
    "sqlite": "sqlite+aiosqlite",
}
_EXTRAS = {"asyncpg": "covetpy[postgres]", "asyncmy": "covetpy[mysql]", "aiomysql": "aiomysql"}
_MYSQL_DRIVERS = frozenset({"asyncmy", "aiomysql"})


def build_engine(name: str, config: DatabaseConfig) -> AsyncEngine:
    """A configured, not yet connected engine for database ``name``.

    Raises:
        ConfigError: the URL cannot be parsed, names a sync driver, or its driver is missing.
    """
    url = database_url(name, config.url)
    try:
        engine = create_async_engine(
            url,
            echo=config.echo,
            hide_parameters=not config.echo,
            connect_args=connect_args(url, config),
            **pool_options(url, config),
        )
    except ImportError as exc:
        extra = _EXTRAS.get(url.get_driver_name(), url.get_driver_name())
        raise _config_error(name, f"the driver is not installed ({exc.name}); pip install {extra!r}")
    except (sa_exc.ArgumentError, sa_exc.InvalidRequestError, sa_exc.NoSuchModuleError) as exc:
        raise _config_error(name, f"{exc}; use an async driver, e.g. postgresql+asyncpg://")
    _install_listeners(engine, name, url, config)
    return engine


def database_url(name: str, raw: str) -> URL:
    """The parsed URL, with the default async driver when none is named."""
    try:
        url = make_url(raw)
    except (sa_exc.ArgumentError, ValueError):
        raise _config_error(
            name, "the url is not a database URL; write e.g. sqlite+aiosqlite:///./app.db"
        ) from None
    default = _DEFAULT_DRIVERS.get(url.drivername)
    return url.set(drivername=default) if default else url


def is_sqlite_memory(url: URL) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def pings_on_checkout(url: URL, config: DatabaseConfig) -> bool:
    """Whether a checkout asks the server first: ``pool_pre_ping``, except on SQLite."""
    return config.pool_pre_ping and url.get_backend_name() != "sqlite"


def pool_options(url: URL, config: DatabaseConfig) -> dict[str, Any]:
    if is_sqlite_memory(url):
        # NOTE: an in-memory database lives and dies with its connection: keep exactly one,
        # never recycle it; requests take turns on it (waiting up to pool_timeout).
        return {
            "poolclass": AsyncAdaptedQueuePool,
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": config.pool_timeout,
            "pool_recycle": -1,
            "pool_pre_ping": False,
        }
    return {
        "poolclass": AsyncAdaptedQueuePool,
        "pool_size": config.pool_size,
        "max_overflow": config.max_overflow,
        "pool_timeout": config.pool_timeout,
        "pool_recycle": config.pool_recycle,
        # asyncpg is pinged by _AsyncpgPing instead (see _install_listeners)
        "pool_pre_ping": pings_on_checkout(url, config) and url.get_driver_name() != "asyncpg",
    }


def connect_args(url: URL, config: DatabaseConfig) -> dict[str, Any]:
    """Keyword arguments for the driver's ``connect()``: timeouts in each driver's terms."""
    driver = url.get_driver_name()
    statement = config.statement_timeout
    if driver == "asyncpg":
        args: dict[str, Any] = {"timeout": config.connect_timeout}
        if statement is not None:
            args["server_settings"] = {"statement_timeout": str(round(statement * 1000))}
            args["command_timeout"] = statement + config.connect_timeout
        return args
    if driver in _MYSQL_DRIVERS:
        args = {"connect_timeout": config.connect_timeout}
        if statement is not None and driver == "asyncmy":
            args["read_timeout"] = statement + config.connect_timeout
        return args
    if driver == "aiosqlite":
        return {"timeout": config.connect_timeout}
    logger.warning(
        "database driver %r is not one CovetPy knows: connect_timeout and statement_timeout "
        "are not passed to it", driver,
    )
    return {}


def _install_listeners(engine: AsyncEngine, name: str, url: URL, config: DatabaseConfig) -> None:
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "handle_error", _ErrorTranslator(name))
    if url.get_driver_name() == "asyncpg":
        event.listen(sync_engine, "invalidate", _abort_asyncpg)
        if pings_on_checkout(url, config):
            event.listen(sync_engine, "checkout", _AsyncpgPing())
    backend = url.get_backend_name()
    if backend == "sqlite":
        event.listen(sync_engine, "connect", _SqlitePragmas(wal=not is_sqlite_memory(url)))
    elif backend in ("mysql", "mariadb") and config.statement_timeout is not None:
        event.listen(sync_engine, "connect", _MysqlStatementTimeout(config.statement_timeout))


class _ErrorTranslator:
    """``handle_error`` hook: unavailability becomes ``DatabaseUnavailableError(name)``."""

    __slots__ = ("__weakref__", "database")  # SQLAlchemy holds listeners by weak reference

    def __init__(self, database: str) -> None:
        self.database = database

    def __call__(self, context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:
            return None  # NOTE: the pool handles a failed ping by reconnecting; leave it be
        error = context.sqlalchemy_exception or context.original_exception
        return translate_error(error, self.database, connecting=context.connection is None)


class _AsyncpgPing:
    """``checkout`` hook: ``SELECT 1`` in one round trip proves an asyncpg connection alive.

    PERF: SQLAlchemy's own pre-ping on asyncpg wraps its query in ``BEGIN`` ... ``ROLLBACK`` (for
    pgbouncer's transaction mode, where asyncpg's prepared statements must stay inside one
    transaction): three round trips, ~90 us of CPU and ~190 us of wall time on the benchmark
    machine. A simple-protocol query prepares nothing and is its own transaction, which is safe
    there too: ~24 us of CPU and ~60 us. On failure, as SQLAlchemy's ping does, every pooled
    connection older than now is dropped and the checkout is tried again on a new connection.
    """

    __slots__ = ("__weakref__",)

    def __call__(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        try:
            await_only(record.driver_connection.execute("SELECT 1"))
        except Exception as exc:  # whatever it is, this connection cannot serve
            raise sa_exc.InvalidatePoolError(f"pre-ping failed: {exc!r}") from exc


def _abort_asyncpg(dbapi_connection: Any, record: Any, exception: BaseException | None) -> None:
    """``invalidate`` hook: an asyncpg connection given up on is aborted, not closed politely.

    NOTE: SQLAlchemy closes an invalidated asyncpg connection with ``close(timeout=2)``, which
    waits for the server's goodbye; on a network gone silent that added 2 s to every request
    whose query timed out. The connection is never used again, so nothing is lost.
    """
    driver_connection = getattr(dbapi_connection, "driver_connection", None)
    if driver_connection is not None and not driver_connection.is_closed():
        driver_connection.terminate()


class _SqlitePragmas:
    """Foreign keys enforced as on the other backends; WAL so readers never block the writer."""

    __slots__ = ("__weakref__", "wal")

    def __init__(self, *, wal: bool) -> None:
        self.wal = wal

    def __call__(self, dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if self.wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()


class _MysqlStatementTimeout:
    """Per-session statement limit: MariaDB ``max_statement_time`` (s), MySQL's in ms."""

    __slots__ = ("__weakref__", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0]).lower()
            if "mariadb" in version:
                cursor.execute(f"SET SESSION max_statement_time = {self.seconds:.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {round(self.seconds * 1000)}")
        finally:
            cursor.close()


def _config_error(name: str, message: str) -> ConfigError:
    return ConfigError(
        f"providers.database.{name}.url: {message}", pointer=f"/providers/database/{name}/url"
    )
