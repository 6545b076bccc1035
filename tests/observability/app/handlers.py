"""Handlers of the observed app: a cached read, a write, a limited operation and a crash."""

from __future__ import annotations

import os
from typing import Any

from covet import PlainTextResponse
from covet.providers.cache import Cache


async def get_note(note_id: int, cache: Cache) -> dict[str, Any]:
    note = await cache.get(f"note:{note_id}")
    if note is None:
        note = {"id": note_id, "text": "hello"}
        await cache.set(f"note:{note_id}", note, ttl=60)
    return dict(note)


async def create_note(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return body, 201


async def limited() -> PlainTextResponse:
    return PlainTextResponse("ok")


async def crash() -> None:
    raise RuntimeError("crashed on purpose")


async def whoami() -> PlainTextResponse:
    return PlainTextResponse(str(os.getpid()))
