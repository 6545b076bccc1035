"""Which database failures mean "the database cannot serve" (a 503), said without secrets.

A failure is *unavailability* when retrying later could succeed and the request itself is not at
fault: the server is unreachable or refused us, the connection dropped, no pooled connection
came free, a statement or lock wait timed out, a deadlock. Everything else (a constraint
violation, a syntax error, a missing table) is the application's problem and is left alone.

A failure is a *refusal* (:func:`describe_refusal`, a 422 at the provider) when the database
would not take a value the request carried: an integer beyond the column's range, a text longer
than the column, a text the column's type cannot read (PostgreSQL's data exception class 22,
MariaDB/MySQL's data errors, SQLite's ``OverflowError`` for an integer past 64 bits).

The reason text names what happened in a few words; it never contains the URL, the password,
the SQL or its parameters. The original exception stays chained (``__cause__``) for the logs.
"""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import exc as sa_exc

from covet.errors import ProviderError

__all__ = ["DatabaseUnavailableError", "describe_failure", "describe_refusal", "translate_error"]

# PostgreSQL SQLSTATEs: query_canceled (statement_timeout), lock_not_available (lock_timeout),
# deadlock_detected, too_many_connections, the admin/crash shutdown family, cannot_connect_now.
_PG_STATES = {
    "57014": "statement timed out",
    "55P03": "lock wait timed out",
    "40P01": "deadlock detected; retry",
    "53300": "too many connections",
    "57P01": "server shutting down",
    "57P02": "server restarting",
    "57P03": "server not accepting connections yet",
}
# MySQL/MariaDB error numbers (server 1xxx-4xxx, client 2xxx).
_MYSQL_CODES = {
    1040: "too many connections",
    1205: "lock wait timed out",
    1213: "deadlock detected; retry",
    1969: "statement timed out",  # MariaDB max_statement_time
    3024: "statement timed out",  # MySQL max_execution_time
    2002: "cannot connect",
    2003: "cannot connect",
    2005: "unknown server host",
    2006: "server has gone away",
    2013: "connection lost",
    2055: "connection lost",
}
# A value the database would not take: PostgreSQL's data exception class (22xxx), by SQLSTATE;
# asyncpg's own encoder raises 22000 for an argument its type cannot carry (int4 past 2**31).
_PG_REFUSALS = {
    "22001": "a text is longer than its column allows",
    "22003": "a number is beyond its column's range",
    "22007": "a date or time is not valid for its column",
    "22008": "a date or time is beyond its column's range",
    "22P02": "a value is not valid for its column's type",
}
_PG_REFUSAL = "a value is not valid for the database"
# MySQL/MariaDB data errors (strict mode), by error number.
_MYSQL_REFUSALS = {
    1264: "a number is beyond its column's range",
    1690: "a number is beyond its column's range",
    1406: "a text is longer than its column allows",
    1265: "a value was truncated by its column",
    1366: "a value is not valid for its column's type",
    1292: "a value is not valid for its column's type",
    1367: "a value is not valid for its column's type",
}
_INTEGER_RANGE = "an integer is beyond the database's range"
# SQLite primary result codes: BUSY, LOCKED, IOERR, FULL, CANTOPEN.
_SQLITE_CODES = {
    5: "database is locked",
    6: "table is locked",
    10: "disk I/O error",
    13: "database or disk is full",
    14: "cannot open the database file",
}


class DatabaseUnavailableError(ProviderError):
    """A database could not serve the request; clients see a 503.

    Args:
        database: the configured name (``default``, ``analytics``...), ``None`` when the
            failure cannot be attributed to one of several databases.
        reason: what happened, in a few words without secrets.
    """

    def __init__(self, database: str | None, reason: str) -> None:
        which = "A database" if database is None else f"Database {database!r}"
        super().__init__(f"{which} is unavailable: {reason}")
        self.database = database
        self.reason = reason


def translate_error(
    error: BaseException, database: str | None, *, connecting: bool = False
) -> DatabaseUnavailableError | None:
    """``error`` as a :class:`DatabaseUnavailableError` naming ``database``, or ``None``."""
    if isinstance(error, DatabaseUnavailableError):
        return error
    reason = describe_failure(error, connecting=connecting)
    return None if reason is None else DatabaseUnavailableError(database, reason)


def describe_failure(error: BaseException, *, connecting: bool = False) -> str | None:
    """A short reason when ``error`` is unavailability, else ``None``.

    ``connecting`` says the error happened while opening a connection, where any driver error
    (unknown database, authentication...) means the database cannot be used right now.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return "no pooled connection came free in time (pool_timeout)"
    if isinstance(error, sa_exc.DBAPIError):
        reason = _driver_reason(error.orig, connecting=connecting)
        if reason is None and error.connection_invalidated:
            reason = "connection lost"
        return reason
    return _driver_reason(error, connecting=connecting)


def _driver_reason(error: BaseException | None, *, connecting: bool) -> str | None:
    if error is None:
        return None
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, OSError):
        return f"cannot connect ({type(error).__name__})"
    reason = _coded_reason(error)
    if reason is None and connecting:
        reason = f"cannot connect ({_short_name(error)})"
    return reason


def _coded_reason(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str):
        if state in _PG_STATES:
            return _PG_STATES[state]
        if state.startswith("08"):  # connection_exception class
            return "connection lost"
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return _SQLITE_CODES.get(code & 0xFF) if isinstance(code, int) else _sqlite_text(error)
    args = getattr(error, "args", ())
    if args and isinstance(args[0], int):
        return _MYSQL_CODES.get(args[0])
    cause = error.__cause__
    if cause is not None and cause is not error and not isinstance(cause, sa_exc.SQLAlchemyError):
        return _driver_reason(cause, connecting=False)
    return None


def _sqlite_text(error: sqlite3.Error) -> str | None:
    # aiosqlite re-raises sqlite3 errors that may lack sqlite_errorcode; match the fixed texts.
    text = str(error)
    for reason in ("database is locked", "unable to open database file", "disk I/O error"):
        if text.startswith(reason):
            return reason
    return None


def _short_name(error: BaseException) -> str:
    cause = error.__cause__
    named = cause if cause is not None and type(error).__name__ == "Error" else error
    args = getattr(error, "args", ())
    code = f" {args[0]}" if args and isinstance(args[0], int) else ""
    return f"{type(named).__name__}{code}"


def describe_refusal(error: BaseException) -> str | None:
    """A short reason when the database refused a value ``error`` carried, else ``None``.

    The reason never quotes the value (the driver's message does: it goes to the log as the
    ``__cause__`` only).
    """
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        error = error.orig  # DBAPIError, or a raw exception raised while executing
    if isinstance(error, OverflowError):
        return _INTEGER_RANGE  # sqlite3: "Python int too large to convert to SQLite INTEGER"
    reason = _refused_by_code(error)
    if reason is None and error.__cause__ is not None and error.__cause__ is not error:
        reason = _refused_by_code(error.__cause__)
    return reason


def _refused_by_code(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state.startswith("22"):
        if state == "22000" and "range" in str(error):
            return _INTEGER_RANGE  # asyncpg: "... (value out of int32 range)"
        return _PG_REFUSALS.get(state, _PG_REFUSAL)
    args = getattr(error, "args", ())
    if args and isinstance(args[0], int) and not isinstance(error, OSError):
        return _MYSQL_REFUSALS.get(args[0])
    return None
