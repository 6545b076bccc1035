"""Database-backed body checks (``x-covet-unique``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["value_exists"]


async def value_exists(session: AsyncSession, table: str, column: str, value: Any) -> bool:
    """Whether ``table`` has a row whose ``column`` equals ``value``.

    The identifiers come from the spec (checked to be plain identifiers at compile time) and
    are quoted by the dialect; the value is a bound parameter. Equality follows the column's
    collation: case-insensitive on MariaDB's default collations, case-sensitive on PostgreSQL.
    """
    target = sa.table(table, sa.column(column))
    statement = sa.select(sa.literal(1)).select_from(target).where(target.c[column] == value).limit(1)
    return (await session.execute(statement)).first() is not None
