"""Column types that mean the same on SQLite, PostgreSQL and MariaDB/MySQL.

:class:`UTCDateTime` is a point in time, stored in UTC and read back as an aware UTC
``datetime`` on every backend. ``DateTime(timezone=True)`` alone does not give that: SQLite and
MariaDB keep no time zone, so they hand back naive values, and MariaDB's ``DATETIME`` drops the
microseconds unless asked for ``DATETIME(6)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UTCDateTime", "utc_now"]

_MYSQL = ("mysql", "mariadb")


def utc_now() -> dt.datetime:
    """The current time as an aware UTC ``datetime`` (a ``default=`` for ``UTCDateTime``)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC ``datetime`` column: ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL,
    ``DATETIME(6)`` holding UTC on MariaDB/MySQL, ISO text holding UTC on SQLite.

    Values in may be in any time zone; they are converted to UTC. Values out are always aware,
    in UTC (``tzinfo=datetime.UTC``), whatever the backend returned. A naive ``datetime`` (no
    ``tzinfo``) is refused rather than guessed at: it may be local time or UTC, and guessing
    wrong shifts every stored value silently. The flush then fails with ``StatementError`` whose
    cause is the ``ValueError`` naming the value.

    Example:
        >>> class Post(Base):
        ...     __tablename__ = "posts"
        ...     id: Mapped[int] = mapped_column(primary_key=True)
        ...     created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    .. versionadded:: 0.1
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in _MYSQL:
            # NOTE: imported here, where the MariaDB dialect has loaded it already: SQLite and
            # PostgreSQL servers never pay for sqlalchemy.dialects.mysql (bench/MEMORY.md).
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime takes a datetime, not {type(value).__name__} {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{value!r} has no time zone; UTCDateTime stores points in time: pass an aware "
                "datetime, e.g. datetime.now(datetime.UTC) or value.replace(tzinfo=datetime.UTC)"
            )
        moment = value.astimezone(dt.UTC)
        # PostgreSQL keeps the offset itself; the others store the UTC wall time.
        return moment if dialect.name == "postgresql" else moment.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a raw text value (a column SQLite typed loosely)
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime
