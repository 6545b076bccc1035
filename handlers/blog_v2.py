"""Version 2 of the users resource, over the same store as v1 (handlers.blog)."""

from __future__ import annotations

from typing import Any

from covet import HTTPError, NotFoundError

from handlers.blog import STORE


def _v2(user: dict[str, Any]) -> dict[str, Any]:
    user_id = user["id"]
    return {
        "id": user_id,
        "email": user["email"],
        "display_name": user["name"],
        "role": user["role"],
        "created_at": user["created_at"],
        "links": {"self": f"/v2/users/{user_id}", "posts": f"/v1/users/{user_id}/posts"},
    }


async def list_users(after: int, limit: int) -> dict[str, Any]:
    ids = sorted(i for i in STORE.users if i > after)
    page = ids[:limit]
    more = len(ids) > limit
    return {
        "data": [_v2(STORE.users[i]) for i in page],
        "next": f"/v2/users?after={page[-1]}&limit={limit}" if more else None,
    }


async def create_user(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    user = STORE.add_user({"email": body["email"], "name": body["display_name"],
                           "role": body.get("role", "reader")})
    if user is None:
        raise HTTPError(
            f"A user with email {body['email']!r} already exists", status=409, title="Conflict",
            details=[{"field": "email", "location": "body", "pointer": "/email",
                      "message": "Already registered", "code": "unique", "value": body["email"]}],
        )
    return _v2(user), 201, {"location": f"/v2/users/{user['id']}"}


async def get_user(user_id: int) -> dict[str, Any]:
    user = STORE.users.get(user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}")
    return _v2(user)
