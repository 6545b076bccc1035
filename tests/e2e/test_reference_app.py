"""The reference application over a real uvicorn socket (uvloop + httptools)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .conftest import ROOT, Server


def call(server: Server, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(raw or b"null")
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read())


def first_post(server: Server, user_id: int) -> str:
    status, _, page = call(server, "GET", f"/v1/users/{user_id}/posts")
    assert status == 200
    return str(page["items"][0]["id"])


def test_health(reference_server: Server) -> None:
    assert call(reference_server, "GET", "/health")[2] == {"status": "ok", "checks": []}


def test_typed_params_route_reads_a_seeded_post(reference_server: Server) -> None:
    post_id = first_post(reference_server, 1)
    status, headers, body = call(reference_server, "GET", f"/v1/users/1/posts/{post_id}?comments=5")
    assert status == 200
    assert body["id"] == post_id and body["author_id"] == 1 and body["comments"] == []
    assert headers["x-request-id"]


def test_bad_values_are_422_with_every_error(reference_server: Server) -> None:
    status, headers, body = call(reference_server, "GET", "/v1/users/0/posts/nope?comments=999")
    assert status == 422
    assert headers["content-type"] == "application/problem+json"
    assert {(d["location"], d["field"]) for d in body["details"]} == {
        ("path", "user_id"), ("path", "post_id"), ("query", "comments")
    }
    assert body["trace_id"] == headers["x-request-id"]


def test_create_user_then_conflict(reference_server: Server) -> None:
    user = {"email": "dana@example.com", "name": "Dana", "age": 30}
    status, _, created = call(reference_server, "POST", "/v1/users", user)
    assert status == 201 and created["id"] > 3 and created["role"] == "reader"
    status, _, body = call(reference_server, "POST", "/v1/users", user)
    assert status == 409 and body["details"][0]["code"] == "unique"


def test_invalid_user_reports_all_errors(reference_server: Server) -> None:
    status, _, body = call(reference_server, "POST", "/v1/users", {"email": "x", "name": "", "age": 3, "id": 1})
    assert status == 422
    assert {d["field"]: d["code"] for d in body["details"]} == {
        "email": "format", "name": "minLength", "age": "minimum", "id": "readOnly"
    }


def test_query_styles_and_header_and_cookie(reference_server: Server) -> None:
    status, _, page = call(reference_server, "GET", "/v1/users?role=admin,author&sort=name")
    assert status == 200 and [u["name"] for u in page["items"]] == ["Ada", "Brian"]
    status, _, user = call(reference_server, "GET", "/v1/users/1", headers={"Accept-Language": "fr"})
    assert user["greeting"] == "Bonjour, Ada!"
    status, _, page = call(reference_server, "GET", "/v1/posts?where[status]=published&where[author_id]=2",
                           headers={"Cookie": "theme=dark"})
    assert status == 200 and page["total"] == 1 and page["theme"] == "dark"
    status, _, page = call(reference_server, "GET", "/v1/users/1/posts?tags=intro|news")
    assert status == 200 and page["total"] == 0


def test_idempotent_post_creation(reference_server: Server) -> None:
    post = {"title": "Hello", "body": "World", "tags": ["a"]}
    key = {"Idempotency-Key": "key-12345678"}
    first = call(reference_server, "POST", "/v1/users/2/posts", post, key)
    second = call(reference_server, "POST", "/v1/users/2/posts", post, key)
    assert first[0] == second[0] == 201 and first[2]["id"] == second[2]["id"]


def test_startup_failure_exits_non_zero_with_the_error(tmp_path: Path) -> None:
    config = tmp_path / "covet.yaml"
    config.write_text("apis: [{spec: missing.yaml, handlers: handlers.blog}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "covet.cli", "run", "-c", str(config)], cwd=ROOT,
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode != 0
    assert "missing.yaml" in result.stderr


def test_v2_users_side_by_side_with_v1(reference_server: Server) -> None:
    status, _, page = call(reference_server, "GET", "/v2/users?limit=2")
    assert status == 200
    assert [u["display_name"] for u in page["data"]] == ["Ada", "Brian"]
    assert page["next"] == "/v2/users?after=2&limit=2"
    status, _, last = call(reference_server, "GET", "/v2/users?after=2&limit=100")
    assert status == 200 and last["next"] is None
    status, _, ada = call(reference_server, "GET", "/v2/users/1")
    assert ada["links"] == {"self": "/v2/users/1", "posts": "/v1/users/1/posts"}
    assert call(reference_server, "GET", "/v1/users/1")[2]["name"] == "Ada"


def test_v2_create_returns_location_and_shares_data_with_v1(reference_server: Server) -> None:
    status, headers, user = call(reference_server, "POST", "/v2/users",
                                 {"email": "eve@example.com", "display_name": "Eve"})
    assert status == 201 and headers["location"] == f"/v2/users/{user['id']}"
    assert call(reference_server, "GET", f"/v1/users/{user['id']}")[2]["name"] == "Eve"
    status, _, body = call(reference_server, "POST", "/v2/users", {"email": "x", "name": "old field"})
    assert status == 422
    assert {d["code"] for d in body["details"]} >= {"format", "additionalProperties", "required"}


def test_each_version_serves_its_own_openapi_document(reference_server: Server) -> None:
    v1 = call(reference_server, "GET", "/v1/openapi.json")[2]
    v2 = call(reference_server, "GET", "/v2/openapi.json")[2]
    assert v1["info"]["version"] == "1.0.0" and v2["info"]["version"] == "2.0.0"
    assert v1["servers"][0]["url"] == "/v1" and v2["servers"][0]["url"] == "/v2"
    assert "/users/{user_id}/posts" in v1["paths"] and "/users/{user_id}/posts" not in v2["paths"]
