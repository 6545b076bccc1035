"""What the database itself guarantees once migrated, on every backend: the unique constraints
behind the 409s, cascades, and the portable column types."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schema import Comment, Post, User
from schema.portable import contains_all


@pytest.fixture
async def session(migrated: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(migrated, expire_on_commit=False)() as session:
        yield session


async def add_author(session: AsyncSession, email: str = "ann@example.com") -> User:
    user = User(email=email, name="Ann", role="author")
    session.add(user)
    await session.commit()
    return user


async def test_a_second_user_with_the_same_email_is_refused(session: AsyncSession) -> None:
    await add_author(session)
    session.add(User(email="ann@example.com", name="Other"))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_idempotency_keys_are_unique_but_many_posts_have_none(session: AsyncSession) -> None:
    ann = await add_author(session)
    session.add_all([Post(author_id=ann.id, title=f"t{n}", body="b") for n in range(3)])
    session.add(Post(author_id=ann.id, title="keyed", body="b", idempotency_key="key-1"))
    await session.commit()
    session.add(Post(author_id=ann.id, title="again", body="b", idempotency_key="key-1"))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_a_post_needs_an_existing_author(session: AsyncSession) -> None:
    session.add(Post(author_id=999, title="t", body="b"))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_deleting_a_user_deletes_their_posts_and_comments(session: AsyncSession) -> None:
    ann = await add_author(session)
    post = Post(author_id=ann.id, title="t", body="b")
    session.add(post)
    await session.flush()
    session.add(Comment(post_id=post.id, author="Bo", text="hi"))
    await session.commit()
    await session.execute(delete(User).where(User.id == ann.id))
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Post)) == 0
    assert await session.scalar(select(func.count()).select_from(Comment)) == 0


async def test_timestamps_come_back_aware_utc_with_microseconds(session: AsyncSession) -> None:
    moment = dt.datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    user = User(email="t@example.com", name="T", created_at=moment)
    session.add(user)
    await session.commit()
    session.expunge_all()
    found = await session.get(User, user.id)
    assert found is not None
    assert found.created_at == moment and found.created_at.tzinfo == dt.UTC
    assert found.created_at.hour == 10 and found.created_at.microsecond == 123456


async def test_naive_timestamps_are_refused(session: AsyncSession) -> None:
    session.add(User(email="n@example.com", name="N", created_at=dt.datetime(2025, 1, 1)))
    with pytest.raises(Exception, match="no time zone"):
        await session.commit()


async def test_uuid_keys_and_json_tags_round_trip(session: AsyncSession) -> None:
    ann = await add_author(session)
    key = uuid.uuid4()
    session.add(Post(id=key, author_id=ann.id, title="t", body="b", tags=["sql", "café"]))
    await session.commit()
    session.expunge_all()
    found = await session.get(Post, key)
    assert found is not None and found.id == key and found.tags == ["sql", "café"]


@pytest.mark.parametrize(
    ("wanted", "titles"),
    [
        (["python"], {"py", "both"}),
        (["python", "asgi"], {"both"}),
        (["asgi", "python"], {"both"}),
        (["Python"], set()),
        (["pyth"], set()),
        (['quo"te'], {"odd"}),
        (["café"], {"odd"}),
    ],
)
async def test_contains_all_matches_posts_holding_every_tag(
    session: AsyncSession, wanted: list[str], titles: set[str]
) -> None:
    ann = await add_author(session)
    tagged = {"py": ["python"], "both": ["asgi", "python", "sql"], "none": [],
              "odd": ['quo"te', "café", "python-ish"]}
    session.add_all(Post(author_id=ann.id, title=t, body="b", tags=tags) for t, tags in tagged.items())
    await session.commit()
    found = await session.scalars(select(Post.title).where(contains_all(Post.tags, wanted)))
    assert set(found) == titles
