"""FastAPI serving the two database endpoints the idiomatic way.

The session comes from a dependency with ``yield`` (committed after the handler succeeds,
closed either way, as FastAPI's SQL tutorials do it); the database work is the same SQLAlchemy
code as the other apps (blog_db.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

import blog_db
from fastapi import Depends, FastAPI, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncSession

engine = blog_db.make_engine()
sessions = blog_db.make_sessionmaker(engine)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session
        await session.commit()


Session = Annotated[AsyncSession, Depends(get_session)]


@app.get("/users/{user_id}/posts/{post_id}")
async def get_user_post(user_id: int, post_id: UUID, db: Session) -> dict[str, Any]:
    post = await blog_db.fetch_post(db, user_id, post_id)
    if post is None:
        raise HTTPException(status_code=404, detail=f"User {user_id} has no post {post_id}")
    return post


@app.get("/users/{user_id}/posts")
async def list_user_posts(
    user_id: int, db: Session, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict[str, Any]]:
    return await blog_db.list_posts(db, user_id, limit)
