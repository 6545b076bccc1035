"""The response cache on a small app: a cached GET is served without its handler, invalidated
by a write's tags, keyed by path, query and vary headers, per caller where there are
credentials, with ETags and 304s, no-cache / no-store honoured, and concurrent misses run the
handler once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from covet.app import CovetApp
from covet.errors import ConfigError, SpecError
from covet.testing import AsyncTestClient, TestClient
from tests.caching import post_handlers
from tests.caching.post_handlers import CALLS
from tests.providers.backends import redis_url

SECRET = "test-only-secret-of-the-caching-tests-0123456789abcdef"

SPEC = """openapi: 3.1.0
info: {title: posts, version: '1'}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
paths:
  /posts:
    get:
      operationId: listPosts
      x-covet-cache: {ttl: 30s, tags: [posts], vary: [Accept-Language]}
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: slow, in: query, schema: {type: number}}
      responses: {'200': {description: ok}}
    post:
      operationId: createPost
      x-covet-invalidates: [posts]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [title]}}}
      responses: {'201': {description: created}}
  /posts/{post_id}:
    get:
      operationId: getPost
      parameters:
        - {name: post_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}, '404': {description: none}}
  /me:
    get:
      operationId: getMe
      security: [{bearerAuth: []}]
      responses: {'200': {description: ok}}
  /cookie:
    get:
      operationId: withCookie
      responses: {'200': {description: ok}}
"""


def posts_app(tmp_path: Path, operations: dict[str, Any] | None = None, **settings: Any) -> CovetApp:
    spec = tmp_path / "posts.yaml"
    spec.write_text(SPEC)
    post_handlers.reset()
    ops = {"getPost": {"cache": {"ttl": "30s", "tags": ["posts"]}},
           "getMe": {"cache": {"ttl": "30s"}}, "withCookie": {"cache": {"ttl": "30s"}},
           **(operations or {})}
    return CovetApp.from_spec(
        spec, "tests.caching.post_handlers", server={"access_log": False}, operations=ops,
        auth={"bearerAuth": {"secret": SECRET, "algorithms": ["HS256"]}}, **settings,
    )


def bearer(sub: str) -> dict[str, str]:
    token = jwt.encode({"sub": sub, "exp": int(time.time()) + 60}, SECRET, "HS256")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(posts_app(tmp_path))


def test_a_cached_get_is_served_without_its_handler(client: TestClient) -> None:
    first = client.get("/posts")
    second = client.get("/posts")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert CALLS["list_posts"] == 1
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "no-cache"
    assert "age" in second.headers


def test_a_write_invalidates_the_tags_it_names(client: TestClient) -> None:
    client.get("/posts")
    client.get("/posts/1")
    assert client.post("/posts", json={"title": "new"}).status_code == 201
    listed = client.get("/posts").json()
    assert [p["title"] for p in listed][-1] == "new"
    client.get("/posts/1")
    assert CALLS["list_posts"] == 2 and CALLS["get_post"] == 2  # both recomputed


def test_a_failed_write_invalidates_nothing(client: TestClient) -> None:
    client.get("/posts")
    assert client.post("/posts", json={}).status_code == 422
    client.get("/posts")
    assert CALLS["list_posts"] == 1


def test_each_path_query_and_vary_value_is_its_own_entry(client: TestClient) -> None:
    client.get("/posts")
    client.get("/posts?q=1")
    client.get("/posts?q=1&slow=0")
    client.get("/posts?slow=0&q=1")  # the same query, in another order
    client.get("/posts", headers={"Accept-Language": "fr"})
    client.get("/posts", headers={"Accept-Language": "fr"})
    assert CALLS["list_posts"] == 4
    assert "accept-language" in client.get("/posts").headers["vary"].lower()


def test_only_200s_are_stored(client: TestClient) -> None:
    assert client.get("/posts/99").status_code == 404
    assert client.get("/posts/99").status_code == 404
    assert CALLS["get_post"] == 2


def test_if_none_match_is_a_304_on_hits_and_on_misses(client: TestClient) -> None:
    etag = client.get("/posts").headers["etag"]
    hit = client.get("/posts", headers={"If-None-Match": etag})
    assert hit.status_code == 304 and hit.content == b"" and hit.headers["etag"] == etag
    client.post("/posts", json={"title": "changed"})
    changed = client.get("/posts", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    listed = f'W/{etag}, "other", {changed.headers["etag"]}'
    assert client.get("/posts", headers={"If-None-Match": listed}).status_code == 304
    fresh = client.get("/posts?q=1", headers={"If-None-Match": listed})
    assert fresh.status_code == 200  # another body: another etag
    again = client.get("/posts?q=1", headers={"If-None-Match": fresh.headers["etag"]})
    assert again.status_code == 304


def test_no_cache_recomputes_and_no_store_bypasses(client: TestClient) -> None:
    client.get("/posts")
    client.get("/posts", headers={"Cache-Control": "no-cache"})
    assert CALLS["list_posts"] == 2
    post_handlers.POSTS.append({"id": 9, "title": "added behind the cache's back"})
    client.get("/posts", headers={"Cache-Control": "no-store"})
    assert CALLS["list_posts"] == 3
    assert len(client.get("/posts").json()) == 2  # no-store stored nothing


def test_credentials_are_cached_per_caller_never_shared(client: TestClient) -> None:
    ann, bob = bearer("ann"), bearer("bob")
    assert client.get("/me", headers=ann).json() == {"sub": "ann"}
    assert client.get("/me", headers=bob).json() == {"sub": "bob"}
    assert client.get("/me", headers=ann).json() == {"sub": "ann"}
    assert client.get("/me", headers=bearer("ann")).json() == {"sub": "ann"}  # a new token
    assert CALLS["get_me"] == 2
    assert client.get("/me", headers=ann).headers["cache-control"] == "private, no-cache"
    assert client.get("/me").status_code == 401  # a hit never skips authentication


def test_a_public_operation_with_credentials_is_not_cached(client: TestClient) -> None:
    client.get("/posts", headers={"Cookie": "session=ann"})
    client.get("/posts", headers={"Cookie": "session=ann"})
    client.get("/posts", headers=bearer("ann"))
    assert CALLS["list_posts"] == 3
    client.get("/posts")
    client.get("/posts")
    assert CALLS["list_posts"] == 4


def test_a_response_that_sets_a_cookie_is_never_stored(client: TestClient) -> None:
    client.get("/cookie")
    client.get("/cookie")
    assert CALLS["with_cookie"] == 2


async def test_concurrent_misses_run_the_handler_once(tmp_path: Path) -> None:
    async with AsyncTestClient(posts_app(tmp_path)) as client:
        answers = await asyncio.gather(*(client.get("/posts?slow=0.2") for _ in range(20)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert CALLS["list_posts"] == 1


def test_head_is_served_from_the_cache_too(client: TestClient) -> None:
    client.get("/posts")
    head = client.request("HEAD", "/posts")
    assert head.status_code == 200 and head.content == b""
    assert CALLS["list_posts"] == 1


@pytest.mark.parametrize(
    ("operations", "error", "message"),
    [
        ({"createPost": {"cache": {"ttl": "1m"}}}, ConfigError, "cache is for GET operations"),
        ({"getPost": {"cache": {"per_user": True}}}, ConfigError, "per_user needs"),
        ({"getMe": {"cache": {"per_user": False}}}, ConfigError, "would never be cached"),
    ],
)
def test_cache_settings_that_cannot_hold_stop_the_app(
    tmp_path: Path, operations: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        posts_app(tmp_path, operations)


def test_a_malformed_extension_is_a_spec_error_at_it(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(SPEC.replace("x-covet-cache: {ttl: 30s, tags: [posts], vary: [Accept-Language]}",
                                 "x-covet-cache: {ttl: soon}"))
    with pytest.raises(SpecError, match="x-covet-cache") as raised:
        CovetApp.from_spec(spec, "tests.caching.post_handlers", operations={},
                           auth={"bearerAuth": {"secret": SECRET, "algorithms": ["HS256"]}})
    assert "/paths/~1posts/get/x-covet-cache" in str(raised.value)


def test_an_undeclared_cache_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="caching.cache 'responses'"):
        posts_app(tmp_path, caching={"cache": "responses"})


async def test_concurrent_misses_on_two_apps_sharing_redis_run_the_handler_once(
    tmp_path: Path,
) -> None:
    """Two apps (as two processes would) with their own in-process waiters: the lock in Redis
    makes the second app wait for the first one's answer instead of computing it too."""
    cache = {"url": redis_url(), "namespace": f"s{time.time_ns()}", "timeout": "500ms"}
    one = posts_app(tmp_path, providers={"cache": cache})
    two = CovetApp.from_spec(
        tmp_path / "posts.yaml", "tests.caching.post_handlers", server={"access_log": False},
        operations={}, providers={"cache": cache},
        auth={"bearerAuth": {"secret": SECRET, "algorithms": ["HS256"]}},
    )
    async with AsyncTestClient(one) as first, AsyncTestClient(two) as second:
        answers = await asyncio.gather(*(
            (first if index % 2 else second).get("/posts?slow=0.3") for index in range(10)
        ))
    assert {a.status_code for a in answers} == {200}
    assert CALLS["list_posts"] == 1
