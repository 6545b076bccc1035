"""FastAPI: the four benchmark endpoints, written idiomatically.

BENCH_EXTRA_ROUTES=N (set by bench/run.py for scenario 5) registers N extra parametrized
routes `/r{i}/items/{item_id}` before the measured ones.
"""

from __future__ import annotations

import os
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Annotated[float, Field(ge=0)]
    tags: Annotated[list[str], Field(max_length=10)] | None = None
    in_stock: bool | None = None


async def extra(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id}


for _i in range(int(os.environ.get("BENCH_EXTRA_ROUTES", "0"))):
    app.add_api_route(f"/r{_i}/items/{{item_id}}", extra, methods=["GET"], name=f"extra{_i}")


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, World!"


@app.get("/json")
async def get_json() -> dict[str, Any]:
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}/posts/{post_id}")
async def get_user_post(
    user_id: int, post_id: UUID, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> dict[str, Any]:
    return {"user_id": user_id, "post_id": str(post_id), "limit": limit}


@app.post("/items", status_code=201, response_model_exclude_unset=True)
async def create_item(item: Item) -> Item:
    return item
