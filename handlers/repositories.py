"""The reference app's queries, one repository per table, over the request's session (``db``).

They flush and never commit: the request's transaction is committed by CovetPy when the
response is not an error, and rolled back otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import UnaryExpression

from covet import HTTPError, NotFoundError
from covet.providers.database import BaseRepository
from schema import Comment, Post, User
from schema.portable import contains_all

__all__ = ["CommentRepository", "Page", "PostRepository", "UserRepository", "email_taken"]

Page = tuple[list[Any], int]
"""One page of rows and the number of rows on every page together."""

_USER_ORDER: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "name": (User.name.asc(), User.id.asc()),
    "-name": (User.name.desc(), User.id.desc()),
    "created_at": (User.created_at.asc(), User.id.asc()),
    "-created_at": (User.created_at.desc(), User.id.desc()),
}
_POST_ORDER = (Post.created_at.asc(), Post.id.asc())


class UserRepository(BaseRepository[User]):
    model = User

    async def page(
        self, *, roles: Sequence[str] | None, sort: str, limit: int, offset: int
    ) -> Page:
        where = [User.role.in_(roles)] if roles else []
        statement = select(User).where(*where).order_by(*_USER_ORDER[sort])
        rows = await self.session.scalars(statement.limit(limit).offset(offset))
        return list(rows), await _count(self.session, User, where)

    async def get_or_404(self, user_id: int) -> User:
        user = await self.get_by_id(user_id)
        if user is None:
            raise NotFoundError(f"No user {user_id}")
        return user

    async def check_email_free(self, email: str) -> None:
        """409 when the email (compared without case) is taken."""
        taken = await self.session.scalar(select(User.id).where(User.email == email.lower()))
        if taken is not None:
            raise email_taken(email)

    async def register(
        self, *, email: str, name: str, role: str, age: int | None = None,
        password_hash: str | None = None,
    ) -> User:
        """A new user; 409 when the email (compared without case) is taken.

        The check comes first for a clear answer; the unique constraint catches the race of
        two requests registering the same email at once.
        """
        await self.check_email_free(email)
        try:
            return await self.create(
                email=email.lower(), name=name, role=role, age=age, password_hash=password_hash
            )
        except IntegrityError as exc:
            raise email_taken(email) from exc


class PostRepository(BaseRepository[Post]):
    model = Post

    async def page_of(
        self, author_id: int, *, tags: Sequence[str] | None, limit: int, offset: int
    ) -> Page:
        where: list[ColumnElement[bool]] = [Post.author_id == author_id]
        if tags:
            where.append(contains_all(Post.tags, tags))
        statement = select(Post).where(*where).order_by(*_POST_ORDER)
        rows = await self.session.scalars(statement.limit(limit).offset(offset))
        return list(rows), await _count(self.session, Post, where)

    async def search(self, *, status: str | None, author_id: int | None, limit: int) -> Page:
        where: list[ColumnElement[bool]] = []
        if status is not None:
            where.append(Post.status == status)
        if author_id is not None:
            where.append(Post.author_id == author_id)
        statement = select(Post).where(*where).order_by(*_POST_ORDER)
        rows = await self.session.scalars(statement.limit(limit))
        return list(rows), await _count(self.session, Post, where)

    async def of_author(self, author_id: int, post_id: uuid.UUID) -> Post | None:
        found = await self.session.scalars(
            select(Post).where(Post.id == post_id, Post.author_id == author_id)
        )
        return found.one_or_none()

    async def write(self, author_id: int, values: dict[str, Any], key: str | None) -> Post:
        """A new post, or the one created earlier with the same ``Idempotency-Key``.

        Raises:
            HTTPError: 409 when the key belongs to another author's post, or to a request
                that is still being processed (its post is not committed yet: retry).
        """
        if key is not None:
            earlier = await self._by_key(key)
            if earlier is not None:
                return _same_author(earlier, author_id, key)
        try:
            return await self.create(author_id=author_id, idempotency_key=key, **values)
        except IntegrityError as exc:
            if key is None:
                raise
            raise HTTPError(
                "A request with this Idempotency-Key is still being processed; retry it to get "
                "its result", status=409, title="Conflict",
                details=[_key_detail(key, "In use by a concurrent request")],
            ) from exc

    async def _by_key(self, key: str) -> Post | None:
        return await self.session.scalar(select(Post).where(Post.idempotency_key == key))


class CommentRepository(BaseRepository[Comment]):
    model = Comment

    async def newest(self, post_id: uuid.UUID, count: int) -> list[Comment]:
        if count == 0:
            return []
        statement = (
            select(Comment)
            .where(Comment.post_id == post_id)
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(count)
        )
        return list(await self.session.scalars(statement))


def email_taken(email: str) -> HTTPError:
    return HTTPError(
        f"A user with email {email!r} already exists", status=409, title="Conflict",
        details=[{"field": "email", "location": "body", "pointer": "/email",
                  "message": "Already registered", "code": "unique", "value": email}],
    )


async def _count(
    session: AsyncSession, model: type[Any], where: Sequence[ColumnElement[bool]]
) -> int:
    statement = select(func.count()).select_from(model).where(*where)
    return int(await session.scalar(statement) or 0)


def _same_author(post: Post, author_id: int, key: str) -> Post:
    if post.author_id != author_id:
        raise HTTPError(
            "This Idempotency-Key was already used for another user's post; send a new key",
            status=409, title="Conflict",
            details=[_key_detail(key, "Already used for another request")],
        )
    return post


def _key_detail(key: str, message: str) -> dict[str, Any]:
    return {"field": "Idempotency-Key", "location": "header", "message": message,
            "code": "unique", "value": key}
