"""FastAPI: the security benchmark endpoints, written idiomatically.

- ``GET /secure/{item_id}``: ``HTTPBearer`` and ``jwt.decode`` (PyJWT) in a dependency, checking
  signature, ``exp`` (required), issuer and audience;
- ``GET /open/{item_id}``: the same without security;
- ``GET /limited/{item_id}``: slowapi's ``@limiter.limit`` on Redis (key: the client address).

BENCH_JWT_SECRET and BENCH_RL_PREFIX are set by bench/security_bench.py.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address

SECRET = os.environ["BENCH_JWT_SECRET"]
ISSUER = "https://bench.covet.example"
AUDIENCE = "covet-bench"

limiter = Limiter(key_func=get_remote_address, storage_uri="redis://127.0.0.1:6379",
                  key_prefix=os.environ.get("BENCH_RL_PREFIX", "fastapi-bench:rl:"))
app = FastAPI()
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]

bearer = HTTPBearer()


async def current_claims(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            credentials.credentials, SECRET, algorithms=["HS256"], issuer=ISSUER,
            audience=AUDIENCE, options={"require": ["exp"]},
        )
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, detail="Invalid token",
                            headers={"WWW-Authenticate": "Bearer"}) from None
    return claims


@app.get("/secure/{item_id}")
async def secure_item(
    item_id: int, claims: Annotated[dict[str, Any], Depends(current_claims)]
) -> dict[str, Any]:
    return {"item_id": item_id, "sub": claims["sub"]}


@app.get("/open/{item_id}")
async def open_item(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "sub": "user-42"}


@app.get("/limited/{item_id}")
@limiter.limit("1000000/minute")
async def limited_item(request: Request, item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "sub": "user-42"}
