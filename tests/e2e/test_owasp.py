"""The OWASP API Security Top 10 (2023), as it applies to the reference application.

Each section names its risk. The app runs in process (covet.testing) on its own copy of the
seeded SQLite database; tokens are minted with the test secret (``bearer``) except where logging
in is what is tested. Risks that need no code of a spec-first engine (API6 sensitive business
flows, API7 SSRF, API10 unsafe consumption of APIs: the reference app calls no other API) are
not covered here.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from covet.app import CovetApp
from covet.config import load_config
from covet.middleware.cors import CorsSettings
from covet.testing import AsyncTestClient, TestResponse
from schema.seed import DEMO_PASSWORD, post_id

from .conftest import REFERENCE_CONFIG, TEST_ENV, TEST_JWT_SECRET, bearer

ADMIN, AUTHOR, OTHER = 1, 2, 3
"""Seeded users: Ada (1) is the admin; 2 and 3 are ordinary users."""
ORIGIN = "https://app.example.com"


def reference_app(database_url: str, *, compile_now: bool = True, **environ: str) -> CovetApp:
    config = load_config(REFERENCE_CONFIG, environ={**TEST_ENV, "DATABASE_URL": database_url, **environ})
    cors = CorsSettings(allow_origins=(ORIGIN,), allow_headers=("authorization", "content-type"))
    apis = [api.model_copy(update={"cors": cors}) for api in config.apis]
    # NOTE: the spec is validated once by the rest of the suite; here it would cost a process each
    update = {"apis": apis, "spec_validation": "off"}
    return CovetApp(config.model_copy(update=update), compile_now=compile_now)


@pytest.fixture
async def client(reference_sqlite: str) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(reference_app(reference_sqlite)) as running:
        yield running


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def post_path(user: int = AUTHOR, number: int = 1) -> str:
    return f"/v1/users/{user}/posts/{post_id(user, number)}"


def token(claims: dict[str, Any], key: str = TEST_JWT_SECRET, alg: str = "HS256") -> dict[str, str]:
    now = int(time.time())
    body = {"sub": str(OTHER), "iss": "covet-blog", "aud": "covet-blog", "iat": now, "nbf": now,
            "exp": now + 60, "jti": "x", "fam": "f", "token_use": "access", **claims}
    return {"Authorization": f"Bearer {jwt.encode(body, key, algorithm=alg)}"}


# -- API1:2023 Broken Object Level Authorization ------------------------------------------------

async def test_api1_one_users_token_cannot_change_or_delete_anothers_post(client: AsyncTestClient) -> None:
    before = (await client.get(post_path())).json()
    patched = await client.patch(post_path(), json={"title": "pwned"}, headers=bearer(OTHER))
    problem(patched, 403)
    problem(await client.delete(post_path(), headers=bearer(OTHER)), 403)
    after = (await client.get(post_path())).json()
    assert after["title"] == before["title"]


async def test_api1_a_post_cannot_be_written_in_another_users_name(client: AsyncTestClient) -> None:
    response = await client.post(f"/v1/users/{AUTHOR}/posts", json={"title": "t", "body": "b"},
                                 headers=bearer(OTHER))
    problem(response, 403)


async def test_api1_the_author_may_change_their_own_post(client: AsyncTestClient) -> None:
    response = await client.patch(post_path(), json={"title": "Edited"}, headers=bearer(AUTHOR))
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Edited"


# -- API2:2023 Broken Authentication ------------------------------------------------------------

def _unsigned(claims: dict[str, Any]) -> dict[str, str]:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {"Authorization": "Bearer " + b64(b'{"alg":"none","typ":"JWT"}') + "."
            + b64(json.dumps(claims).encode()) + "."}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda: _unsigned({"sub": "1", "exp": int(time.time()) + 60, "scope": "admin"}), id="alg-none"),
        pytest.param(lambda: token({"exp": int(time.time()) - 5}), id="expired"),
        pytest.param(lambda: token({"aud": "another-api"}), id="wrong-audience"),
        pytest.param(lambda: token({"iss": "someone-else"}), id="wrong-issuer"),
        pytest.param(lambda: token({"scope": "admin"}, key="a-guessed-secret-that-is-long-enough!"), id="forged"),
        pytest.param(lambda: token({"token_use": "refresh"}), id="refresh-as-access"),
        pytest.param(lambda: {"Authorization": "Bearer"}, id="empty"),
    ],
)
async def test_api2_bad_tokens_are_refused(client: AsyncTestClient, headers: Any) -> None:
    response = await client.get("/v1/me", headers=headers())
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith('Bearer realm="bearerAuth"')


async def test_api2_a_valid_token_is_accepted(client: AsyncTestClient) -> None:
    response = await client.get("/v1/me", headers=bearer(OTHER))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == OTHER


async def test_api2_password_guessing_is_rate_limited(client: AsyncTestClient) -> None:
    me = (await client.get(f"/v1/users/{OTHER}")).json()
    statuses = []
    for attempt in range(6):
        answer = await client.post("/v1/auth/login", json={"email": me["email"], "password": f"guess-{attempt}"})
        statuses.append(answer.status_code)
    assert statuses == [401] * 5 + [429]
    limited = await client.post("/v1/auth/login", json={"email": me["email"], "password": DEMO_PASSWORD})
    problem(limited, 429)  # even the right password waits: the limit is on attempts
    assert int(limited.headers["retry-after"]) > 0
    assert "ratelimit" in limited.headers and "ratelimit-policy" in limited.headers


async def test_api2_wrong_password_and_unknown_email_look_the_same(client: AsyncTestClient) -> None:
    me = (await client.get(f"/v1/users/{OTHER}")).json()
    wrong = await client.post("/v1/auth/login", json={"email": me["email"], "password": "nope-nope"})
    unknown = await client.post("/v1/auth/login", json={"email": "nobody@example.com", "password": "nope-nope"})
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"]


# -- API3:2023 Broken Object Property Level Authorization ---------------------------------------

async def test_api3_read_only_fields_cannot_be_mass_assigned(client: AsyncTestClient) -> None:
    post = await client.post(f"/v1/users/{OTHER}/posts", headers=bearer(OTHER),
                             json={"title": "t", "body": "b", "author_id": ADMIN})
    assert {d["field"] for d in problem(post, 422)["details"]} == {"author_id"}
    signup = await client.post("/v1/users", json={"email": "mallory@example.com", "name": "M",
                                                  "password": "long enough password", "id": 1,
                                                  "created_at": "2020-01-01T00:00:00Z"})
    assert {d["field"] for d in problem(signup, 422)["details"]} == {"id", "created_at"}


async def test_api3_nobody_signs_up_as_admin(client: AsyncTestClient) -> None:
    signup = await client.post("/v1/users", json={"email": "eve@example.com", "name": "Eve",
                                                  "password": "long enough password", "role": "admin"})
    problem(signup, 422)


async def test_api3_no_response_carries_a_password_or_its_hash(client: AsyncTestClient) -> None:
    bodies = []
    signup = await client.post("/v1/users", json={"email": "trent@example.com", "name": "Trent",
                                                  "password": "correct horse battery"})
    assert signup.status_code == 201, signup.text
    bodies.append(signup.text)
    login = await client.post("/v1/auth/login", json={"email": "trent@example.com", "password": "correct horse battery"})
    bodies.append(login.text)
    access = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for path in ("/v1/me", "/v1/users", f"/v1/users/{ADMIN}", "/v2/users"):
        response = await client.get(path, headers=access)
        assert response.status_code == 200, (path, response.text)
        bodies.append(response.text)
    short = await client.post("/v1/users", json={"email": "x@example.com", "name": "X", "password": "hunter2"})
    bodies.append(problem(short, 422) and short.text)
    for body in bodies:
        assert "bcrypt" not in body and "$2b$" not in body and "password_hash" not in body
        assert "correct horse battery" not in body and "hunter2" not in body


# -- API4:2023 Unrestricted Resource Consumption ------------------------------------------------

async def test_api4_bodies_pages_and_queries_are_bounded(client: AsyncTestClient) -> None:
    huge = {"title": "t", "body": "x" * (2 * 1024 * 1024)}
    problem(await client.post(f"/v1/users/{OTHER}/posts", json=huge, headers=bearer(OTHER)), 413)
    problem(await client.get("/v1/users?limit=100000"), 422)
    problem(await client.get("/v1/users?" + "&".join(f"p{i}=1" for i in range(1001))), 400)


async def test_api4_signups_are_rate_limited(reference_sqlite: str) -> None:
    app = reference_app(reference_sqlite, COVET_SIGNUP_RATE_LIMIT="2/minute")
    async with AsyncTestClient(app) as client:
        statuses = []
        for index in range(3):
            answer = await client.post("/v1/users", json={"email": f"bulk{index}@example.com", "name": "B",
                                                          "password": "long enough password"})
            statuses.append(answer.status_code)
    assert statuses == [201, 201, 429]


# -- API5:2023 Broken Function Level Authorization ----------------------------------------------

async def test_api5_only_an_admin_deletes_what_is_not_theirs(client: AsyncTestClient) -> None:
    problem(await client.delete(post_path(AUTHOR, 2), headers=bearer(OTHER)), 403)
    problem(await client.delete(post_path(AUTHOR, 2), headers=bearer(ADMIN)), 403)  # no admin scope
    deleted = await client.delete(post_path(AUTHOR, 2), headers=bearer(ADMIN, "admin"))
    assert deleted.status_code == 204, deleted.text
    problem(await client.get(post_path(AUTHOR, 2)), 404)


async def test_api5_writes_need_a_token_and_say_so_before_validating(client: AsyncTestClient) -> None:
    for method, path in (("POST", f"/v1/users/{OTHER}/posts"), ("PATCH", post_path()),
                         ("DELETE", post_path()), ("POST", f"/v1/posts/{post_id(AUTHOR, 1)}/comments")):
        response = await client.request(method, path, json={"not": "valid"})
        assert problem(response, 401)["details"] == [], (method, path)


# -- API8:2023 Security Misconfiguration --------------------------------------------------------

async def test_api8_security_headers_on_success_and_error(client: AsyncTestClient) -> None:
    for response in (await client.get("/v1/users"), await client.get("/v1/nowhere"),
                     await client.get("/v1/me")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "server" not in response.headers or "python" not in response.headers["server"].lower()


async def test_api8_cors_allows_only_the_configured_origin(client: AsyncTestClient) -> None:
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
    allowed = await client.options("/v1/auth/logout", headers={"origin": ORIGIN, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = await client.options("/v1/auth/logout", headers={"origin": "https://evil.example", **preflight})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    unauthorized = await client.get("/v1/me", headers={"origin": ORIGIN})
    problem(unauthorized, 401)
    assert unauthorized.headers["access-control-allow-origin"] == ORIGIN
    assert "Origin" in unauthorized.headers["vary"]


async def test_api8_an_unexpected_error_shows_no_internals(reference_sqlite: str) -> None:
    app = reference_app(reference_sqlite, compile_now=False)

    @app.route("/boom")
    async def boom() -> None:
        raise RuntimeError("connection string postgresql://admin:s3cret@db/prod")

    async with AsyncTestClient(app) as client:
        response = await client.get("/boom")
    body = problem(response, 500)
    assert "s3cret" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" not in response.text and body["trace_id"] in body["detail"]


# -- API9:2023 Improper Inventory Management ----------------------------------------------------

async def test_api9_only_the_declared_versions_are_served(client: AsyncTestClient) -> None:
    for path in ("/v1/users", "/v2/users"):
        assert (await client.get(path)).status_code == 200
    for path in ("/v0/users", "/v3/users", "/users", "/api/v1/users", "/v1/admin"):
        problem(await client.get(path), 404)
    documented = (await client.get("/v1/openapi.json")).json()["paths"]
    assert all(not path.startswith("/v2") for path in documented)
