"""The reference application's tables: users, their posts, and comments on posts.

Typed SQLAlchemy 2 mappings that run unchanged on SQLite, PostgreSQL and MariaDB: ``Uuid`` (native
on PostgreSQL, ``CHAR(32)`` elsewhere), ``JSON`` tags, :class:`~schema.portable.UtcDateTime`,
and bounded ``String`` lengths wherever a column is indexed (MariaDB indexes need them).

The migrations in ``schema/migrations`` create exactly these tables; ``tests/schema`` checks
that they stay in step.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from schema.portable import UtcDateTime, utc_now

__all__ = ["ROLES", "STATUSES", "Base", "Comment", "Post", "User"]

ROLES = ("reader", "author", "admin")
STATUSES = ("draft", "published")

# NOTE: named constraints, so a migration can drop or alter them by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        Index(None, "created_at"),
        Index(None, "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Stored lower-cased, so the unique constraint is case-insensitive on every backend."""
    name: Mapped[str] = mapped_column(String(100))
    age: Mapped[int | None] = mapped_column(default=None)
    role: Mapped[str] = mapped_column(String(16), default="reader")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    """A :class:`~covet.security.passwords.PasswordHasher` hash; None: the user cannot log in
    (created before accounts had passwords, or through v2)."""

    posts: Mapped[list[Post]] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        Index(None, "author_id", "created_at"),
        Index(None, "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    author_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    """The ``Idempotency-Key`` the post was created with: a second request with it finds this
    row instead of creating another (many NULLs are allowed by a unique index everywhere)."""

    author: Mapped[User] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", passive_deletes=True
    )


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index(None, "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey(Post.id, ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(100))
    """The commenter's name when the comment was written."""
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), default=None
    )
    """The commenting user; None for comments from before accounts (and the seeded ones)."""
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utc_now)

    post: Mapped[Post] = relationship(back_populates="comments")

