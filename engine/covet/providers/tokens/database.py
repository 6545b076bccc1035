"""The database token store: revocations in a table of a configured database.

``tokens.store: database`` uses ``providers.database.default``; ``database:<name>`` another one.
The table (``covet_token_store`` unless named) is created at open if absent:

    kind        varchar(16)   "revoked" (a jti), "used" (a spent refresh jti), "family"
    jti         varchar(255)  the token's jti, or the family id for kind "family"
    family      varchar(255)  the family of a spent refresh token (null otherwise)
    expires_at  float         Unix time after which the row means nothing
    primary key (kind, jti)

Rows past ``expires_at`` are ignored by every read and deleted opportunistically (at most once
a minute, after a write). ``mark_used`` is an INSERT that the primary key lets only one of two
concurrent callers complete, on any database and any number of processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import (
    Column,
    Delete,
    Float,
    MetaData,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from covet.errors import ProviderError
from covet.providers.base import HealthReport
from covet.providers.database import DatabaseManager
from covet.providers.database._errors import translate_error

__all__ = ["DEFAULT_TABLE", "DatabaseTokenStore"]

logger = logging.getLogger("covet.providers.tokens")

DEFAULT_TABLE = "covet_token_store"
_PRUNE_EVERY = 60.0  # seconds between two opportunistic deletes of expired rows


class DatabaseTokenStore:
    """Token revocations in a SQL table (SQLite, PostgreSQL, MariaDB/MySQL).

    Args:
        databases: the app's databases (``DatabaseProvider.manager``), opened before this store.
        database: which one holds the table.
        table: the table's name.

    Example:
        >>> store = DatabaseTokenStore(provider.manager, "default")
        >>> await store.open()                       # creates covet_token_store if absent
        >>> await store.add(jti, expires_at)
    """

    def __init__(
        self, databases: DatabaseManager, database: str = "default", *, table: str = DEFAULT_TABLE
    ) -> None:
        self.databases = databases
        self.database = database
        self.table = Table(
            table,
            MetaData(),
            Column("kind", String(16), primary_key=True),
            Column("jti", String(255), primary_key=True),
            Column("family", String(255), nullable=True),
            Column("expires_at", Float, nullable=False, index=True),
        )
        self._ready = False
        self._pruned_at = 0.0

    async def open(self) -> None:
        """Create the table if absent; a database that is down is logged, and tried again on
        first use (as the database provider starts without it)."""
        try:
            await self._ensure_table()
        except ProviderError as exc:
            logger.warning("token store table not checked at startup: %s", exc)

    async def close(self) -> None:
        self._ready = False

    async def health(self) -> HealthReport:
        start = time.perf_counter()
        error: str | None = None
        try:
            await self.family_revoked("-health-")
        except ProviderError as exc:
            error = str(exc)
        latency = round((time.perf_counter() - start) * 1000, 3)
        return HealthReport(
            name="tokens", kind="token store", ok=error is None, latency_ms=latency, error=error
        )

    async def add(self, jti: str, expires_at: float) -> None:
        await self._remember("revoked", jti, None, expires_at)

    async def contains(self, jti: str) -> bool:
        return await self._live("revoked", jti)

    async def mark_used(self, jti: str, family: str, expires_at: float) -> bool:
        expires_at = max(expires_at, time.time() + 1.0)
        if await self._insert("used", jti, family, expires_at):
            return True
        # NOTE: taken; but an expired row means nothing: whoever deletes it may insert again
        async with self._begin() as connection:
            gone = await connection.execute(self._expired("used", jti))
        return gone.rowcount == 1 and await self._insert("used", jti, family, expires_at)

    async def revoke_family(self, family: str, expires_at: float) -> None:
        await self._remember("family", family, None, expires_at)

    async def family_revoked(self, family: str) -> bool:
        return await self._live("family", family)

    async def prune(self) -> int:
        """Delete every expired row now; returns how many."""
        table = self.table
        async with self._begin() as connection:
            result = await connection.execute(delete(table).where(table.c.expires_at <= time.time()))
        self._pruned_at = time.monotonic()
        return int(result.rowcount)

    async def _remember(self, kind: str, key: str, family: str | None, expires_at: float) -> None:
        if expires_at <= time.time() or await self._insert(kind, key, family, expires_at):
            return
        table = self.table
        async with self._begin() as connection:
            await connection.execute(
                update(table)
                .where(and_(table.c.kind == kind, table.c.jti == key, table.c.expires_at < expires_at))
                .values(expires_at=expires_at)
            )

    async def _insert(self, kind: str, key: str, family: str | None, expires_at: float) -> bool:
        row = {"kind": kind, "jti": key, "family": family, "expires_at": expires_at}
        try:
            async with self._begin() as connection:
                await connection.execute(insert(self.table).values(**row))
        except sa_exc.IntegrityError:
            return False
        await self._maybe_prune()
        return True

    async def _live(self, kind: str, key: str) -> bool:
        table = self.table
        query = select(table.c.expires_at).where(
            and_(table.c.kind == kind, table.c.jti == key, table.c.expires_at > time.time())
        )
        async with self._begin() as connection:
            found = (await connection.execute(query)).first()
        return found is not None

    def _expired(self, kind: str, key: str) -> Delete:
        table = self.table
        return delete(table).where(
            and_(table.c.kind == kind, table.c.jti == key, table.c.expires_at <= time.time())
        )

    async def _maybe_prune(self) -> None:
        if time.monotonic() - self._pruned_at < _PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        try:
            await self.prune()
        except ProviderError as exc:  # NOTE: housekeeping; the write it follows succeeded
            logger.warning("token store: expired rows not pruned: %s", exc)

    async def _ensure_table(self) -> None:
        if self._ready:
            return
        try:
            async with self._engine().begin() as connection:
                await connection.run_sync(self.table.metadata.create_all, checkfirst=True)
        except ProviderError:
            raise
        except (sa_exc.SQLAlchemyError, OSError) as exc:
            raise self._failed(exc) from exc
        self._ready = True

    def _engine(self) -> AsyncEngine:
        return self.databases.engine(self.database)

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """One transaction; a failure is a ProviderError, except IntegrityError (which the
        writes read as "already there")."""
        await self._ensure_table()
        try:
            async with self._engine().begin() as connection:
                yield connection
        except (sa_exc.IntegrityError, ProviderError):
            raise
        except (sa_exc.SQLAlchemyError, OSError) as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: BaseException) -> ProviderError:
        # NOTE: the engine's hook translates most failures already; a refused connect arrives
        # as the driver's OSError. Neither the URL nor the SQL goes into the message.
        unavailable = translate_error(exc, self.database, connecting=True)
        if unavailable is not None:
            return unavailable
        return ProviderError(
            f"the token store (table {self.table.name!r} in database {self.database!r}) "
            f"failed: {type(exc).__name__}"
        )
