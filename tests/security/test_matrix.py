"""Every scheme type x valid / missing / malformed / expired / wrong key / insufficient scope.

One operation per scheme (``/matrix/<scheme>``) requires a scope (a role for basic and apiKey,
OpenAPI 3.1); the identity-provider schemes run against the loopback Authlib server.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from covet.app import CovetApp
from covet.testing import TestClient
from tests.fixtures.authserver import AuthServer
from tests.security.test_step import (
    _RSA,
    HANDLERS,
    OTHER_SECRET,
    SPEC,
    auth_config,
    basic,
    bearer,
    token,
    users,  # noqa: F401 - the fixture that fills the basic-auth users
)

Request = tuple[str, dict[str, str]]
"""(path with query, headers)"""

CASES = ("valid", "missing", "malformed", "expired", "wrong_key", "insufficient_scope")
EXPECTED = {"valid": 200, "missing": 401, "malformed": 401, "expired": 401, "wrong_key": 401,
            "insufficient_scope": 403}


@pytest.fixture(scope="module")
def server() -> Iterator[AuthServer]:
    with AuthServer() as running:
        yield running


@pytest.fixture(scope="module")
def client(server: AuthServer) -> TestClient:
    return TestClient(CovetApp.from_spec(SPEC, HANDLERS, auth=auth_config(
        oidc={"discovery_url": server.discovery_url, "audience": "covet"},
        opaque={"introspection_url": server.introspection_endpoint, "client_id": server.client_id,
                "client_secret": server.client_secret},
    )))


def _key(place: str) -> Callable[[str | None], dict[str, str]]:
    def send(key: str | None) -> dict[str, str]:
        if key is None:
            return {}
        return {"x-api-key": key} if place == "header" else {"cookie": f"session_key={key}"}

    return send


def api_key_cases(place: str) -> dict[str, Request]:
    path = f"/matrix/{place}"
    if place == "query":
        return {
            "valid": (f"{path}?api_key=key-admin", {}), "missing": (path, {}),
            "malformed": (f"{path}?api_key=", {}), "wrong_key": (f"{path}?api_key=key-mallory", {}),
            "insufficient_scope": (f"{path}?api_key=key-alice", {}),
        }
    send = _key(place)
    return {
        "valid": (path, send("key-admin")), "missing": (path, send(None)),
        "malformed": (path, send("")), "wrong_key": (path, send("key-mallory")),
        "insufficient_scope": (path, send("key-alice")),
    }


def jwt_cases(path: str, make: Callable[..., str], wrong: Callable[[], str], scope: str) -> dict[str, Request]:
    return {
        "valid": (path, bearer(make(scope))),
        "missing": (path, {}),
        "malformed": (path, bearer("eyJhbGciOi.not-a-jwt")),
        "expired": (path, bearer(make(scope, expired=True))),
        "wrong_key": (path, bearer(wrong())),
        "insufficient_scope": (path, bearer(make("other"))),
    }


def scheme_cases(server: AuthServer) -> dict[str, dict[str, Request]]:
    def hs(scope: str, expired: bool = False) -> str:
        return token({"scope": scope, **({"exp": int(time.time()) - 60} if expired else {})})

    def rs(scope: str, expired: bool = False) -> str:
        return token({"scope": scope, **({"exp": int(time.time()) - 60} if expired else {})},
                     key=_RSA, alg="RS256")

    def oidc(scope: str, expired: bool = False) -> str:
        return server.issue_jwt({"sub": "alice", "scope": scope}, alg="ES256", audience="covet",
                                expires_in=-60 if expired else 300)

    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    opaque = "/matrix/opaque"
    return {
        "bearer": jwt_cases("/matrix/bearer", hs, lambda: token({"scope": "admin"}, key=OTHER_SECRET), "admin"),
        "oauth": jwt_cases("/matrix/oauth", rs, lambda: token({"scope": "posts:write"}, key=other_rsa, alg="RS256"),
                           "posts:write"),
        "oidc": jwt_cases("/matrix/oidc", oidc,
                          lambda: server.issue_jwt({"sub": "a", "scope": "admin"}, audience="covet",
                                                   key=server.foreign_key(), kid=server.signing_kid()),
                          "admin"),
        "opaque": {
            "valid": (opaque, bearer(server.issue_opaque("alice", "read"))),
            "missing": (opaque, {}),
            "malformed": (opaque, {"authorization": "Bearer"}),
            "expired": (opaque, bearer(server.issue_opaque("alice", "read", expires_in=-10))),
            "wrong_key": (opaque, bearer("never-issued")),
            "insufficient_scope": (opaque, bearer(server.issue_opaque("alice", "write"))),
        },
        "basic": {
            "valid": ("/matrix/basic", basic("alice", "correct horse")),
            "missing": ("/matrix/basic", {}),
            "malformed": ("/matrix/basic", {"authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()}),
            "wrong_key": ("/matrix/basic", basic("alice", "battery staple")),
            "insufficient_scope": ("/matrix/basic", basic("bob", "correct horse")),
        },
        "header": api_key_cases("header"),
        "query": api_key_cases("query"),
        "cookie": api_key_cases("cookie"),
    }


MATRIX = [
    (scheme, case)
    for scheme in ("bearer", "oauth", "oidc", "opaque", "basic", "header", "query", "cookie")
    for case in CASES
    if not (case == "expired" and scheme in ("basic", "header", "query", "cookie"))
]


@pytest.mark.parametrize(("scheme", "case"), MATRIX, ids=[f"{s}-{c}" for s, c in MATRIX])
def test_the_matrix(client: TestClient, server: AuthServer, scheme: str, case: str) -> None:
    path, headers = scheme_cases(server)[scheme][case]
    response = client.get(path, headers=headers)
    assert response.status_code == EXPECTED[case], (scheme, case, response.text)
    body: dict[str, Any] = response.json()
    if case == "valid":
        assert body["subject"] in ("alice", "root")
        return
    assert response.headers["content-type"] == "application/problem+json"
    bearer_like = scheme in ("bearer", "oauth", "oidc", "opaque")
    if response.status_code == 401 or bearer_like:
        assert "www-authenticate" in response.headers
    if case == "insufficient_scope":
        assert body["details"][0]["code"] == "insufficientScope"
    for value in headers.values():
        credential = value.split(" ", 1)[-1]
        if len(credential) > 8:
            assert credential not in response.text, "a credential was echoed"
