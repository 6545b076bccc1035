"""The database :class:`~covet.providers.Provider`: an ``AsyncSession`` per handler parameter.

``providers.database.default`` is injected as ``db``; every other database under its own name::

    async def report(db: AsyncSession, analytics: AsyncSession) -> dict: ...
"""

from __future__ import annotations

import logging
import types
from collections.abc import Mapping, Sequence

from sqlalchemy import exc as sa_exc

from covet.config import DatabaseConfig
from covet.errors import (
    ConfigError,
    ConflictError,
    HTTPError,
    ProviderError,
    RequestValidationError,
    UsageError,
)
from covet.providers.base import HealthReport
from covet.providers.database._errors import (
    DatabaseUnavailableError,
    describe_failure,
    describe_refusal,
)
from covet.providers.database._scope import DatabaseScope
from covet.providers.database.manager import DatabaseManager
from covet.request import Request

__all__ = ["DatabaseProvider"]

logger = logging.getLogger("covet.providers.database")

DEFAULT_PARAMETER = "db"
_DRIVER_MODULES = ("sqlalchemy", "asyncpg", "asyncmy", "aiomysql", "aiosqlite", "pymysql")


class DatabaseProvider:
    """Sessions on the configured databases, one per request and parameter.

    Args:
        databases: name -> settings (``CovetConfig.providers.database``).

    Example:
        >>> provider = DatabaseProvider({"default": DatabaseConfig()})
        >>> await provider.open()                      # lifespan startup
        >>> scope = provider.begin("db", request)      # per request
        >>> session = await scope.enter()              # injected as ``db``
        >>> await scope.exit(ok=True)                  # commit, release
        >>> await provider.close()                     # lifespan shutdown
    """

    def __init__(self, databases: Mapping[str, DatabaseConfig]) -> None:
        self.manager = DatabaseManager(databases)
        self._databases = _parameter_names(databases)
        self.names: Sequence[str] = tuple(self._databases)

    def database_for(self, name: str) -> str:
        """The database behind handler parameter ``name`` (``db`` -> ``default``)."""
        database = self._databases.get(name)
        if database is None:
            raise UsageError(f"no database is injected as {name!r}; known: {', '.join(self.names)}")
        return database

    async def open(self) -> None:
        """Create the engines and check each database once (see :class:`DatabaseManager`)."""
        await self.manager.open()

    async def close(self) -> None:
        """Let sessions still finishing return their connections, then dispose the engines."""
        await self.manager.close()

    def begin(self, name: str, request: Request | None = None) -> DatabaseScope:
        """The scope of parameter ``name`` for one request; ``enter()`` gives the session."""
        database = self.database_for(name)
        manager = self.manager
        return DatabaseScope(
            database,
            manager.sessionmaker(database),
            manager.configs[database],
            manager.background,
            manager.lazy_pool(database),
            manager.notify_commit if manager.tracks_commits else None,
        )

    async def health(self) -> list[HealthReport]:
        """``SELECT 1`` on every database, with latency, within each one's connect_timeout."""
        return await self.manager.health()

    def translate(self, error: BaseException) -> ProviderError | HTTPError | None:
        """``error`` as clients should see it, or ``None`` to leave it a 500.

        A database that is unavailable is a ProviderError (503). A unique or foreign-key
        constraint the database refused (``IntegrityError``, e.g. the loser of two concurrent
        inserts that both passed ``x-covet-unique``) is a 409 with the standard body. A value
        the database would not take (an integer beyond the column's range, a text too long for
        it: :func:`describe_refusal`) is a 422 with the standard body, logged at INFO.

        The endpoint calls this on an exception escaping a handler that took a session: most
        failures already arrive as :class:`DatabaseUnavailableError`; this also catches the ones
        raised outside SQLAlchemy's error hook (a pool timeout after an explicit commit, a
        driver's client-side timeout). Exceptions that did not come out of SQLAlchemy or a
        database driver are never translated.
        """
        if isinstance(error, ProviderError):
            return error
        if isinstance(error, sa_exc.IntegrityError):
            return _conflict()
        if not _raised_by_database(error):
            return None
        refusal = describe_refusal(error)
        if refusal is not None:
            return _refused(refusal)
        reason = describe_failure(error)
        if reason is None:
            return None
        database = self.manager.names[0] if len(self.manager.names) == 1 else None
        return DatabaseUnavailableError(database, reason)


def _conflict() -> ConflictError:
    # NOTE: the driver's message names constraints and values; it goes to the log (as the
    # __cause__), never to the client.
    return ConflictError(
        "The request conflicts with existing data (a unique or reference constraint)",
        details=[{"field": "", "location": "body", "pointer": "", "code": "unique",
                  "message": "A constraint of the database refused this change"}],
    )


def _refused(reason: str) -> RequestValidationError:
    # NOTE: 422, not 400: the request was well formed and passed the spec; one of its values is
    # merely more than the database can hold (a schema without maximum/maxLength allows it).
    # Neither the driver's message (it quotes the value) nor the SQL reaches the body or this
    # log line; the original error stays chained as __cause__.
    logger.info("the database refused a value: %s; answered 422", reason)
    return RequestValidationError(
        "A value is out of range for the database",
        details=[{"field": "", "location": "body", "pointer": "", "code": "databaseRange",
                  "message": f"A value is out of range for the database: {reason}"}],
    )


def _parameter_names(databases: Mapping[str, DatabaseConfig]) -> dict[str, str]:
    """Handler parameter -> database name; ``default`` is ``db``."""
    parameters: dict[str, str] = {}
    for database in databases:
        parameter = DEFAULT_PARAMETER if database == "default" else database
        pointer = f"/providers/database/{database}"
        if not parameter.isidentifier():
            raise ConfigError(
                f"database name {database!r} is injected as a handler parameter, so it must be "
                "a Python identifier (letters, digits, underscores), e.g. 'analytics'",
                pointer=pointer,
            )
        if parameter in parameters:
            raise ConfigError(
                f"database {database!r} and {parameters[parameter]!r} would both be injected as "
                f"{parameter!r}; rename {database!r}",
                pointer=pointer,
            )
        parameters[parameter] = database
    return parameters


def _raised_by_database(error: BaseException) -> bool:
    if isinstance(error, sa_exc.SQLAlchemyError):
        return True
    traceback: types.TracebackType | None = error.__traceback__
    while traceback is not None:
        module = str(traceback.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(_DRIVER_MODULES):
            return True
        traceback = traceback.tb_next
    return False
