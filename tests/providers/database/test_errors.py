"""Which failures are "the database cannot serve" (503), and what the message may say."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from covet.errors import ProviderError
from covet.providers.database import DatabaseUnavailableError
from covet.providers.database._errors import (
    describe_failure,
    describe_refusal,
    translate_error,
)


class PostgresError(Exception):
    """The shape of a PostgreSQL driver error: a message and a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def locked_sqlite_error(tmp_path: Path) -> sqlite3.OperationalError:
    """A real "database is locked": a second writer with no patience."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("INSERT INTO t VALUES (1)")
        return caught.value
    finally:
        other.close()
        holder.close()


def test_unavailable_error_is_a_provider_error_naming_the_database() -> None:
    error = DatabaseUnavailableError("analytics", "connection refused")
    assert isinstance(error, ProviderError)
    assert str(error) == "Database 'analytics' is unavailable: connection refused"
    assert (error.database, error.reason) == ("analytics", "connection refused")


def test_unattributed_failure_says_a_database() -> None:
    assert str(DatabaseUnavailableError(None, "timed out")) == (
        "A database is unavailable: timed out"
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "refused"), "connection refused"),
        (TimeoutError(), "timed out"),
        (ConnectionResetError(104, "reset"), "cannot connect (ConnectionResetError)"),
        (sa_exc.TimeoutError("QueuePool limit"), "no pooled connection came free in time (pool_timeout)"),
        (PostgresError("canceling statement due to statement timeout", "57014"), "statement timed out"),
        (PostgresError("deadlock detected", "40P01"), "deadlock detected; retry"),
        (PostgresError("connection does not exist", "08003"), "connection lost"),
        (Exception(1213, "Deadlock found"), "deadlock detected; retry"),
        (Exception(1969, "max_statement_time exceeded"), "statement timed out"),
        (Exception(2013, "Lost connection to server during query"), "connection lost"),
    ],
)
def test_unavailability_is_described_in_a_few_words(error: BaseException, reason: str) -> None:
    assert describe_failure(error) == reason


@pytest.mark.parametrize(
    "error",
    [
        PostgresError('duplicate key value violates unique constraint "u"', "23505"),
        PostgresError('relation "nope" does not exist', "42P01"),
        Exception(1062, "Duplicate entry"),
        Exception(1146, "Table 'test.nope' doesn't exist"),
        sqlite3.OperationalError("no such table: nope"),
        ValueError("not a database error"),
    ],
)
def test_application_errors_are_not_unavailability(error: BaseException) -> None:
    assert describe_failure(error) is None


def test_locked_sqlite_database_is_unavailability(tmp_path: Path) -> None:
    assert describe_failure(locked_sqlite_error(tmp_path)) == "database is locked"


def test_any_driver_error_while_connecting_is_unavailability() -> None:
    refused_login = PostgresError('password authentication failed for user "app"', "28P01")
    assert describe_failure(refused_login) is None
    assert describe_failure(refused_login, connecting=True) == "cannot connect (PostgresError)"


def test_invalidated_connection_is_unavailability() -> None:
    wrapped = sa_exc.DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True)
    assert describe_failure(wrapped) == "connection lost"


def test_message_never_carries_sql_parameters_or_url() -> None:
    wrapped = sa_exc.OperationalError(
        "UPDATE users SET password = %s", ("hunter2",), Exception(2006, "MySQL server has gone away")
    )
    translated = translate_error(wrapped, "default")
    assert translated is not None
    assert str(translated) == "Database 'default' is unavailable: server has gone away"


def test_translation_keeps_an_unavailable_error_as_it_is() -> None:
    error = DatabaseUnavailableError("default", "timed out")
    assert translate_error(error, "other") is error


def sqlite_overflow() -> OverflowError:
    """sqlite3's own refusal of an integer past 64 bits."""
    with pytest.raises(OverflowError) as caught:
        sqlite3.connect(":memory:").execute("SELECT ?", (2**64,))
    return caught.value


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (sqlite_overflow(), "an integer is beyond the database's range"),
        (PostgresError("invalid input for query argument $1: 3000000000 (value out of int32 "
                       "range)", "22000"), "an integer is beyond the database's range"),
        (PostgresError("integer out of range", "22003"), "a number is beyond its column's range"),
        (PostgresError("value too long for type character varying(5)", "22001"),
         "a text is longer than its column allows"),
        (PostgresError('invalid input syntax for type uuid: "x"', "22P02"),
         "a value is not valid for its column's type"),
        (PostgresError("division by zero", "22012"), "a value is not valid for the database"),
        (Exception(1264, "Out of range value for column 'score' at row 1"),
         "a number is beyond its column's range"),
        (Exception(1406, "Data too long for column 'slug' at row 1"),
         "a text is longer than its column allows"),
        (Exception(1366, "Incorrect integer value: 'x' for column 'score'"),
         "a value is not valid for its column's type"),
    ],
)
def test_a_value_the_database_refused_is_described_without_quoting_it(
    error: BaseException, reason: str
) -> None:
    assert describe_refusal(error) == reason
    wrapped = sa_exc.DBAPIError("INSERT INTO t VALUES (?)", ("secret",), error)
    assert describe_refusal(wrapped) == reason
    assert describe_failure(error) is None  # a refusal is never unavailability


@pytest.mark.parametrize(
    "error",
    [
        PostgresError('duplicate key value violates unique constraint "u"', "23505"),
        PostgresError("canceling statement due to statement timeout", "57014"),
        Exception(1062, "Duplicate entry"),
        Exception(1064, "You have an error in your SQL syntax"),
        Exception(2013, "Lost connection to server during query"),
        ConnectionResetError(104, "reset"),
        sqlite3.OperationalError("no such table: nope"),
        ValueError("not a database error"),
    ],
)
def test_other_failures_are_not_refusals(error: BaseException) -> None:
    assert describe_refusal(error) is None
