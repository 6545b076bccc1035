"""The security step on a fixture app that uses every scheme type (tests/fixtures/apps/secured).

A matrix of scheme x valid / missing / malformed / expired / wrong key / insufficient scope,
with AND, OR and optional requirements, and the order: authentication before validation.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any

import bcrypt
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from covet.app import CovetApp
from covet.errors import BindingError, ConfigError, UnsupportedSpecError
from covet.testing import TestClient, TestResponse
from tests.fixtures.apps.secured import handlers

SPEC = "tests/fixtures/apps/secured/openapi.yaml"
HANDLERS = "tests.fixtures.apps.secured.handlers"
SECRET = "s" * 64
OTHER_SECRET = "o" * 64
ISSUER = "https://api.example.test"
H = "tests.fixtures.apps.secured.handlers"

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC = _RSA.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode()


def auth_config(**overrides: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "bearerAuth": {"secret": SECRET, "algorithms": ["HS256"], "issuer": ISSUER,
                       "audience": "fixture", "user_loader": f"{H}:load_user"},
        "basicAuth": {"users": f"{H}:find_user"},
        "headerKey": {"verify": f"{H}:check_key"},
        "queryKey": {"verify": f"{H}:check_key"},
        "cookieKey": {"verify": f"{H}:check_key"},
        "oauth": {"public_key": RSA_PUBLIC, "algorithms": ["RS256"]},
        "opaque": {"introspection_url": "http://127.0.0.1:9/introspect"},
        "oidc": {"discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration"},
    }
    config.update(overrides)
    return config


def build(**overrides: dict[str, Any]) -> CovetApp:
    return CovetApp.from_spec(SPEC, HANDLERS, auth=auth_config(**overrides))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(build())


@pytest.fixture(scope="module", autouse=True)
def users() -> Iterator[None]:
    # NOTE: 4 rounds only to keep the suite fast; hashes are made here, not by PasswordHasher
    # (which refuses fewer than 12), and verify() reads the cost from the hash itself.
    hashed = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(4)).decode()
    handlers.USERS.update({
        "alice": {"password_hash": hashed, "subject": "alice", "roles": ["admin"]},
        "bob": {"password_hash": hashed, "subject": "bob", "roles": []},
    })
    yield
    handlers.USERS.clear()


def token(claims: dict[str, Any] | None = None, *, key: Any = SECRET, alg: str = "HS256",
          headers: dict[str, Any] | None = None) -> str:
    now = int(time.time())
    body = {"sub": "alice", "iss": ISSUER, "aud": "fixture", "iat": now, "exp": now + 60}
    body.update(claims or {})
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers=headers)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


# -- bearer (JWT) -----------------------------------------------------------------------------

def test_a_valid_bearer_token_reaches_the_handler_with_its_claims_and_scopes(client: TestClient) -> None:
    response = client.get("/inherited", headers=bearer(token({"scope": "a b"})))
    assert response.status_code == 200, response.text
    assert response.json() == {"scheme": "bearerAuth", "subject": "alice", "scopes": ["a", "b"],
                               "also": [], "sub_claim": "alice", "scope_set": ["a", "b"]}


def test_no_credentials_is_a_401_with_the_bearer_challenge(client: TestClient) -> None:
    response = client.get("/inherited")
    body = problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="bearerAuth"'
    assert body["title"] == "Unauthorized"


# NOTE: tokens are made when the test runs, not at collection: a long suite would see them expire
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: "not-a-jwt", "not a well-formed JWT"),
        (lambda: token({"exp": int(time.time()) - 10}), "expired"),
        (lambda: token({"nbf": int(time.time()) + 600}), "not valid yet"),
        (lambda: token({"aud": "someone-else"}), "audience"),
        (lambda: token({"iss": "https://evil.test"}), "issuer"),
        (lambda: token({"exp": None}), "'exp'"),
        (lambda: token(key=OTHER_SECRET), "signature"),
        (lambda: token(alg="HS512"), "algorithm"),
    ],
    ids=["malformed", "expired", "not-yet", "audience", "issuer", "no-exp", "wrong-key", "alg"],
)
def test_a_bad_bearer_token_is_a_401_invalid_token_that_says_why(
    client: TestClient, make: Callable[[], str], reason: str
) -> None:
    presented = make()
    response = client.get("/inherited", headers=bearer(presented))
    body = problem(response, 401)
    assert reason in body["detail"]
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="bearerAuth", error="invalid_token", error_description=')
    assert presented not in response.text


def test_alg_none_is_refused(client: TestClient) -> None:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    unsigned = (b64(b'{"alg":"none","typ":"JWT"}') + "."
                + b64(f'{{"sub":"alice","iss":"{ISSUER}","aud":"fixture","exp":{now + 60}}}'.encode()) + ".")
    assert "algorithm" in problem(client.get("/inherited", headers=bearer(unsigned)), 401)["detail"]


def test_an_hs256_token_signed_with_the_public_key_is_refused_by_an_rs256_scheme(client: TestClient) -> None:
    # algorithm confusion: the RSA public key used as an HMAC secret
    forged = jwt.api_jws.PyJWS().encode(
        b'{"sub":"alice","exp":9999999999,"scope":"posts:write"}', b"x" * 32, algorithm="HS256"
    )
    problem(client.get("/scoped", headers=bearer(forged)), 401)


def test_the_bearer_scheme_name_is_case_insensitive(client: TestClient) -> None:
    for kind in ("bearer", "BEARER", "BeArEr"):
        response = client.get("/inherited", headers={"authorization": f"{kind} {token()}"})
        assert response.status_code == 200, kind


def test_a_token_in_the_query_string_is_not_accepted_for_bearer(client: TestClient) -> None:
    problem(client.get(f"/inherited?access_token={token()}"), 401)


def test_an_empty_bearer_credential_is_a_401(client: TestClient) -> None:
    problem(client.get("/inherited", headers={"authorization": "Bearer "}), 401)


def test_another_authorization_scheme_is_no_bearer_credential(client: TestClient) -> None:
    response = client.get("/inherited", headers=basic("alice", "correct horse"))
    assert problem(response, 401)["detail"] == "Authentication is required"


def test_an_anonymous_post_gets_a_401_not_the_body_errors(client: TestClient) -> None:
    body = problem(client.post("/bearer/items", json={"wrong": True}), 401)
    assert body["details"] == []
    authorized = client.post("/bearer/items", json={"wrong": True}, headers=bearer(token()))
    assert {d["field"] for d in problem(authorized, 422)["details"]} == {"name", "size"}


def test_a_public_operation_needs_nothing(client: TestClient) -> None:
    assert client.get("/public").json()["scheme"] is None


# -- http basic -------------------------------------------------------------------------------

def test_basic_with_the_right_password_authenticates_the_user(client: TestClient) -> None:
    response = client.get("/basic", headers=basic("alice", "correct horse"))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "alice"


@pytest.mark.parametrize(
    "headers",
    [basic("alice", "wrong"), basic("nobody", "correct horse"),
     {"authorization": "Basic !!!"}, {"authorization": "Basic " + base64.b64encode(b"nocolon").decode()}],
    ids=["wrong-password", "unknown-user", "not-base64", "no-colon"],
)
def test_bad_basic_credentials_are_a_401_with_the_basic_challenge(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/basic", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"] == 'Basic realm="basicAuth", charset="UTF-8"'
    assert "correct horse" not in response.text


def test_basic_roles_are_scopes_in_openapi_31(client: TestClient) -> None:
    assert client.get("/roles", headers=basic("alice", "correct horse")).status_code == 200
    body = problem(client.get("/roles", headers=basic("bob", "correct horse")), 403)
    assert "admin" in body["detail"]


# -- apiKey -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "place"),
    [("/key/header", "header"), ("/key/query", "query"), ("/key/cookie", "cookie")],
)
def test_an_api_key_is_read_where_the_scheme_says(client: TestClient, path: str, place: str) -> None:
    def send(key: str | None) -> TestResponse:
        if place == "header":
            return client.get(path, headers={} if key is None else {"x-api-key": key})
        if place == "query":
            return client.get(path if key is None else f"{path}?api_key={key}")
        return client.get(path, headers={} if key is None else {"cookie": f"session_key={key}"})

    valid = send("key-alice")
    assert valid.status_code == 200, valid.text
    assert valid.json()["subject"] == "alice"
    assert valid.json()["scopes"] == ["posts:read"]
    problem(send(None), 401)
    wrong = send("key-mallory")
    assert "not valid" in problem(wrong, 401)["detail"]
    assert "key-mallory" not in wrong.text


def test_the_handler_may_take_the_presented_token(client: TestClient) -> None:
    assert client.get("/key/header", headers={"x-api-key": "key-alice"}).json()["token_length"] == 9


# -- oauth2 scopes ----------------------------------------------------------------------------

def test_oauth2_scopes_come_from_the_scope_or_scp_claim(client: TestClient) -> None:
    for claims in ({"scope": "posts:read posts:write"}, {"scp": ["posts:write"]}):
        presented = token(claims, key=_RSA, alg="RS256")
        assert client.get("/scoped", headers=bearer(presented)).status_code == 200, claims


def test_insufficient_scope_is_a_403_naming_the_scope(client: TestClient) -> None:
    presented = token({"scope": "posts:read"}, key=_RSA, alg="RS256")
    response = client.get("/scoped", headers=bearer(presented))
    body = problem(response, 403)
    assert "posts:write" in body["detail"]
    assert response.headers["www-authenticate"] == (
        'Bearer realm="oauth", error="insufficient_scope", scope="posts:write"'
    )


def test_a_token_signed_by_another_rsa_key_is_a_401(client: TestClient) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    presented = token({"scope": "posts:write"}, key=other, alg="RS256")
    problem(client.get("/scoped", headers=bearer(presented)), 401)


def test_an_es256_token_is_refused_by_an_rs256_only_scheme(client: TestClient) -> None:
    presented = token({"scope": "posts:write"}, key=ec.generate_private_key(ec.SECP256R1()), alg="ES256")
    problem(client.get("/scoped", headers=bearer(presented)), 401)


# -- AND, OR, optional ------------------------------------------------------------------------

def test_and_needs_every_scheme(client: TestClient) -> None:
    both = {**bearer(token()), "x-api-key": "key-alice"}
    response = client.get("/and", headers=both)
    assert response.status_code == 200, response.text
    assert response.json()["also"] == ["bearerAuth", "headerKey"]
    only_token = client.get("/and", headers=bearer(token()))
    problem(only_token, 401)
    assert only_token.headers["www-authenticate"] == (
        'Bearer realm="bearerAuth", ApiKey realm="headerKey", in="header", name="X-API-Key"'
    )
    problem(client.get("/and", headers={"x-api-key": "key-alice"}), 401)


def test_or_takes_either_scheme(client: TestClient) -> None:
    assert client.get("/or", headers=bearer(token())).json()["scheme"] == "bearerAuth"
    assert client.get("/or", headers=basic("bob", "correct horse")).json()["scheme"] == "basicAuth"
    response = client.get("/or")
    problem(response, 401)
    assert response.headers["www-authenticate"] == (
        'Bearer realm="bearerAuth", Basic realm="basicAuth", charset="UTF-8"'
    )


def test_optional_authentication_lets_anonymous_in_but_not_bad_credentials(client: TestClient) -> None:
    assert client.get("/optional").json()["scheme"] is None
    assert client.get("/optional", headers=bearer(token())).json()["subject"] == "alice"
    problem(client.get("/optional", headers=bearer(token(key=OTHER_SECRET))), 401)


# -- user loading -----------------------------------------------------------------------------

def test_user_is_loaded_once_per_request_by_the_configured_loader(client: TestClient) -> None:
    handlers.LOADED.clear()
    response = client.get("/me", headers=bearer(token({"sub": "carol"})))
    assert response.json() == {"id": "carol", "name": "User carol"}
    assert handlers.LOADED == ["carol"]


def test_a_token_whose_user_is_gone_is_a_401(client: TestClient) -> None:
    problem(client.get("/me", headers=bearer(token({"sub": "ghost"}))), 401)


# -- refused at startup -----------------------------------------------------------------------

def test_a_used_scheme_without_auth_config_is_a_startup_error() -> None:
    config = auth_config()
    del config["basicAuth"]
    with pytest.raises(ConfigError, match=r"auth\.basicAuth entry"):
        CovetApp.from_spec(SPEC, HANDLERS, auth=config)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"algorithms": ["HS256"]}, "set one of secret, public_key, jwks_url"),
        ({"secret": SECRET}, "list the accepted algorithms"),
        ({"secret": "short", "algorithms": ["HS256"]}, "shorter than 32 bytes"),
        ({"secret": SECRET, "algorithms": ["none"]}, "refused"),
        ({"secret": SECRET, "algorithms": ["RS256"]}, "HMAC secret verifies only"),
        ({"public_key": RSA_PUBLIC, "algorithms": ["HS256"]}, "need a secret"),
    ],
)
def test_an_incomplete_or_unsafe_jwt_config_is_a_startup_error(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(bearerAuth=settings)


def test_taking_user_without_a_loader_is_a_startup_error() -> None:
    with pytest.raises(BindingError, match="user_loader"):
        build(bearerAuth={"secret": SECRET, "algorithms": ["HS256"]})


def test_a_scheme_type_covet_cannot_enforce_is_a_startup_error(tmp_path: Any) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "components: {securitySchemes: {mtls: {type: mutualTLS}}}\n"
        "paths: {/x: {get: {operationId: public, security: [{mtls: []}], responses: {'200': {description: ok}}}}}\n"
    )
    with pytest.raises(UnsupportedSpecError, match="mutualTLS"):
        CovetApp.from_spec(spec, HANDLERS, auth={"mtls": {}})


def test_secrets_do_not_appear_in_the_settings_repr() -> None:
    app = build()
    assert SECRET not in repr(app.config)
    assert SECRET not in str(app.config.auth)




def test_an_hs512_secret_must_be_as_long_as_its_hash() -> None:
    with pytest.raises(ConfigError, match="shorter than 64 bytes"):
        build(bearerAuth={"secret": "k" * 40, "algorithms": ["HS256", "HS512"]})


# -- tokens: true (the app's own token manager) -------------------------------------------------

async def test_a_bearer_scheme_may_verify_with_the_apps_token_manager() -> None:
    from covet.testing import AsyncTestClient

    app = CovetApp.from_spec(
        SPEC, HANDLERS,
        tokens={"secret": SECRET, "issuer": ISSUER, "audience": "fixture"},
        auth=auth_config(bearerAuth={"tokens": True, "user_loader": f"{H}:load_user"}),
    )
    async with AsyncTestClient(app) as client:
        manager = app.providers["tokens"].manager  # type: ignore[attr-defined]
        pair = manager.issue("dora", scopes=["posts:read"])
        response = await client.get("/inherited", headers=bearer(pair.access_token))
        assert response.status_code == 200, response.text
        assert response.json()["subject"] == "dora"
        assert response.json()["scopes"] == ["posts:read"]
        refresh_as_access = await client.get("/inherited", headers=bearer(pair.refresh_token))
        assert refresh_as_access.status_code == 401
        await manager.revoke(pair.access_token)
        revoked = await client.get("/inherited", headers=bearer(pair.access_token))
        assert "revoked" in problem(revoked, 401)["detail"]


def test_tokens_true_without_a_tokens_key_is_a_startup_error() -> None:
    with pytest.raises(ConfigError, match="tokens.secret"):
        build(bearerAuth={"tokens": True, "user_loader": f"{H}:load_user"})
