"""The reference app keeps its own contract: every response it sends matches the spec.

The app is served in-process with ``validate_responses: true`` on a seeded SQLite copy, and the
main flows of both versions run through it; a handler result that drifted from its response
schema would be a 500 here.
"""

from __future__ import annotations

from typing import Any

import pytest

from covet.app import CovetApp
from covet.config import load_config
from covet.testing import TestClient

from .conftest import REFERENCE_CONFIG, TEST_ENV, bearer


@pytest.fixture(scope="module")
def strict_client(reference_sqlite: str) -> Any:
    config = load_config(REFERENCE_CONFIG, environ={**TEST_ENV, "DATABASE_URL": reference_sqlite})
    strict = config.model_copy(update={"validate_responses": True, "spec_validation": "off"})
    with TestClient(CovetApp(strict)) as client:
        yield client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_v1_reads_match_their_schemas(strict_client: TestClient) -> None:
    ok(strict_client.get("/v1/users", params={"role": "admin,author", "sort": "name"}))
    ok(strict_client.get("/v1/users/1", headers={"Accept-Language": "de"}))
    post_id = ok(strict_client.get("/v1/users/1/posts"))["items"][0]["id"]
    ok(strict_client.get(f"/v1/users/1/posts/{post_id}", params={"comments": 3}))
    ok(strict_client.get("/v1/posts", params={"where[status]": "published"}, cookies={"theme": "dark"}))


def test_v1_writes_match_their_schemas(strict_client: TestClient) -> None:
    user = ok(strict_client.post("/v1/users", json={"email": "strict@example.com", "name": "S",
                                                     "password": "a long enough passphrase"}), 201)
    form = strict_client.post("/v1/users", data={"email": "form@example.com", "name": "F", "age": "40",
                                                     "password": "a long enough passphrase"})
    assert ok(form, 201)["age"] == 40
    token = bearer(user["id"])
    post = ok(strict_client.post(f"/v1/users/{user['id']}/posts", json={"title": "t", "body": "b"},
                                 headers=token), 201)
    ok(strict_client.post(f"/v1/posts/{post['id']}/comments", json={"text": "hi"}, headers=token), 201)
    ok(strict_client.patch(f"/v1/users/{user['id']}/posts/{post['id']}", json={"status": "published"},
                           headers=token))
    ok(strict_client.get("/v1/me", headers=token))


def test_v2_matches_its_schemas(strict_client: TestClient) -> None:
    ok(strict_client.get("/v2/users", params={"limit": 2}))
    ok(strict_client.get("/v2/users/2"))
    ok(strict_client.post("/v2/users", json={"email": "v2strict@example.com", "display_name": "V",
                                                 "password": "a long enough passphrase"}), 201)


def test_unknown_body_fields_are_refused_by_the_closed_composition(strict_client: TestClient) -> None:
    response = strict_client.post("/v1/users", json={"email": "x@example.com", "name": "X", "nickname": "x",
                                                       "password": "a long enough passphrase"})
    assert response.status_code == 422
    assert [(d["field"], d["code"]) for d in response.json()["details"]] == [("nickname", "additionalProperties")]

