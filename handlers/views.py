"""How the reference app's rows look on the wire (v1 shapes; v2 renames in handlers.blog_v2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schema import Comment, Post, User

__all__ = ["comment_view", "post_view", "timestamp", "user_view"]


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC to the second: ``2025-01-06T09:00:00Z``."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def user_view(user: User) -> dict[str, Any]:
    # NOTE: listed field by field, so a new column (password_hash) never leaks into a response
    view: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "created_at": timestamp(user.created_at),
    }
    if user.age is not None:  # NOTE: the schema's age is an integer, never null: leave it out
        view["age"] = user.age
    return view


def post_view(post: Post) -> dict[str, Any]:
    return {
        "id": str(post.id),
        "author_id": post.author_id,
        "title": post.title,
        "body": post.body,
        "tags": list(post.tags),
        "status": post.status,
        "created_at": timestamp(post.created_at),
    }


def comment_view(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": comment.author,
        "author_id": comment.author_id,
        "text": comment.text,
        "created_at": timestamp(comment.created_at),
    }
