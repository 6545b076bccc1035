"""Connexion 3: the CovetPy benchmark spec served by `connexion.AsyncApp`, validated per request.

It loads the very document CovetPy serves (BENCH_SPEC, default bench/apps/covet/openapi.yaml;
bench/run.py passes openapi-1000.yaml for scenario 5) and relabels it OpenAPI 3.0.3, because
Connexion 3 validates documents against the 3.0 schema only; the document uses nothing that
differs between 3.0 and 3.1. Connexion ignores the `x-covet-handler` extensions.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable
from uuid import UUID

import yaml
from connexion import AsyncApp
from connexion.exceptions import BadRequestProblem
from connexion.resolver import Resolver

SPEC = Path(__file__).resolve().parent.parent / "covet" / "openapi.yaml"


async def plaintext() -> str:
    return "Hello, World!"


async def json() -> dict[str, Any]:
    return {"message": "Hello, World!"}


async def get_user_post(user_id: int, post_id: str, limit: int = 10) -> dict[str, Any]:
    # NOTE: Connexion does not enforce `format: uuid`, so the handler does, as a user would.
    try:
        uuid = UUID(post_id)
    except ValueError:
        raise BadRequestProblem(detail=f"post_id {post_id!r} is not a UUID") from None
    return {"user_id": user_id, "post_id": str(uuid), "limit": limit}


async def create_item(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return body, 201


async def extra(item_id: int) -> dict[str, Any]:
    return {"item_id": item_id}


def _handler(operation_id: str) -> Callable[..., Any]:
    if operation_id.startswith("extra"):
        return extra
    return globals()[re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()]


def load_spec(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    spec["openapi"] = "3.0.3"
    return spec


app = AsyncApp(__name__)
app.add_api(load_spec(Path(os.environ.get("BENCH_SPEC", SPEC))),
            resolver=Resolver(function_resolver=_handler))
