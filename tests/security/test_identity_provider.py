"""openIdConnect and oauth2 (opaque tokens) against a real authorization server on loopback
(tests/fixtures/authserver.py, built from Authlib's server components).

Discovery gives the issuer and ``jwks_uri``; keys are fetched once and again on an unknown
``kid``, at most once a minute; opaque tokens are introspected (RFC 7662) and the answer cached
until the token expires.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from covet.app import CovetApp
from covet.security import _jwt
from covet.testing import AsyncTestClient, TestClient, TestResponse
from tests.fixtures.authserver import AuthServer
from tests.security.test_step import HANDLERS, SPEC, auth_config, bearer


@pytest.fixture
def server() -> Iterator[AuthServer]:
    with AuthServer() as running:
        yield running


def app_for(server: AuthServer, **oidc: Any) -> CovetApp:
    return CovetApp.from_spec(SPEC, HANDLERS, auth=auth_config(
        oidc={"discovery_url": server.discovery_url, "audience": "covet", **oidc},
        opaque={"introspection_url": server.introspection_endpoint, "client_id": server.client_id,
                "client_secret": server.client_secret, "cache_ttl": "5m"},
    ))


def status(response: TestResponse) -> int:
    return response.status_code


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_an_oidc_token_verifies_with_the_published_key(server: AuthServer, alg: str) -> None:
    client = TestClient(app_for(server))
    presented = server.issue_jwt({"sub": "alice"}, alg=alg, audience="covet")
    response = client.get("/oidc", headers=bearer(presented))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "alice"


def test_discovery_and_keys_are_fetched_once_at_startup(server: AuthServer) -> None:
    async def scenario() -> None:
        async with AsyncTestClient(app_for(server)) as client:
            assert server.hits["/.well-known/openid-configuration"] == 1
            assert server.hits["/jwks"] == 1
            for _ in range(5):
                presented = server.issue_jwt({"sub": "alice"}, audience="covet")
                assert (await client.get("/oidc", headers=bearer(presented))).status_code == 200
            assert server.hits["/jwks"] == 1

    import asyncio

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("claims", "options"),
    [
        ({"sub": "a"}, {"audience": "someone-else"}),
        ({"sub": "a", "iss": "https://impostor.test"}, {"audience": "covet"}),
        ({"sub": "a"}, {"audience": "covet", "expires_in": -60}),
    ],
    ids=["audience", "issuer", "expired"],
)
def test_a_bad_oidc_token_is_a_401(server: AuthServer, claims: dict[str, Any], options: dict[str, Any]) -> None:
    client = TestClient(app_for(server))
    response = client.get("/oidc", headers=bearer(server.issue_jwt(claims, **options)))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_signed_by_an_unpublished_key_is_a_401(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    forged = server.issue_jwt({"sub": "a"}, audience="covet", key=server.foreign_key(),
                              kid=server.signing_kid())
    assert status(client.get("/oidc", headers=bearer(forged))) == 401


def test_a_rotated_key_is_picked_up_on_its_unknown_kid(server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(app_for(server))
    assert status(client.get("/oidc", headers=bearer(server.issue_jwt({"sub": "a"}, audience="covet")))) == 200
    fetched = server.hits["/jwks"]
    server.rotate("RS256")
    # NOTE: the once-a-minute floor is shortened so the test does not wait a minute
    monkeypatch.setattr(_jwt, "REFRESH_INTERVAL", 0.0)
    rotated = server.issue_jwt({"sub": "a"}, audience="covet")
    assert status(client.get("/oidc", headers=bearer(rotated))) == 200
    assert server.hits["/jwks"] == fetched + 1


def test_a_withdrawn_key_stops_verifying_tokens_it_verified_before(
    server: AuthServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = TestClient(app_for(server))
    old_kid = server.signing_kid("RS256")
    earlier = server.issue_jwt({"sub": "a"}, audience="covet")
    assert status(client.get("/oidc", headers=bearer(earlier))) == 200  # verified, remembered
    server.retire(old_kid)  # signs with a fresh key from now on
    monkeypatch.setattr(_jwt, "REFRESH_INTERVAL", 0.0)
    fresh = server.issue_jwt({"sub": "a"}, audience="covet")
    assert status(client.get("/oidc", headers=bearer(fresh))) == 200  # its kid refreshes the JWKS
    assert status(client.get("/oidc", headers=bearer(earlier))) == 401


def test_unknown_kids_refetch_the_jwks_at_most_once_a_minute(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    assert status(client.get("/oidc", headers=bearer(server.issue_jwt({"sub": "a"}, audience="covet")))) == 200
    fetched = server.hits["/jwks"]
    for index in range(5):
        made_up = server.issue_jwt({"sub": "a"}, audience="covet", key=server.foreign_key(kid=f"k{index}"))
        assert status(client.get("/oidc", headers=bearer(made_up))) == 401
    assert server.hits["/jwks"] <= fetched + 1


def test_an_identity_provider_that_is_down_is_a_fast_503(server: AuthServer) -> None:
    app = app_for(server, timeout=0.5)
    server.fail = 503
    started = time.monotonic()
    response = TestClient(app).get("/oidc", headers=bearer(server.issue_jwt({"sub": "a"}, audience="covet")))
    assert response.status_code == 503, response.text
    assert time.monotonic() - started < 2
    assert server.client_secret not in response.text


# -- opaque tokens (RFC 7662) ----------------------------------------------------------------

def test_an_active_opaque_token_with_the_scope_is_let_in(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    presented = server.issue_opaque("alice", "read write")
    response = client.get("/opaque", headers=bearer(presented))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "alice"
    assert response.json()["scopes"] == ["read", "write"]


def test_introspection_answers_are_cached_until_the_token_expires(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    presented = server.issue_opaque("alice", "read")
    for _ in range(4):
        assert status(client.get("/opaque", headers=bearer(presented))) == 200
    assert server.hits["/introspect"] == 1


def test_an_expired_cache_entry_is_introspected_again(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    presented = server.issue_opaque("alice", "read", expires_in=1)
    assert status(client.get("/opaque", headers=bearer(presented))) == 200
    time.sleep(1.2)
    assert status(client.get("/opaque", headers=bearer(presented))) == 401
    assert server.hits["/introspect"] == 2


def test_an_inactive_or_unknown_opaque_token_is_a_401(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    revoked = server.issue_opaque("alice", "read")
    server.revoke(revoked)
    assert status(client.get("/opaque", headers=bearer(revoked))) == 401
    assert status(client.get("/opaque", headers=bearer("made-up-token"))) == 401


def test_an_opaque_token_without_the_scope_is_a_403(server: AuthServer) -> None:
    client = TestClient(app_for(server))
    response = client.get("/opaque", headers=bearer(server.issue_opaque("alice", "write")))
    assert response.status_code == 403
    assert 'scope="read"' in response.headers["www-authenticate"]


def test_wrong_client_credentials_for_introspection_are_a_503_not_an_open_door(server: AuthServer) -> None:
    app = CovetApp.from_spec(SPEC, HANDLERS, auth=auth_config(
        opaque={"introspection_url": server.introspection_endpoint, "client_id": server.client_id,
                "client_secret": "wrong"},
    ))
    response = TestClient(app).get("/opaque", headers=bearer(server.issue_opaque("alice", "read")))
    assert response.status_code == 503
    assert "wrong" not in response.text
