"""Handlers of the CovetPy app, bound by operationId; ``db`` is the provider's session."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import blog_db
from sqlalchemy.ext.asyncio import AsyncSession

from covet import NotFoundError


async def get_user_post(user_id: int, post_id: UUID, db: AsyncSession) -> dict[str, Any]:
    post = await blog_db.fetch_post(db, user_id, post_id)
    if post is None:
        raise NotFoundError(f"User {user_id} has no post {post_id}")
    return post


async def list_user_posts(user_id: int, db: AsyncSession, limit: int = 20) -> list[dict[str, Any]]:
    return await blog_db.list_posts(db, user_id, limit)
