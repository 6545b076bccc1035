"""Litestar: the four benchmark endpoints, written idiomatically (msgspec Struct body).

BENCH_EXTRA_ROUTES=N (set by bench/run.py for scenario 5) registers N extra parametrized
routes `/r{i}/items/{item_id}` before the measured ones.
"""

from __future__ import annotations

import os
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Litestar, MediaType, get, post
from litestar.params import Parameter


class Item(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    tags: Annotated[list[str], msgspec.Meta(max_length=10)] | msgspec.UnsetType = msgspec.UNSET
    in_stock: bool | msgspec.UnsetType = msgspec.UNSET


async def extra(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id}


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def get_json() -> dict[str, Any]:
    return {"message": "Hello, World!"}


@get("/users/{user_id:int}/posts/{post_id:uuid}")
async def get_user_post(
    user_id: int, post_id: UUID, limit: Annotated[int, Parameter(ge=1, le=100)] = 10
) -> dict[str, Any]:
    return {"user_id": user_id, "post_id": str(post_id), "limit": limit}


@post("/items", status_code=201)
async def create_item(data: Item) -> Item:
    return data


_extras = [
    get(f"/r{i}/items/{{item_id:int}}", name=f"extra{i}")(extra)
    for i in range(int(os.environ.get("BENCH_EXTRA_ROUTES", "0")))
]

app = Litestar(route_handlers=[*_extras, plaintext, get_json, get_user_post, create_item])
