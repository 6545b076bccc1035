"""The reference application over a real uvicorn socket (uvloop + httptools), on its database.

Each server starts from the seeded data (``covet db seed``: Ada, Brian and Chen first, then
generated users, posts and comments); every test using ``reference_server`` runs once on SQLite,
once on PostgreSQL and once on MariaDB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .conftest import ROOT, Server, bearer

PASSWORD = "a long enough passphrase"


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


def all_posts(server: Server, user_id: int) -> list[dict[str, Any]]:
    status, _, page = call(server, "GET", f"/v1/users/{user_id}/posts?limit=100")
    assert status == 200 and page["total"] == len(page["items"])
    return list(page["items"])


def test_health(reference_server: Server) -> None:
    status, _, body = call(reference_server, "GET", "/health")
    assert status == 200 and body["status"] == "ok"
    assert [(c["name"], c["kind"], c["ok"]) for c in body["checks"]] == [
        ("default", "database", True), ("tokens", "token store", True),
        ("rate_limits", "memory", True),
    ]
    assert call(reference_server, "GET", "/health/live")[2] == {"status": "ok"}
    assert call(reference_server, "GET", "/health/ready")[0] == 200


def test_typed_params_route_reads_a_seeded_post(reference_server: Server) -> None:
    post_id = first_post(reference_server, 1)
    status, headers, body = call(reference_server, "GET", f"/v1/users/1/posts/{post_id}?comments=5")
    assert status == 200
    assert body["id"] == post_id and body["author_id"] == 1 and len(body["comments"]) <= 5
    assert headers["x-request-id"]
    every = call(reference_server, "GET", f"/v1/users/1/posts/{post_id}?comments=100")[2]["comments"]
    assert body["comments"] == every[:5]
    assert [c["created_at"] for c in every] == sorted((c["created_at"] for c in every), reverse=True)


def test_new_comment_is_the_newest_embedded(reference_server: Server) -> None:
    post_id = first_post(reference_server, 2)
    status, _, comment = call(reference_server, "POST", f"/v1/posts/{post_id}/comments",
                              {"text": "First!"}, bearer(3))
    assert status == 201 and (comment["author"], comment["author_id"]) == ("Chen", 3)
    body = call(reference_server, "GET", f"/v1/users/2/posts/{post_id}?comments=1")[2]
    assert body["comments"] == [comment]
    assert call(reference_server, "GET", f"/v1/users/2/posts/{post_id}?comments=0")[2]["comments"] == []


def test_public_reads_are_cached_and_a_comment_invalidates_them(reference_server: Server) -> None:
    post_id = first_post(reference_server, 3)
    path = f"/v1/users/3/posts/{post_id}?comments=2"
    _, first_headers, before = call(reference_server, "GET", path)
    status, headers, again = call(reference_server, "GET", path)
    assert status == 200 and again == before and "age" in headers  # served from the cache
    etag = headers["etag"]
    assert etag == first_headers["etag"]
    request = urllib.request.Request(reference_server.url + path, headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as error:
        assert error.code == 304
    status, _, comment = call(reference_server, "POST", f"/v1/posts/{post_id}/comments",
                              {"text": "cached no more"}, headers=bearer(2))
    assert status == 201
    _, headers, after = call(reference_server, "GET", path)
    assert after["comments"][0] == comment and headers["etag"] != etag


def test_missing_rows_are_404(reference_server: Server) -> None:
    post_id = first_post(reference_server, 1)
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path, body in [
        ("GET", "/v1/users/9999", None),
        ("GET", "/v2/users/9999", None),
        ("GET", "/v1/users/9999/posts", None),
        ("GET", f"/v1/users/1/posts/{missing}", None),
        ("GET", f"/v1/users/2/posts/{post_id}", None),  # exists, but it is Ada's
        ("POST", f"/v1/posts/{missing}/comments", {"text": "t"}),
    ]:
        status, headers, problem = call(reference_server, method, path, body, bearer(2))
        assert (status, headers["content-type"]) == (404, "application/problem+json"), path
        assert problem["status"] == 404


def test_bad_values_are_422_with_every_error(reference_server: Server) -> None:
    status, headers, body = call(reference_server, "GET", "/v1/users/0/posts/nope?comments=999")
    assert status == 422
    assert headers["content-type"] == "application/problem+json"
    assert {(d["location"], d["field"]) for d in body["details"]} == {
        ("path", "user_id"), ("path", "post_id"), ("query", "comments")
    }
    assert body["trace_id"] == headers["x-request-id"]


def test_create_user_then_conflict(reference_server: Server) -> None:
    user = {"email": "dana@example.com", "name": "Dana", "age": 30, "password": PASSWORD}
    status, _, created = call(reference_server, "POST", "/v1/users", user)
    assert status == 201 and created["id"] > 3 and created["role"] == "reader"
    assert call(reference_server, "GET", f"/v1/users/{created['id']}")[2]["age"] == 30
    status, _, body = call(reference_server, "POST", "/v1/users", user)
    assert status == 409 and body["details"][0]["code"] == "unique"
    status, _, body = call(reference_server, "POST", "/v1/users", {**user, "email": "DANA@example.com"})
    assert status == 409 and body["details"][0]["value"] == "DANA@example.com"


def test_concurrent_registrations_of_one_email_make_one_user(reference_server: Server) -> None:
    user = {"email": "race@example.com", "name": "Race", "password": PASSWORD}
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: call(reference_server, "POST", "/v1/users", user)[0], range(8)))
    assert statuses == [201] + [409] * 7


def test_invalid_user_reports_all_errors(reference_server: Server) -> None:
    status, _, body = call(reference_server, "POST", "/v1/users", {"email": "x", "name": "", "age": 3, "id": 1,
                                                              "password": PASSWORD})
    assert status == 422
    assert {d["field"]: d["code"] for d in body["details"]} == {
        "email": "format", "name": "minLength", "age": "minimum", "id": "readOnly"
    }


def test_query_styles_and_header_and_cookie(reference_server: Server) -> None:
    status, _, page = call(reference_server, "GET", "/v1/users?role=admin,author&sort=name&limit=100")
    names = [u["name"] for u in page["items"]]
    assert status == 200 and names == sorted(names) and {"Ada", "Brian"} <= set(names)
    assert {u["role"] for u in page["items"]} == {"admin", "author"} and "Chen" not in names
    status, _, user = call(reference_server, "GET", "/v1/users/1", headers={"Accept-Language": "fr"})
    assert user["greeting"] == "Bonjour, Ada!"
    status, _, page = call(reference_server, "GET", "/v1/posts?where[status]=published&where[author_id]=2",
                           headers={"Cookie": "theme=dark"})
    published = [p for p in all_posts(reference_server, 2) if p["status"] == "published"]
    assert status == 200 and page["total"] == len(published) > 0 and page["theme"] == "dark"
    assert page["items"] == published
    status, _, page = call(reference_server, "GET", "/v1/users/1/posts?tags=intro|news")
    assert status == 200 and page["total"] == 0


def test_tags_filter_keeps_posts_with_every_tag(reference_server: Server) -> None:
    posts = all_posts(reference_server, 1)
    wanted = posts[0]["tags"][:2]
    status, _, page = call(reference_server, "GET", f"/v1/users/1/posts?tags={'|'.join(wanted)}")
    assert status == 200
    assert page["items"] == [p for p in posts if set(wanted) <= set(p["tags"])]


def test_offset_pages_cover_every_user_once(reference_server: Server) -> None:
    first = call(reference_server, "GET", "/v1/users?limit=10&sort=created_at")[2]
    second = call(reference_server, "GET", "/v1/users?limit=10&offset=10&sort=created_at")[2]
    assert (first["limit"], second["offset"], first["total"]) == (10, 10, second["total"])
    ids = [u["id"] for u in first["items"] + second["items"]]
    assert len(set(ids)) == 20 and ids[:3] == [1, 2, 3]
    newest = call(reference_server, "GET", "/v1/users?limit=1")[2]["items"][0]
    assert newest["id"] == max(u["id"] for u in call(reference_server, "GET", "/v1/users?limit=100")[2]["items"])


def test_idempotent_post_creation(reference_server: Server) -> None:
    post = {"title": "Hello", "body": "World", "tags": ["a"]}
    key = {"Idempotency-Key": "key-12345678"}
    first = call(reference_server, "POST", "/v1/users/2/posts", post, {**key, **bearer(2)})
    second = call(reference_server, "POST", "/v1/users/2/posts", post, {**key, **bearer(2)})
    assert first[0] == second[0] == 201 and first[2]["id"] == second[2]["id"]
    assert [p["id"] for p in all_posts(reference_server, 2)].count(first[2]["id"]) == 1
    status, _, problem = call(reference_server, "POST", "/v1/users/3/posts", post, {**key, **bearer(3)})
    assert status == 409 and problem["details"][0]["field"] == "Idempotency-Key"


def test_concurrent_requests_with_one_idempotency_key_make_one_post(reference_server: Server) -> None:
    post, key = {"title": "Once", "body": "Only once"}, {"Idempotency-Key": "race-key-0001"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: call(reference_server, "POST", "/v1/users/3/posts", post,
                                                          {**key, **bearer(3)}),
                                range(8)))
    assert {status for status, _, _ in answers} <= {201, 409}  # 409: still in flight, retry
    created = {body["id"] for status, _, body in answers if status == 201}
    assert len(created) == 1
    assert [p["title"] for p in all_posts(reference_server, 3)].count("Once") == 1


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
    walked, link = [], "/v2/users?limit=7"
    while link:
        page = call(reference_server, "GET", link)[2]
        walked += [u["id"] for u in page["data"]]
        link = page["next"]
    assert walked == sorted(set(walked)) and walked[:2] == [1, 2] and len(walked) == len(last["data"]) + 2
    status, _, ada = call(reference_server, "GET", "/v2/users/1")
    assert ada["links"] == {"self": "/v2/users/1", "posts": "/v1/users/1/posts"}
    assert call(reference_server, "GET", "/v1/users/1")[2]["name"] == "Ada"


def test_v2_create_returns_location_and_shares_data_with_v1(reference_server: Server) -> None:
    status, headers, user = call(reference_server, "POST", "/v2/users",
                                 {"email": "eve@example.com", "display_name": "Eve",
                                  "password": "eve's long passphrase"})
    assert status == 201 and headers["location"] == f"/v2/users/{user['id']}"
    assert "password" not in user
    assert call(reference_server, "GET", f"/v1/users/{user['id']}")[2]["name"] == "Eve"
    status, _, tokens = call(reference_server, "POST", "/v1/auth/login",
                             {"email": "eve@example.com", "password": "eve's long passphrase"})
    assert status == 200 and tokens["access_token"]
    for refused in ({"email": "mal@example.com", "display_name": "M"},  # no password
                    {"email": "mal@example.com", "display_name": "M", "role": "admin",
                     "password": "a long enough passphrase"}):
        assert call(reference_server, "POST", "/v2/users", refused)[0] == 422
    status, _, body = call(reference_server, "POST", "/v2/users", {"email": "x", "name": "old field"})
    assert status == 422
    assert {d["code"] for d in body["details"]} >= {"format", "additionalProperties", "required"}


def test_each_version_serves_its_own_openapi_document(reference_server: Server) -> None:
    v1 = call(reference_server, "GET", "/v1/openapi.json")[2]
    v2 = call(reference_server, "GET", "/v2/openapi.json")[2]
    assert v1["info"]["version"] == "1.0.0" and v2["info"]["version"] == "2.0.0"
    assert v1["servers"][0]["url"] == "/v1" and v2["servers"][0]["url"] == "/v2"
    assert "/users/{user_id}/posts" in v1["paths"] and "/users/{user_id}/posts" not in v2["paths"]
