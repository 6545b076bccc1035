"""A login, as the docs tell users to write one: ``passwords`` and ``tokens`` injected."""

from __future__ import annotations

from typing import Any

from covet.request import Request
from covet.security.passwords import PasswordHasher
from covet.security.tokens import TokenError, TokenManager

# "correct horse", hashed once with PasswordHasher at 12 rounds
USERS = {"ada": ("1", "bcrypt_sha256$$2b$12$3VdjKd4Wzhm.gBdRICFav.ESpYLKOfPiEvfKnvilLmS4oQ9toz9Wa")}
REFUSED = {"error": "invalid credentials"}


async def login(body: dict[str, Any], tokens: TokenManager, passwords: PasswordHasher) -> Any:
    user_id, hashed = USERS.get(body["username"], (None, None))
    if not await passwords.verify(body["password"], hashed) or user_id is None:
        return REFUSED, 401
    return tokens.issue(user_id, scopes=["posts:read"]).to_dict()


async def refresh(body: dict[str, Any], tokens: TokenManager) -> Any:
    try:
        return (await tokens.refresh(body["refresh_token"])).to_dict()
    except TokenError as exc:
        return {"error": str(exc)}, 401


async def me(request: Request, tokens: TokenManager) -> Any:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    try:
        claims = await tokens.verify(token)
    except TokenError as exc:
        return {"error": str(exc)}, 401
    return {"sub": claims["sub"], "scope": claims["scope"]}


async def logout(request: Request, tokens: TokenManager) -> Any:
    await tokens.revoke(request.headers.get("authorization", "").removeprefix("Bearer "))
    return None, 204
