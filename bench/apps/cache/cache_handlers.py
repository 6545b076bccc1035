"""The handler of the response-cache benchmark app: one post read with SQLAlchemy (see openapi.yaml)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from covet.errors import NotFoundError


class Base(DeclarativeBase):
    pass


class Post(Base):
    """bench/cache_bench.py creates and fills this table (sqlite3) before the servers start."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))


async def get_post(post_id: int, db: AsyncSession) -> dict[str, Any]:
    post = await db.get(Post, post_id)
    if post is None:
        raise NotFoundError(f"No post {post_id}")
    return {"id": post.id, "author": post.author, "title": post.title, "body": post.body,
            "created_at": post.created_at}
