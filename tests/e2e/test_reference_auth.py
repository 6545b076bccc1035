"""The reference app's accounts over a real socket: signup, login, /me, ownership of posts,
refresh rotation with reuse detection, logout, and the rate limit on logins.

Each test runs on SQLite, PostgreSQL and MariaDB (``reference_server``). Logins cost a bcrypt
check (~0.25 s) and are limited to 5 a minute per client, so the tests that do not test login
itself mint their tokens with :func:`~tests.e2e.conftest.bearer`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from schema.seed import DEMO_PASSWORD

from .conftest import REFERENCE_CONFIG, Server, bearer, start_server

PASSWORD = "a long enough passphrase"


def call(server: Server, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def js(answer: tuple[int, dict[str, str], bytes]) -> Any:
    return json.loads(answer[2] or b"null")


def auth(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def test_the_whole_account_flow(reference_server: Server) -> None:
    s = reference_server
    bodies: list[bytes] = []

    def step(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             expect: int = 200) -> Any:
        answer = call(s, method, path, body, headers)
        assert answer[0] == expect, (method, path, answer)
        bodies.append(answer[2])
        return js(answer)

    user = step("POST", "/v1/users", {"email": "Erin@example.com", "name": "Erin", "password": PASSWORD},
                expect=201)
    assert "password" not in user
    pair = step("POST", "/v1/auth/login", {"email": "erin@example.com", "password": PASSWORD})
    assert pair["token_type"] == "Bearer" and pair["expires_in"] > 0
    me = step("GET", "/v1/me", headers=auth(pair["access_token"]))
    assert me == user
    post = step("POST", f"/v1/users/{user['id']}/posts", {"title": "Mine", "body": "All mine"},
                auth(pair["access_token"]), expect=201)
    assert post["author_id"] == user["id"]
    where = f"/v1/users/{user['id']}/posts/{post['id']}"

    # another user's token (Brian, an author) may neither change nor delete it
    brian = bearer(2)
    step("PATCH", where, {"title": "Hijacked"}, brian, expect=403)
    step("DELETE", where, None, brian, expect=403)
    step("POST", f"/v1/users/{user['id']}/posts", {"title": "t", "body": "b"}, brian, expect=403)
    # the author may change it; author_id is not the client's to set (422)
    assert step("PATCH", where, {"title": "Still mine"}, auth(pair["access_token"]))["title"] == "Still mine"
    step("PATCH", where, {"author_id": 2}, auth(pair["access_token"]), expect=422)

    # comments: the author comes from the token; only its author or an admin deletes it
    comment = step("POST", f"/v1/posts/{post['id']}/comments", {"text": "Nice"}, brian, expect=201)
    assert (comment["author"], comment["author_id"]) == ("Brian", 2)
    step("POST", f"/v1/posts/{post['id']}/comments", {"author": "Ada", "text": "x"}, brian, expect=422)
    step("DELETE", f"/v1/posts/{post['id']}/comments/{comment['id']}", None,
         auth(pair["access_token"]), expect=403)
    step("DELETE", f"/v1/posts/{post['id']}/comments/{comment['id']}", None, brian, expect=204)

    # an admin token (Ada) deletes anyone's post
    step("DELETE", where, None, bearer(1, "admin"), expect=204)
    step("GET", where, expect=404)

    # refresh rotates; the spent refresh token again is a 401 and revokes the whole login
    second = step("POST", "/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert second["refresh_token"] != pair["refresh_token"]
    step("GET", "/v1/me", headers=auth(second["access_token"]))
    step("POST", "/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, expect=401)
    step("POST", "/v1/auth/refresh", {"refresh_token": second["refresh_token"]}, expect=401)

    # logout revokes the access token presented (and its login's refresh tokens)
    third = step("POST", "/v1/auth/login", {"email": "erin@example.com", "password": PASSWORD})
    step("GET", "/v1/me", headers=auth(third["access_token"]))
    step("POST", "/v1/auth/logout", headers=auth(third["access_token"]), expect=204)
    step("GET", "/v1/me", headers=auth(third["access_token"]), expect=401)
    step("POST", "/v1/auth/refresh", {"refresh_token": third["refresh_token"]}, expect=401)

    # reads stay public, and no response of the flow carries a password hash
    bodies.append(call(s, "GET", "/v1/users?limit=100")[2])
    bodies.append(call(s, "GET", f"/v1/users/{user['id']}")[2])
    for body in bodies:
        assert b"bcrypt" not in body and b"$2b$" not in body and PASSWORD.encode() not in body


def test_anonymous_writes_are_401_before_their_body_is_read(reference_server: Server) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path, body in [
        ("POST", "/v1/users/2/posts", {"nonsense": True}),
        ("PATCH", f"/v1/users/2/posts/{missing}", {}),
        ("DELETE", f"/v1/users/2/posts/{missing}", None),
        ("POST", f"/v1/posts/{missing}/comments", {"text": ""}),
        ("DELETE", f"/v1/posts/{missing}/comments/1", None),
        ("POST", "/v1/auth/logout", None),
        ("GET", "/v1/me", None),
    ]:
        status, headers, raw = call(reference_server, method, path, body)
        assert status == 401, (method, path, raw)
        assert headers["www-authenticate"].startswith("Bearer")
    status, _, _ = call(reference_server, "GET", "/v1/me", headers={"Authorization": "Bearer forged.token.x"})
    assert status == 401


def test_wrong_password_and_unknown_email_get_the_same_401(reference_server: Server) -> None:
    wrong = call(reference_server, "POST", "/v1/auth/login",
                 {"email": "chen@example.com", "password": "not the password"})
    unknown = call(reference_server, "POST", "/v1/auth/login",
                   {"email": "nobody@example.com", "password": DEMO_PASSWORD})
    assert wrong[0] == unknown[0] == 401
    assert js(wrong)["detail"] == js(unknown)["detail"]
    seeded = call(reference_server, "POST", "/v1/auth/login",
                  {"email": "chen@example.com", "password": DEMO_PASSWORD})
    assert seeded[0] == 200  # the seeded users' documented demo password


def test_signup_needs_a_long_password_and_cannot_choose_admin(reference_server: Server) -> None:
    short = call(reference_server, "POST", "/v1/users", {"email": "f@example.com", "name": "F", "password": "short"})
    assert short[0] == 422 and js(short)["details"][0]["field"] == "password"
    assert b"short" not in short[2]  # NOTE: a password is not echoed back in the error
    admin = call(reference_server, "POST", "/v1/users",
                 {"email": "g@example.com", "name": "G", "password": PASSWORD, "role": "admin"})
    assert admin[0] == 422


def test_login_brute_force_hits_429(reference_sqlite: str) -> None:
    # NOTE: a server of its own: the limit is per client IP, and every test here is 127.0.0.1
    server = start_server(REFERENCE_CONFIG, "--no-access-log", env={"DATABASE_URL": reference_sqlite})
    try:
        guess = {"email": "brian@example.com", "password": "guess number n"}
        statuses = [call(server, "POST", "/v1/auth/login", guess)[0] for _ in range(7)]
        assert statuses == [401] * 5 + [429] * 2, statuses
        limited = call(server, "POST", "/v1/auth/login", guess)
        assert limited[0] == 429 and "retry-after" in limited[1]
    finally:
        server.stop()
