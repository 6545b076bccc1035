"""The SQLAlchemy 2 code all three benchmark apps share: models, engine settings, queries.

CovetPy gets its engine from covet.yaml (``providers.database``); the bare ASGI app and the
FastAPI app build theirs with :func:`make_engine` from the same ``COVET_BENCH_*`` environment
variables and the same defaults, so the three pools are configured alike (bench/db/README.md).
The two query functions are the whole of each endpoint's database work, identical everywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, bindparam, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/covet_bench"


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("posts_user_newest", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# Built once; SQLAlchemy caches their compiled SQL, as it would for statements built per call.
_POST = (
    select(Post.id, Post.user_id, User.name, Post.title, Post.body, Post.created_at)
    .join(User, User.id == Post.user_id)
    .where(Post.id == bindparam("post_id"), Post.user_id == bindparam("user_id"))
)
_NEWEST = (
    select(Post.id, Post.title, Post.created_at)
    .where(Post.user_id == bindparam("user_id"))
    .order_by(Post.created_at.desc(), Post.id.desc())
    .limit(bindparam("limit"))
)


async def fetch_post(session: AsyncSession, user_id: int, post_id: uuid.UUID) -> dict[str, Any] | None:
    """The post ``post_id`` of user ``user_id`` with its author's name, or None."""
    result = await session.execute(_POST, {"post_id": post_id, "user_id": user_id})
    row = result.one_or_none()
    if row is None:
        return None
    return {"id": str(row.id), "user_id": row.user_id, "author": row.name, "title": row.title,
            "body": row.body, "created_at": row.created_at.isoformat()}


async def list_posts(session: AsyncSession, user_id: int, limit: int) -> list[dict[str, Any]]:
    """User ``user_id``'s ``limit`` newest posts (an unknown user has none)."""
    result = await session.execute(_NEWEST, {"user_id": user_id, "limit": limit})
    return [{"id": str(row.id), "title": row.title, "created_at": row.created_at.isoformat()}
            for row in result]


def pool_settings() -> dict[str, Any]:
    """The pool of every app; CovetPy's covet.yaml reads the same variables, same defaults."""
    env = os.environ
    return {
        "pool_size": int(env.get("COVET_BENCH_POOL_SIZE", "20")),
        "max_overflow": int(env.get("COVET_BENCH_MAX_OVERFLOW", "0")),
        "pool_timeout": 5.0,
        "pool_recycle": 1800.0,
        "pool_pre_ping": env.get("COVET_BENCH_PRE_PING", "false") == "true",
    }


def make_engine() -> AsyncEngine:
    """The engine of the bare and FastAPI apps: CovetPy's choices, made by hand."""
    url = os.environ.get("COVET_BENCH_DB_URL", DEFAULT_URL)
    return create_async_engine(url, connect_args={"timeout": 5.0}, hide_parameters=True,
                               **pool_settings())


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
