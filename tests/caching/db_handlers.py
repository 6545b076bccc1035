"""Handlers of tests/caching/test_tables.py: posts in a real database, every list counted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CALLS: dict[str, int] = {}


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "cached_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Note(Base):
    __tablename__ = "cached_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


async def list_posts(db: AsyncSession) -> list[dict[str, Any]]:
    CALLS["list_posts"] = CALLS.get("list_posts", 0) + 1
    rows = await db.scalars(select(Post).order_by(Post.id))
    return [{"id": p.id, "title": p.title} for p in rows]


async def create_post(body: dict[str, Any], db: AsyncSession, how: str = "orm") -> Any:
    if how == "orm":
        db.add(Post(title=body["title"]))
    elif how == "commit-itself":
        db.add(Post(title=body["title"]))
        await db.commit()
    elif how == "core":
        await db.execute(update(Post).where(Post.id == 1).values(title=body["title"]))
    elif how == "raw":
        await db.execute(text("UPDATE cached_posts SET title = :t WHERE id = 1"), {"t": body["title"]})
    elif how == "other-table":
        db.add(Note(text=body["title"]))
    elif how == "rolled-back":
        db.add(Post(title=body["title"]))
        await db.flush()
        return {"refused": True}, 409
    return {"ok": True}, 201
