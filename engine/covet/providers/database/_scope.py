"""One request's session on one database: the :class:`~covet.providers.RequestScope` of ``db``.

``enter()`` opens an ``AsyncSession`` and takes its connection from the pool right away (so an
unreachable database fails *before* the handler runs, as a 503), inside one transaction.
``exit(ok)`` commits when ``ok`` and there is still something to commit (a handler may commit
itself and carry on), rolls back otherwise, and always closes the session, returning the
connection to the pool. The finishing work runs in its own task that the caller's cancellation
(a client that went away) cannot interrupt: the caller sees ``CancelledError``, the connection
still goes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from covet.config import DatabaseConfig
from covet.errors import UsageError
from covet.providers.database._errors import DatabaseUnavailableError, translate_error

__all__ = ["DatabaseScope"]

logger = logging.getLogger("covet.providers.database")


class DatabaseScope:
    """The session behind one handler parameter (``db``, ``analytics``...) for one request."""

    __slots__ = ("_config", "_database", "_maker", "_pending", "session")

    def __init__(
        self,
        database: str,
        maker: async_sessionmaker[AsyncSession],
        config: DatabaseConfig,
        pending: set[asyncio.Task[None]],
    ) -> None:
        self._database = database
        self._maker = maker
        self._config = config
        self._pending = pending
        self.session: AsyncSession | None = None

    async def enter(self) -> AsyncSession:
        """A session whose transaction has begun on a pooled connection.

        Raises:
            DatabaseUnavailableError: no connection within ``pool_timeout + connect_timeout``
                seconds, or the database refused or dropped it.
        """
        if self.session is not None:
            raise UsageError("a DatabaseScope is entered once per request")
        session = self._maker()
        budget = self._config.pool_timeout + self._config.connect_timeout
        timer = asyncio.timeout(budget)
        try:
            async with timer:
                await session.connection()
        except BaseException as exc:
            await self._in_background(_discard(session))
            unavailable = self._unavailable(exc, budget if timer.expired() else None)
            if unavailable is None:
                raise
            raise unavailable from exc
        self.session = session
        return session

    async def exit(self, ok: bool) -> None:
        """Commit (``ok``) or roll back, then release the connection, whatever happens.

        Raises:
            DatabaseUnavailableError: the commit could not reach the database.
            asyncio.CancelledError: the caller was cancelled; the release goes on regardless.
        """
        session, self.session = self.session, None
        if session is None:
            return
        await self._in_background(self._finish(session, ok))

    async def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Await ``work`` in a task of its own that cancelling the caller does not stop."""
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)  # a strong reference until done; close() waits for these
        task.add_done_callback(self._pending.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(_log_orphan_failure)
            raise

    async def _finish(self, session: AsyncSession, ok: bool) -> None:
        try:
            if ok and session.in_transaction():
                await self._commit(session)
            elif not ok:
                await self._rollback(session)
        finally:
            await session.close()

    async def _commit(self, session: AsyncSession) -> None:
        statement = self._config.statement_timeout
        limit = None if statement is None else statement + self._config.connect_timeout
        try:
            async with asyncio.timeout(limit):
                await session.commit()
        except Exception as exc:
            await _discard(session)
            unavailable = translate_error(exc, self._database)
            if isinstance(exc, TimeoutError):
                unavailable = DatabaseUnavailableError(self._database, "commit timed out")
            if unavailable is None:
                raise
            raise unavailable from exc

    async def _rollback(self, session: AsyncSession) -> None:
        # NOTE: a connection whose query was cancelled mid-flight may not answer a ROLLBACK
        # (MySQL drivers wait for the abandoned result); bound it, then drop the connection.
        try:
            async with asyncio.timeout(self._config.connect_timeout):
                await session.rollback()
        except Exception as exc:  # noqa: BLE001 - whatever failed, the connection is in doubt
            logger.info("database %r: rollback failed (%r); connection dropped", self._database, exc)
            await _discard(session)

    def _unavailable(
        self, error: BaseException, expired_budget: float | None
    ) -> DatabaseUnavailableError | None:
        if expired_budget is not None:
            reason = f"no connection within {expired_budget:g} s"
            return DatabaseUnavailableError(self._database, reason)
        if not isinstance(error, Exception):
            return None  # cancellation and exits pass through untouched
        return translate_error(error, self._database, connecting=True)


async def _discard(session: AsyncSession) -> None:
    """Close ``session`` dropping its connections instead of returning them in doubt."""
    try:
        await session.invalidate()
    except Exception as exc:  # noqa: BLE001 - best effort on a connection already broken
        logger.debug("discarding a database session failed: %r", exc)


def _log_orphan_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning(
            "finishing a database session after the request was cancelled failed: %r",
            task.exception(),
        )
