"""Users, posts and comments: the reference application's handlers."""

from __future__ import annotations

import uuid
from typing import Any

from covet import HTTPError, NotFoundError
from handlers.store import BlogStore

# NOTE: replaced by the injected database session when the database provider lands.
STORE = BlogStore.seeded()

_GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}


async def list_users(limit: int, offset: int, sort: str, role: list[str] | None = None) -> dict[str, Any]:
    users = list(STORE.users.values())
    if role:
        users = [u for u in users if u["role"] in role]
    key = sort.lstrip("-")
    users.sort(key=lambda u: (u[key], u["id"]), reverse=sort.startswith("-"))
    return {"items": users[offset : offset + limit], "total": len(users), "limit": limit, "offset": offset}


async def create_user(body: dict[str, Any]) -> dict[str, Any]:
    user = STORE.add_user(body)
    if user is None:
        raise HTTPError(
            f"A user with email {body['email']!r} already exists", status=409, title="Conflict",
            details=[{"field": "email", "location": "body", "pointer": "/email",
                      "message": "Already registered", "code": "unique", "value": body["email"]}],
        )
    return user


def _user(user_id: int) -> dict[str, Any]:
    user = STORE.users.get(user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}")
    return user


async def get_user(user_id: int, accept_language: str) -> dict[str, Any]:
    user = _user(user_id)
    return {**user, "greeting": f"{_GREETINGS[accept_language]}, {user['name']}!"}


async def list_user_posts(user_id: int, limit: int, offset: int, tags: list[str] | None = None) -> dict[str, Any]:
    _user(user_id)
    posts = [p for p in STORE.posts.values() if p["author_id"] == user_id]
    if tags:
        posts = [p for p in posts if set(tags) <= set(p["tags"])]
    return {"items": posts[offset : offset + limit], "total": len(posts), "limit": limit, "offset": offset}


async def create_post(user_id: int, body: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
    _user(user_id)
    return STORE.add_post(user_id, body, key=idempotency_key)


async def get_user_post(user_id: int, post_id: uuid.UUID, comments: int) -> dict[str, Any]:
    post = STORE.posts.get(post_id)
    if post is None or post["author_id"] != user_id:
        raise NotFoundError(f"User {user_id} has no post {post_id}")
    newest = STORE.comments[post_id][-comments:] if comments else []
    return {**post, "comments": newest[::-1]}


async def search_posts(limit: int, where: dict[str, Any] | None = None, theme: str | None = None) -> dict[str, Any]:
    posts = list(STORE.posts.values())
    for name, value in (where or {}).items():
        posts = [p for p in posts if p.get(name) == value]
    page: dict[str, Any] = {"items": posts[:limit], "total": len(posts), "limit": limit}
    if theme is not None:
        page["theme"] = theme
    return page


async def add_comment(post_id: uuid.UUID, body: dict[str, Any]) -> dict[str, Any]:
    if post_id not in STORE.posts:
        raise NotFoundError(f"No post {post_id}")
    return STORE.add_comment(post_id, body)
