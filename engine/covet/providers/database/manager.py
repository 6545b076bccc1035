"""The engines of every configured database: created at startup, disposed at shutdown.

Startup does not fail because a database is down. :meth:`DatabaseManager.open` builds every
engine (a bad URL or a missing driver *does* fail: no restart would fix it), then checks each
database once with a bounded timeout and logs the ones that do not answer, as errors for
required databases and warnings for the others. The app starts anyway: requests that need a
database that is down get a 503 within the configured timeouts, ``/health`` reports it, and the
first request after it comes back succeeds, with no restart (``pool_pre_ping`` replaces the
connections that died meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import Pool

from covet.config import DatabaseConfig
from covet.errors import UsageError
from covet.providers.base import HealthReport
from covet.providers.database._background import Background, DeadlineExceeded
from covet.providers.database._commits import NOTIFY, CommitListener, TrackingSession
from covet.providers.database._engine import build_engine
from covet.providers.database._errors import DatabaseUnavailableError, translate_error

__all__ = ["DatabaseManager"]

logger = logging.getLogger("covet.providers.database")

_PING = text("SELECT 1")


class DatabaseManager:
    """One ``AsyncEngine`` and session factory per named database.

    Args:
        databases: name -> settings, as ``providers.database`` in covet.yaml.

    Example:
        >>> manager = DatabaseManager({"default": DatabaseConfig(url="sqlite+aiosqlite:///x.db")})
        >>> await manager.open()
        >>> async with manager.sessionmaker("default")() as session:
        ...     await session.execute(text("SELECT 1"))
        >>> await manager.close()
    """

    def __init__(self, databases: Mapping[str, DatabaseConfig]) -> None:
        self.configs: dict[str, DatabaseConfig] = dict(databases)
        self._engines: dict[str, AsyncEngine] = {}
        self._makers: dict[str, async_sessionmaker[AsyncSession]] = {}
        self._lazy_pools: dict[str, Pool] = {}
        self._open = False
        self.background = Background()
        """Sessions still finishing after their request stopped waiting; drained at close."""
        self._commit_listeners: dict[str, CommitListener] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.configs)

    @property
    def is_open(self) -> bool:
        return self._open

    async def open(self) -> None:
        """Create every engine, then check each database once (logged, never raised).

        Raises:
            ConfigError: a URL cannot be used (unparseable, sync driver, driver not installed).
            UsageError: the manager is already open.
        """
        if self._open:
            raise UsageError("the database manager is already open; close() it first")
        engines: dict[str, AsyncEngine] = {}
        try:
            for name, config in self.configs.items():
                engines[name] = build_engine(name, config)
        except BaseException:
            await asyncio.gather(*(e.dispose() for e in engines.values()))
            raise
        self._engines, self._open = engines, True
        self._makers = self._sessionmakers(engines)
        self._lazy_pools = {
            name: engine.sync_engine.pool
            for name, engine in engines.items()
            if engine.url.get_backend_name() == "sqlite"
        }
        await asyncio.gather(*(self._check_at_startup(name) for name in engines))

    async def close(self) -> None:
        """Let sessions still finishing return their connections (a bounded wait), then dispose
        every engine, closing pooled connections. Safe to call twice."""
        budgets = [c.pool_timeout + c.connect_timeout for c in self.configs.values()]
        await self.background.drain(max(budgets, default=0.0))
        engines, self._engines, self._makers = self._engines, {}, {}
        self._lazy_pools = {}
        self._open = False
        results = await asyncio.gather(
            *(e.dispose() for e in engines.values()), return_exceptions=True
        )
        for name, result in zip(engines, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("database %r: error while closing its pool: %r", name, result)

    def on_commit(self, key: str, listener: CommitListener | None) -> None:
        """Tell ``listener`` the tables each committed transaction wrote (``None`` removes
        it); ``key`` names it, so a rebuild replaces its own listener (covet.caching).

        .. versionadded:: 0.1
        """
        if listener is None:
            self._commit_listeners.pop(key, None)
        else:
            self._commit_listeners[key] = listener
        if self._open:
            self._makers = self._sessionmakers(self._engines)

    @property
    def tracks_commits(self) -> bool:
        return bool(self._commit_listeners)

    async def notify_commit(self, tables: frozenset[str]) -> None:
        """Run every commit listener on ``tables`` (each failure logged, never raised)."""
        for key, listener in list(self._commit_listeners.items()):
            try:
                await listener(tables)
            except Exception:
                logger.exception("commit listener %r failed on tables %s", key, sorted(tables))

    def _sessionmakers(
        self, engines: Mapping[str, AsyncEngine]
    ) -> dict[str, async_sessionmaker[AsyncSession]]:
        if not self._commit_listeners:
            return {
                name: async_sessionmaker(engine, expire_on_commit=False)
                for name, engine in engines.items()
            }
        # NOTE: only with a listener: plain Sessions otherwise (nothing recorded, no events)
        return {
            name: async_sessionmaker(
                engine, expire_on_commit=False, sync_session_class=TrackingSession,
                info={NOTIFY: self.notify_commit},
            )
            for name, engine in engines.items()
        }

    def engine(self, name: str) -> AsyncEngine:
        """The engine of database ``name`` (after :meth:`open`)."""
        engine = self._engines.get(name)
        if engine is None:
            raise self._not_available(name)
        return engine

    def lazy_pool(self, name: str) -> Pool | None:
        """``name``'s pool when a request may leave the checkout to its first statement: only
        on SQLite, where a checkout never waits on a network (see DatabaseScope); else None.
        Decided once, at :meth:`open`."""
        return self._lazy_pools.get(name)

    def sessionmaker(self, name: str) -> async_sessionmaker[AsyncSession]:
        """Sessions on database ``name``, with ``expire_on_commit=False``."""
        maker = self._makers.get(name)
        if maker is None:
            raise self._not_available(name)
        return maker

    async def ping(self, name: str) -> HealthReport:
        """Run ``SELECT 1`` on ``name`` within its ``connect_timeout``; never raises."""
        config = self.configs[name]
        engine = self.engine(name)
        start = time.perf_counter()
        error: str | None = None
        try:
            await self.background.within(config.connect_timeout, _select_one(engine), _nothing)
        except DeadlineExceeded:
            limit = f"no answer within {config.connect_timeout:g} s"
            error = str(DatabaseUnavailableError(name, limit))
        except Exception as exc:  # noqa: BLE001 - a health check reports, it never raises
            unavailable = translate_error(exc, name, connecting=True)
            error = str(unavailable or f"Database {name!r} failed: {type(exc).__name__}")
        latency = (time.perf_counter() - start) * 1000
        return HealthReport(
            name=name, kind="database", ok=error is None, latency_ms=round(latency, 3),
            required=config.required, error=error,
        )

    async def health(self) -> list[HealthReport]:
        """One report per database, checked concurrently."""
        return list(await asyncio.gather(*(self.ping(name) for name in self.configs)))

    async def _check_at_startup(self, name: str) -> None:
        report = await self.ping(name)
        if report.ok:
            logger.info("database %r is reachable (%.1f ms)", name, report.latency_ms)
            return
        level = logging.ERROR if report.required else logging.WARNING
        logger.log(
            level,
            "%s at startup; starting anyway: requests that need it get 503 until it answers",
            report.error,
        )

    def _not_available(self, name: str) -> UsageError:
        if name not in self.configs:
            known = ", ".join(self.configs) or "none"
            return UsageError(f"no database named {name!r} is configured (configured: {known})")
        return UsageError(f"database {name!r} is not open; call open() at startup first")


async def _select_one(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(_PING)


async def _nothing() -> None:
    return None
