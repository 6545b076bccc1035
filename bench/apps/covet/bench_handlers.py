"""Handlers of the CovetPy benchmark app, bound by operationId (see openapi.yaml)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

_GREETING = "Hello, World!"


async def plaintext() -> str:
    return _GREETING


async def json() -> dict[str, Any]:
    return {"message": _GREETING}


async def get_user_post(user_id: int, post_id: UUID, limit: int = 10) -> dict[str, Any]:
    return {"user_id": user_id, "post_id": str(post_id), "limit": limit}


async def create_item(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return body, 201


async def extra(item_id: int) -> dict[str, Any]:
    """The one handler behind the 1,000 extra routes of openapi-1000.yaml."""
    return {"item_id": item_id}
