"""``cache``: each contract test runs once per backend, on the real servers (Redis, Memcached),
under a namespace of its own so runs never see each other's keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from covet.providers.cache import Cache, CacheSettings, build_cache
from tests.providers.backends import memcached_url, redis_url

KINDS = ("memory", "redis", "memcached", "memory+redis", "redis+memcached")


def urls_of(kind: str) -> list[str]:
    found = {"memory": "memory://"}
    parts = kind.split("+")
    if "redis" in parts:
        found["redis"] = redis_url()
    if "memcached" in parts:
        found["memcached"] = memcached_url()
    return [found[part] for part in parts]


def settings_for(kind: str, **options: object) -> CacheSettings:
    urls = urls_of(kind)
    where = {"tiers": urls} if len(urls) > 1 else {"url": urls[0]}
    return CacheSettings.model_validate(
        {**where, "namespace": f"t{uuid.uuid4().hex[:12]}", "timeout": "500ms", **options}
    )


@pytest.fixture(params=KINDS)
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    built = build_cache("default", settings_for(request.param))
    yield built
    await built.close()
