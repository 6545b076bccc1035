"""Handlers of the CovetPy security benchmark app, bound by operationId (see openapi.yaml)."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bcrypt

from covet.security.passwords import PasswordHasher

USERNAME = "bench"
PASSWORD = "correct horse battery staple"

_stored: str | None = None  # the user's hash, made by the first login (bcrypt is slow)
_stored_plain: bytes | None = None  # the same for the blocking control, plain bcrypt
_lock = asyncio.Lock()


async def secure_item(item_id: int, claims: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": item_id, "sub": claims["sub"]}


async def open_item(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "sub": "user-42"}


async def limited_item(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "sub": "user-42"}


async def ping() -> dict[str, Any]:
    return {"ok": True}


async def login(body: dict[str, Any], passwords: PasswordHasher) -> tuple[dict[str, Any], int]:
    global _stored
    async with _lock:
        if _stored is None:
            _stored = await passwords.hash(PASSWORD)
    known = body["username"] == USERNAME
    ok = await passwords.verify(body["password"], _stored if known else None)
    return ({"ok": True}, 200) if ok and known else ({"ok": False}, 401)


async def login_blocking(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """What not to do: bcrypt on the event loop (the control the latency probe must catch)."""
    global _stored_plain
    if _stored_plain is None:
        _stored_plain = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12))
    ok = bcrypt.checkpw(body["password"].encode(), _stored_plain)
    return ({"ok": True}, 200) if ok and body["username"] == USERNAME else ({"ok": False}, 401)


def _nice() -> None:
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only (Linux)


_NICE_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bcrypt-nice", initializer=_nice)


async def login_niced(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """An experiment: bcrypt in one dedicated thread at nice 19 (see openapi.yaml)."""
    global _stored_plain
    loop = asyncio.get_running_loop()
    if _stored_plain is None:
        _stored_plain = await loop.run_in_executor(
            _NICE_POOL, bcrypt.hashpw, PASSWORD.encode(), bcrypt.gensalt(12))
    ok = await loop.run_in_executor(_NICE_POOL, bcrypt.checkpw, body["password"].encode(),
                                    _stored_plain)
    return ({"ok": True}, 200) if ok and body["username"] == USERNAME else ({"ok": False}, 401)
