"""Column types and SQL that behave the same on SQLite, PostgreSQL and MariaDB.

- :class:`UtcDateTime`: an aware UTC ``datetime`` in, the same out, on every backend (SQLite and
  MariaDB keep no time zone, so the value is stored as naive UTC there; MariaDB keeps
  microseconds, as the others do).
- :class:`contains_all`: "this JSON array column holds every one of these strings", in each
  backend's own terms (``@>`` on PostgreSQL, ``JSON_CONTAINS`` on MariaDB, ``json_each`` on
  SQLite).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, DateTime, Dialect, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UtcDateTime", "contains_all", "utc_now"]

_MYSQL = ("mysql", "mariadb")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """``TIMESTAMP WITH TIME ZONE`` on PostgreSQL, ``DATETIME(6)`` on MariaDB, text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in _MYSQL:
            # NOTE: imported here, where the MariaDB dialect has loaded it already: SQLite and
            # PostgreSQL servers never pay for sqlalchemy.dialects.mysql (~1 MB, bench/MEMORY.md)
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; pass an aware datetime (UTC)")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class contains_all(FunctionElement[bool]):  # lower case: it reads as the SQL function it is
    """True where the JSON array in ``column`` holds every string of ``values``.

    Example:
        >>> select(Post).where(contains_all(Post.tags, ["python", "asgi"]))
    """

    type = Boolean()
    name = "contains_all"
    inherit_cache = True

    def __init__(
        self, column: ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[str]
    ) -> None:
        super().__init__(column, literal(json.dumps(list(values)), String()))


def _arguments(element: contains_all, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, values = element.clauses
    return compiler.process(column, **kw), compiler.process(values, **kw)


@compiles(contains_all, "postgresql")
def _contains_all_postgresql(element: contains_all, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = _arguments(element, compiler, **kw)
    return f"(CAST({column} AS JSONB) @> CAST({values} AS JSONB))"


@compiles(contains_all, "mysql")
@compiles(contains_all, "mariadb")
def _contains_all_mysql(element: contains_all, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = _arguments(element, compiler, **kw)
    return f"(JSON_CONTAINS({column}, {values}) = 1)"


@compiles(contains_all)
def _contains_all_sqlite(element: contains_all, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = _arguments(element, compiler, **kw)
    return (
        f"(NOT EXISTS (SELECT 1 FROM json_each({values}) AS wanted WHERE wanted.value NOT IN "
        f"(SELECT held.value FROM json_each({column}) AS held)))"
    )
