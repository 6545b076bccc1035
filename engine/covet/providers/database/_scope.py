"""One request's session on one database: the :class:`~covet.providers.RequestScope` of ``db``.

``enter()`` opens an ``AsyncSession`` and takes its connection from the pool right away (so an
unreachable database fails *before* the handler runs, as a 503), inside one transaction.
``exit(ok)`` commits when ``ok`` and there is still something to commit (a handler may commit
itself and carry on), rolls back otherwise, and always closes the session, returning the
connection to the pool. The caller's cancellation (a client that went away) cannot interrupt the
finishing work: the caller sees ``CancelledError``, the commit or rollback completes and the
connection still goes back.

PERF: on SQLite with an idle connection in the pool, ``enter()`` does not check out eagerly:
nothing there can wait on a network (no ping; a recycled connection reopens a local file), so
the first statement takes the connection as in plain SQLAlchemy, and a failure there is
translated to the same 503. On a server the eager checkout stays, even without a ping: a
connection due for ``pool_recycle`` (or invalidated after an outage) is closed and reopened
there, and on a network gone silent both can wait without end (MariaDB's close does); only the
checkout's own task and deadline (:meth:`Background.within`) bound that. The task costs some
15-20 us per request.
"""

from __future__ import annotations

import functools
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.pool import Pool

from covet.config import DatabaseConfig
from covet.errors import UsageError
from covet.providers.database._background import Background, DeadlineExceeded
from covet.providers.database._commits import SCOPED, CommitListener, committed_tables
from covet.providers.database._errors import DatabaseUnavailableError, translate_error

__all__ = ["DatabaseScope"]

logger = logging.getLogger("covet.providers.database")


class DatabaseScope:
    """The session behind one handler parameter (``db``, ``analytics``...) for one request."""

    __slots__ = ("_background", "_config", "_database", "_maker", "_notify", "_pool", "session")

    def __init__(
        self,
        database: str,
        maker: async_sessionmaker[AsyncSession],
        config: DatabaseConfig,
        background: Background,
        pool: Pool | None = None,
        notify: CommitListener | None = None,
    ) -> None:
        self._database = database
        self._notify = notify
        self._maker = maker
        self._config = config
        self._background = background
        self._pool = pool  # given only when its checkouts never wait on a network (SQLite)
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
        if self._notify is not None:
            session.sync_session.info[SCOPED] = True  # its commits are told by exit()
        budget = self._config.pool_timeout + self._config.connect_timeout
        pool = self._pool
        if pool is not None and pool.checkedin() > 0:  # type: ignore[attr-defined]
            self.session = session  # the first statement checks out (see the module's PERF)
            return session
        try:
            await self._background.within(
                budget, _begin(session), functools.partial(_discard, session)
            )
        except DeadlineExceeded as exc:
            reason = f"no connection within {budget:g} s"
            raise DatabaseUnavailableError(self._database, reason) from exc
        except Exception as exc:
            await self._background.shielded(_discard(session))
            unavailable = translate_error(exc, self._database, connecting=True)
            if unavailable is None or unavailable is exc:
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
        if session is not None:
            await self._background.shielded(self._finish(session, ok))
            if self._notify is not None:
                tables = committed_tables(session.sync_session.info)
                if tables:
                    await self._notify(tables)  # before the response: no stale read after it

    async def _finish(self, session: AsyncSession, ok: bool) -> None:
        if not ok:
            await self._rollback(session)
        elif session.in_transaction():
            await self._commit(session)
        else:
            await session.close()  # the handler committed or closed it already

    async def _commit(self, session: AsyncSession) -> None:
        statement = self._config.statement_timeout
        try:
            if statement is None:
                await session.commit()
            else:
                limit = statement + self._config.connect_timeout
                cleanup = functools.partial(_discard, session)
                await self._background.within(limit, session.commit(), cleanup)
        except DeadlineExceeded as exc:
            reason = "the commit got no answer; its outcome is unknown"
            raise DatabaseUnavailableError(self._database, reason) from exc
        except Exception as exc:
            unavailable = translate_error(exc, self._database)
            await (_discard(session) if unavailable else session.close())
            if unavailable is None or unavailable is exc:
                raise
            raise unavailable from exc
        await session.close()

    async def _rollback(self, session: AsyncSession) -> None:
        # NOTE: a connection whose query was cancelled mid-flight may not answer a ROLLBACK
        # (MySQL drivers wait for the abandoned result): past connect_timeout, drop it.
        cleanup = functools.partial(_discard, session)
        try:
            await self._background.within(
                self._config.connect_timeout, _rollback_and_close(session), cleanup
            )
        except Exception as exc:  # noqa: BLE001 - whatever failed, the connection is in doubt
            logger.info("database %r: rollback failed (%r); connection dropped", self._database, exc)
            if not isinstance(exc, DeadlineExceeded):
                await _discard(session)


async def _begin(session: AsyncSession) -> None:
    await session.connection()


async def _rollback_and_close(session: AsyncSession) -> None:
    await session.rollback()
    await session.close()


async def _discard(session: AsyncSession) -> None:
    """Close ``session`` dropping its connections instead of returning them in doubt."""
    try:
        await session.invalidate()
    except Exception as exc:  # noqa: BLE001 - best effort on a connection already broken
        logger.debug("discarding a database session failed: %r", exc)
