"""Version 2 of the users resource, on the same tables as v1 (handlers.blog)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from covet.security.passwords import PasswordHasher

from handlers.repositories import UserRepository
from handlers.views import timestamp
from schema import User


def _v2(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.name,
        "role": user.role,
        "created_at": timestamp(user.created_at),
        "links": {"self": f"/v2/users/{user.id}", "posts": f"/v1/users/{user.id}/posts"},
    }


async def list_users(after: int, limit: int, db: AsyncSession) -> dict[str, Any]:
    """Keyset pages: ids after ``after``, one row more than asked to know if a next page exists."""
    rows = await UserRepository(db).list(order_by="id", after=after, limit=limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "data": [_v2(user) for user in page],
        "next": f"/v2/users?after={page[-1].id}&limit={limit}" if more else None,
    }


async def create_user(
    body: dict[str, Any], db: AsyncSession, passwords: PasswordHasher
) -> tuple[dict[str, Any], int, dict[str, str]]:
    users = UserRepository(db)
    await users.check_email_free(body["email"])  # NOTE: before bcrypt: a taken email costs no hash
    user = await users.register(
        email=body["email"], name=body["display_name"], role=body.get("role", "reader"),
        password_hash=await passwords.hash(body["password"]),
    )
    return _v2(user), 201, {"location": f"/v2/users/{user.id}"}


async def get_user(user_id: int, db: AsyncSession) -> dict[str, Any]:
    return _v2(await UserRepository(db).get_or_404(user_id))
