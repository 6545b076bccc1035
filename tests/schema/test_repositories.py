"""The reference app's queries (handlers/repositories.py) under the race their unique columns
exist for: two requests' transactions, the second past its check before the first commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from covet import HTTPError
from handlers.repositories import PostRepository, UserRepository

Write = Callable[[AsyncSession], Awaitable[Any]]


async def race(engine: AsyncEngine, first: Write, second: Write) -> HTTPError:
    """``first`` flushes, ``second`` starts and passes its check, then ``first`` commits."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as one, sessions() as two:
        await first(one)
        late = asyncio.create_task(second(two))
        await asyncio.sleep(0.3)  # long enough to run the check and block on the insert
        await one.commit()
        with pytest.raises(HTTPError) as raised:
            await late
        await two.rollback()
    return raised.value


async def register(session: AsyncSession, email: str) -> Any:
    return await UserRepository(session).register(email=email, name="N", role="reader")


async def test_an_email_registered_meanwhile_is_a_409_not_a_500(migrated: AsyncEngine) -> None:
    error = await race(
        migrated,
        lambda s: register(s, "same@example.com"),
        lambda s: register(s, "Same@Example.com"),
    )
    assert error.status == 409 and isinstance(error.__cause__, IntegrityError)
    assert error.details[0]["code"] == "unique" and error.details[0]["value"] == "Same@Example.com"


async def test_an_idempotency_key_used_meanwhile_is_a_409_asking_for_a_retry(
    migrated: AsyncEngine,
) -> None:
    async with async_sessionmaker(migrated)() as session:
        author = (await register(session, "author@example.com")).id
        await session.commit()
    values = {"title": "t", "body": "b", "tags": [], "status": "draft"}
    error = await race(
        migrated,
        lambda s: PostRepository(s).write(author, values, "key-race-1"),
        lambda s: PostRepository(s).write(author, values, "key-race-1"),
    )
    assert error.status == 409 and isinstance(error.__cause__, IntegrityError)
    assert "retry" in error.detail


async def test_a_repeated_idempotency_key_returns_the_first_post(migrated: AsyncEngine) -> None:
    async with async_sessionmaker(migrated, expire_on_commit=False)() as session:
        author = (await register(session, "author@example.com")).id
        posts = PostRepository(session)
        values = {"title": "t", "body": "b", "tags": ["x"], "status": "draft"}
        first = await posts.write(author, values, "key-again-1")
        await session.commit()
        again = await posts.write(author, {**values, "title": "other"}, "key-again-1")
        assert again.id == first.id and again.title == "t"
