"""UTCDateTime on every backend: aware UTC out whatever went in, microseconds kept, naive refused."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import MetaData, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from covet.providers.database import UTCDateTime, utc_now
from tests.providers.backends import Backend, opened

PARIS = dt.timezone(dt.timedelta(hours=2))


def event_model() -> tuple[type[DeclarativeBase], type[Any]]:
    class Base(DeclarativeBase):
        metadata = MetaData()

    class Event(Base):
        __tablename__ = f"covet_event_{uuid.uuid4().hex[:10]}"
        id: Mapped[int] = mapped_column(primary_key=True)
        at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
        created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)

    return Base, Event


@asynccontextmanager
async def events_on(backend: Backend) -> AsyncIterator[tuple[AsyncSession, type[Any]]]:
    base, event = event_model()
    async with opened(backend.config(), base) as provider:
        scope = provider.begin("db")
        try:
            yield await scope.enter(), event
        finally:
            await scope.exit(ok=False)


async def test_values_come_back_aware_in_utc_with_microseconds(any_backend: Backend) -> None:
    async with events_on(any_backend) as (session, event):
        given = dt.datetime(2024, 5, 1, 14, 30, 5, 123456, tzinfo=PARIS)
        session.add_all([event(id=1, at=given), event(id=2, at=None)])
        await session.flush()
        session.expunge_all()  # read from the database, not the identity map
        first, second = (await session.scalars(select(event).order_by(event.id))).all()
        assert first.at == given and first.at.tzinfo is dt.UTC
        assert first.at == dt.datetime(2024, 5, 1, 12, 30, 5, 123456, tzinfo=dt.UTC)
        assert second.at is None
        assert first.created_at.tzinfo is dt.UTC
        assert abs(utc_now() - first.created_at) < dt.timedelta(minutes=1)


async def test_stored_as_utc_so_comparisons_in_sql_are_by_instant(any_backend: Backend) -> None:
    async with events_on(any_backend) as (session, event):
        session.add_all([
            event(id=1, at=dt.datetime(2024, 5, 1, 11, 0, tzinfo=dt.UTC)),
            event(id=2, at=dt.datetime(2024, 5, 1, 14, 0, tzinfo=PARIS)),  # 12:00 UTC
            event(id=3, at=dt.datetime(2024, 5, 1, 13, 0, tzinfo=dt.UTC)),
        ])
        await session.flush()
        noon_in_paris = dt.datetime(2024, 5, 1, 13, 30, tzinfo=PARIS)  # 11:30 UTC
        later = await session.scalars(
            select(event.id).where(event.at > noon_in_paris).order_by(event.at)
        )
        assert list(later) == [2, 3]
        if any_backend.name != "postgresql":  # the others hold the UTC wall time itself
            raw = await session.scalar(text(f"SELECT at FROM {event.__tablename__} WHERE id = 2"))
            assert str(raw).startswith("2024-05-01 12:00:00")


async def test_a_naive_datetime_is_refused_not_guessed(any_backend: Backend) -> None:
    async with events_on(any_backend) as (session, event):
        session.add(event(id=1, at=dt.datetime(2024, 5, 1, 12, 0)))
        with pytest.raises(StatementError, match="has no time zone; UTCDateTime stores points"):
            await session.flush()


def test_its_python_type_is_datetime() -> None:
    assert UTCDateTime().python_type is dt.datetime
