"""Litestar: the security benchmark endpoints with its own JWT auth (litestar.security.jwt).

``JWTAuth`` decodes with PyJWT into its ``Token`` class, checking signature, ``exp`` (required),
issuer and audience; ``/open/{item_id}`` is excluded from it. BENCH_JWT_SECRET is set by
bench/security_bench.py.
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar, Request, get
from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token

SECRET = os.environ["BENCH_JWT_SECRET"]


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return token.sub


jwt_auth = JWTAuth[str, Token](
    retrieve_user_handler=retrieve_user,
    token_secret=SECRET,
    algorithm="HS256",
    accepted_issuers=["https://bench.covet.example"],
    accepted_audiences=["covet-bench"],
    require_claims=["exp"],
    exclude=["/open"],
)


@get("/secure/{item_id:int}")
async def secure_item(item_id: int, request: Request[str, Token, Any]) -> dict[str, Any]:
    return {"item_id": item_id, "sub": request.user}


@get("/open/{item_id:int}")
async def open_item(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "sub": "user-42"}


app = Litestar([secure_item, open_item], on_app_init=[jwt_auth.on_app_init], openapi_config=None)
