"""Users, posts and comments: the reference application's v1 handlers, on the database.

Every handler takes the request's session as ``db`` (one transaction per request, committed when
the response is not an error); the queries live in handlers.repositories. Writes take the
bearer token's ``user`` (loaded by handlers.auth:load_user) and its ``scopes``: posts and
comments belong to their author; a token with the ``admin`` scope may delete anything. Login,
refresh, logout and ``/me`` are in handlers.auth.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from covet import ForbiddenError, NotFoundError
from covet.security.passwords import PasswordHasher
from handlers.auth import get_me, is_admin, login, logout, must_be, refresh
from handlers.repositories import CommentRepository, PostRepository, UserRepository
from handlers.views import comment_view, post_view, user_view
from schema import Post, User

__all__ = [
    "add_comment", "create_post", "create_user", "delete_comment", "delete_post", "get_me",
    "get_user", "get_user_post", "list_user_posts", "list_users", "login", "logout", "refresh",
    "search_posts", "update_post",
]

_GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}


async def list_users(
    limit: int, offset: int, sort: str, db: AsyncSession, role: list[str] | None = None
) -> dict[str, Any]:
    users, total = await UserRepository(db).page(roles=role, sort=sort, limit=limit, offset=offset)
    return {"items": [user_view(u) for u in users], "total": total, "limit": limit, "offset": offset}


async def create_user(
    body: dict[str, Any], db: AsyncSession, passwords: PasswordHasher
) -> dict[str, Any]:
    users = UserRepository(db)
    await users.check_email_free(body["email"])  # NOTE: before bcrypt: a taken email costs no hash
    user = await users.register(
        email=body["email"], name=body["name"], role=body.get("role", "reader"), age=body.get("age"),
        password_hash=await passwords.hash(body["password"]),
    )
    return user_view(user)


async def get_user(user_id: int, accept_language: str, db: AsyncSession) -> dict[str, Any]:
    user = await UserRepository(db).get_or_404(user_id)
    return {**user_view(user), "greeting": f"{_GREETINGS[accept_language]}, {user.name}!"}


async def list_user_posts(
    user_id: int, limit: int, offset: int, db: AsyncSession, tags: list[str] | None = None
) -> dict[str, Any]:
    await UserRepository(db).get_or_404(user_id)
    posts, total = await PostRepository(db).page_of(user_id, tags=tags, limit=limit, offset=offset)
    return {"items": [post_view(p) for p in posts], "total": total, "limit": limit, "offset": offset}


async def create_post(
    user_id: int, body: dict[str, Any], db: AsyncSession, user: User,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    if user.id != user_id:
        raise ForbiddenError(f"A token of user {user.id} may only write posts as user {user.id}")
    values = {
        "title": body["title"],
        "body": body["body"],
        "tags": body.get("tags", []),
        "status": body.get("status", "draft"),
    }
    return post_view(await PostRepository(db).write(user_id, values, idempotency_key))


async def _post_of(db: AsyncSession, user_id: int, post_id: uuid.UUID) -> Post:
    post = await PostRepository(db).of_author(user_id, post_id)
    if post is None:
        raise NotFoundError(f"User {user_id} has no post {post_id}")
    return post


async def update_post(
    user_id: int, post_id: uuid.UUID, body: dict[str, Any], db: AsyncSession, user: User
) -> dict[str, Any]:
    post = await _post_of(db, user_id, post_id)
    must_be(user, post.author_id, "this post")
    for name, value in body.items():  # NOTE: PostChange allows only title, body, tags, status
        setattr(post, name, list(value) if name == "tags" else value)
    await db.flush()
    return post_view(post)


async def delete_post(
    user_id: int, post_id: uuid.UUID, db: AsyncSession, user: User, scopes: frozenset[str]
) -> tuple[None, int]:
    post = await _post_of(db, user_id, post_id)
    if not is_admin(scopes):
        must_be(user, post.author_id, "this post")
    await PostRepository(db).delete(post.id)
    return None, 204


async def get_user_post(
    user_id: int, post_id: uuid.UUID, comments: int, db: AsyncSession
) -> dict[str, Any]:
    post = await _post_of(db, user_id, post_id)
    newest = await CommentRepository(db).newest(post_id, comments)
    return {**post_view(post), "comments": [comment_view(c) for c in newest]}


async def search_posts(
    limit: int, db: AsyncSession, where: dict[str, Any] | None = None, theme: str | None = None
) -> dict[str, Any]:
    where = where or {}
    posts, total = await PostRepository(db).search(
        status=where.get("status"), author_id=where.get("author_id"), limit=limit
    )
    page: dict[str, Any] = {"items": [post_view(p) for p in posts], "total": total, "limit": limit}
    if theme is not None:
        page["theme"] = theme
    return page


async def add_comment(
    post_id: uuid.UUID, body: dict[str, Any], db: AsyncSession, user: User
) -> dict[str, Any]:
    if await PostRepository(db).get_by_id(post_id) is None:
        raise NotFoundError(f"No post {post_id}")
    comment = await CommentRepository(db).create(
        post_id=post_id, author=user.name, author_id=user.id, text=body["text"]
    )
    return comment_view(comment)


async def delete_comment(
    post_id: uuid.UUID, comment_id: int, db: AsyncSession, user: User, scopes: frozenset[str]
) -> tuple[None, int]:
    comments = CommentRepository(db)
    comment = await comments.get_by_id(comment_id)
    if comment is None or comment.post_id != post_id:
        raise NotFoundError(f"Post {post_id} has no comment {comment_id}")
    if not is_admin(scopes):
        must_be(user, comment.author_id, "this comment")
    await comments.delete(comment.id)
    return None, 204
