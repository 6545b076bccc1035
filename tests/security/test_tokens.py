"""The token manager: issuing, decoding, rotation with reuse detection, revocation, keys.

Forged and out-of-date tokens are made by hand (PyJWT or raw base64url) with the manager's own
secret, so each test shows exactly which check refuses them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import ValidationError

from covet.config import config_from_mapping
from covet.errors import ConfigError, CovetError, UsageError
from covet.providers.tokens.memory import MemoryTokenStore
from covet.providers.tokens.redis import RedisTokenStore
from covet.security.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    ReusedTokenError,
    RevokedTokenError,
    TokenError,
    TokenManager,
    TokenSettings,
)
from tests.providers.tokens.conftest import delete_prefix, redis_url

SECRET = "k" * 20 + "-a-32-byte-test-secret-" + "k" * 6
ISSUER = "https://api.example.test"
AUDIENCE = "blog"


def manager(**settings: Any) -> TokenManager:
    settings.setdefault("secret", SECRET)
    settings.setdefault("issuer", ISSUER)
    settings.setdefault("audience", AUDIENCE)
    return TokenManager(TokenSettings(**settings), MemoryTokenStore())


def claims(**overrides: Any) -> dict[str, Any]:
    """A complete set of access-token claims, valid now, as the manager would write them."""
    now = int(time.time())
    found = {
        "sub": "42", "iat": now, "nbf": now, "exp": now + 600, "jti": uuid.uuid4().hex,
        "iss": ISSUER, "aud": AUDIENCE, "fam": uuid.uuid4().hex, "token_use": "access",
    }
    found.update(overrides)
    return found


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A JWT assembled by hand: HMAC-SHA256 over it with ``key``, or no signature at all."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def pem_private(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(key: Any) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


# -- settings -------------------------------------------------------------------------------


def test_defaults_leave_tokens_off() -> None:
    settings = TokenSettings()
    assert not settings.configured
    assert settings.algorithm == "HS256"
    assert settings.access_ttl == 15 * 60 and settings.refresh_ttl == 14 * 86400
    assert settings.store == "memory://" and settings.leeway == 0


def test_the_tokens_section_of_covet_yaml() -> None:
    raw = {"secret": SECRET, "access_ttl": "15m", "refresh_ttl": "14d", "store": "redis://r:6379/1"}
    config = config_from_mapping({"apis": [], "tokens": raw}, base_dir=Path("."))
    assert config.tokens.configured and config.tokens.access_ttl == 900
    assert config.tokens.refresh_ttl == 14 * 86400 and config.tokens.store == "redis://r:6379/1"


def test_durations_accept_units() -> None:
    settings = TokenSettings(secret=SECRET, access_ttl="5m", refresh_ttl="30d", leeway="30s")
    assert (settings.access_ttl, settings.refresh_ttl, settings.leeway) == (300, 30 * 86400, 30)
    assert TokenSettings(secret=SECRET, access_ttl="1h").access_ttl == 3600
    assert TokenSettings(secret=SECRET, access_ttl=90).access_ttl == 90


def test_a_short_hmac_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="is 16 bytes; HS256 needs at least 32"):
        TokenSettings(secret="s" * 16)
    with pytest.raises(ValidationError, match="HS512 needs at least 64"):
        TokenSettings(secret=SECRET, algorithm="HS512")


def test_a_short_secret_in_covet_yaml_is_a_config_error_without_the_secret() -> None:
    with pytest.raises(ConfigError, match="at least 32") as caught:
        config_from_mapping({"apis": [], "tokens": {"secret": "hunter2"}}, base_dir=Path("."))
    assert "hunter2" not in str(caught.value)


def test_a_tokens_section_without_a_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="set tokens.secret"):
        TokenSettings(issuer=ISSUER)
    with pytest.raises(ValidationError, match="set tokens.private_key"):
        TokenSettings(algorithm="RS256")


def test_the_manager_refuses_settings_without_a_key() -> None:
    with pytest.raises(ConfigError, match="tokens.secret"):
        TokenManager(TokenSettings(), MemoryTokenStore())


@pytest.mark.parametrize("spelling", ["none", "None", "NONE"])
def test_algorithm_none_is_refused(spelling: str) -> None:
    with pytest.raises(ValidationError, match="'none' is refused"):
        TokenSettings(secret=SECRET, algorithm=spelling)


def test_algorithms_outside_the_allowlist_are_refused() -> None:
    with pytest.raises(ValidationError):
        TokenSettings(secret=SECRET, algorithm="HS1")  # type: ignore[arg-type]


def test_a_secret_with_an_asymmetric_algorithm_is_refused() -> None:
    with pytest.raises(ValidationError, match="secret is only for HS256"):
        TokenSettings(secret=SECRET, algorithm="RS256")


def test_secrets_stay_out_of_repr() -> None:
    key = pem_private(ec.generate_private_key(ec.SECP256R1()))
    settings = TokenSettings(private_key=key, algorithm="ES256")
    assert "PRIVATE KEY" not in repr(settings)
    assert SECRET not in repr(TokenSettings(secret=SECRET)) + str(TokenSettings(secret=SECRET))


def test_token_errors_are_covet_errors_not_http_errors() -> None:
    assert issubclass(ReusedTokenError, RevokedTokenError)
    assert issubclass(ExpiredTokenError, InvalidTokenError)
    for error in (InvalidTokenError, ExpiredTokenError, RevokedTokenError, ReusedTokenError):
        assert issubclass(error, TokenError) and issubclass(error, CovetError)
        assert not hasattr(error, "status")


# -- issuing and decoding -------------------------------------------------------------------


def test_issue_then_decode_round_trip() -> None:
    tokens = manager()
    pair = tokens.issue("42", scopes=["posts:read", "posts:write"], extra_claims={"role": "admin"})
    access = tokens.decode(pair.access_token)
    assert access["sub"] == "42" and access["iss"] == ISSUER and access["aud"] == AUDIENCE
    assert access["scope"] == "posts:read posts:write" and access["role"] == "admin"
    assert access["token_use"] == "access"
    assert access["exp"] - access["iat"] == 900 and access["nbf"] == access["iat"]
    refresh = tokens.decode(pair.refresh_token, "refresh")
    assert refresh["exp"] - refresh["iat"] == 14 * 86400
    assert refresh["fam"] == access["fam"] and refresh["jti"] != access["jti"]
    assert pair.expires_in == 900 and pair.token_type == "Bearer"
    assert pair.to_dict()["access_token"] == pair.access_token
    assert pair.access_token not in repr(pair)
    assert jwt.get_unverified_header(pair.access_token)["typ"] == "at+jwt"


def test_every_token_gets_a_new_jti_and_every_login_a_new_family() -> None:
    tokens = manager()
    first, second = tokens.issue("42"), tokens.issue("42")
    a, b = tokens.decode(first.access_token), tokens.decode(second.access_token)
    assert a["jti"] != b["jti"] and a["fam"] != b["fam"]


def test_extra_claims_cannot_replace_registered_ones() -> None:
    with pytest.raises(UsageError, match="sub"):
        manager().issue("42", extra_claims={"sub": "1"})


def test_a_refresh_token_is_not_an_access_token_and_back() -> None:
    tokens = manager()
    pair = tokens.issue("42")
    with pytest.raises(InvalidTokenError, match="this token is for refresh, not access"):
        tokens.decode(pair.refresh_token)
    with pytest.raises(InvalidTokenError, match="this token is for access, not refresh"):
        tokens.decode(pair.access_token, "refresh")


def test_an_expired_token_is_refused() -> None:
    now = int(time.time())
    token = jwt.encode(claims(iat=now - 700, nbf=now - 700, exp=now - 100), SECRET, "HS256")
    with pytest.raises(ExpiredTokenError, match="expired"):
        manager().decode(token)


def test_the_leeway_tolerates_clock_skew() -> None:
    now = int(time.time())
    token = jwt.encode(claims(exp=now - 10, iat=now - 700, nbf=now - 700), SECRET, "HS256")
    assert manager(leeway="30s").decode(token)["sub"] == "42"


def test_a_token_not_valid_yet_is_refused() -> None:
    token = jwt.encode(claims(nbf=int(time.time()) + 300), SECRET, "HS256")
    with pytest.raises(InvalidTokenError, match="not valid yet"):
        manager().decode(token)


def test_another_audience_is_refused() -> None:
    token = jwt.encode(claims(aud="billing"), SECRET, "HS256")
    with pytest.raises(InvalidTokenError, match="audience"):
        manager().decode(token)


def test_another_issuer_is_refused() -> None:
    token = jwt.encode(claims(iss="https://evil.example"), SECRET, "HS256")
    with pytest.raises(InvalidTokenError, match="issuer"):
        manager().decode(token)


def test_another_secret_is_refused() -> None:
    token = jwt.encode(claims(), "another-secret-of-at-least-32-bytes!!", "HS256")
    with pytest.raises(InvalidTokenError, match="signature"):
        manager().decode(token)


def test_a_token_missing_a_required_claim_is_refused() -> None:
    payload = claims()
    del payload["jti"]
    with pytest.raises(InvalidTokenError, match="jti"):
        manager().decode(jwt.encode(payload, SECRET, "HS256"))


def test_garbage_is_an_invalid_token() -> None:
    with pytest.raises(InvalidTokenError, match="well-formed"):
        manager().decode("not.a.jwt")


def test_an_unsigned_alg_none_token_is_refused() -> None:
    token = hand_made({"alg": "none", "typ": "JWT"}, claims(), key=None)
    assert token.endswith(".")
    with pytest.raises(InvalidTokenError, match="algorithm is not allowed"):
        manager().decode(token)


def test_a_token_of_another_hmac_algorithm_is_refused() -> None:
    token = jwt.encode(claims(), SECRET + SECRET, "HS512")
    with pytest.raises(InvalidTokenError, match="algorithm is not allowed"):
        manager(secret=SECRET + SECRET).decode(token)


def test_hs256_signed_with_the_public_key_is_refused_by_rs256() -> None:
    """Algorithm confusion: the public key is public, so an HMAC keyed with it is forgeable."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = manager(secret=None, algorithm="RS256", private_key=pem_private(key))
    forged = hand_made({"alg": "HS256", "typ": "JWT"}, claims(), key=pem_public(key).encode())
    with pytest.raises(InvalidTokenError, match="algorithm is not allowed"):
        tokens.decode(forged)
    assert tokens.decode(tokens.issue("42").access_token)["sub"] == "42"


@pytest.mark.parametrize(
    ("algorithm", "generate"),
    [
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate),
    ],
)
def test_asymmetric_keys_sign_and_verify(algorithm: str, generate: Any) -> None:
    key = generate()
    tokens = manager(secret=None, algorithm=algorithm, private_key=pem_private(key), kid="k1")
    pair = tokens.issue("42", scopes=["a"])
    assert jwt.get_unverified_header(pair.access_token) == {
        "alg": algorithm, "typ": "at+jwt", "kid": "k1"
    }
    assert tokens.decode(pair.access_token)["scope"] == "a"
    verifier = manager(secret=None, algorithm=algorithm, private_key=pem_private(key),
                       public_key=pem_public(key))
    assert verifier.decode(pair.access_token)["sub"] == "42"
    # anyone holding the public key can check it, with PyJWT alone
    public = serialization.load_pem_public_key(pem_public(key).encode())
    jwt.decode(pair.access_token, public, [algorithm], audience=AUDIENCE)  # type: ignore[arg-type]


def test_a_key_that_cannot_sign_the_algorithm_is_a_config_error() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ConfigError, match="cannot sign RS256"):
        manager(secret=None, algorithm="RS256", private_key=pem_private(key))
    with pytest.raises(ConfigError, match="P-256"):
        manager(secret=None, algorithm="ES256",
                private_key=pem_private(ec.generate_private_key(ec.SECP384R1())))


def test_a_public_key_of_another_pair_is_a_config_error() -> None:
    key, other = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    with pytest.raises(ConfigError, match="not the public half"):
        manager(secret=None, algorithm="ES256", private_key=pem_private(key),
                public_key=pem_public(other))


def test_a_pem_that_is_not_a_key_is_a_config_error_without_its_text() -> None:
    with pytest.raises(ConfigError, match="not a usable") as caught:
        manager(secret=None, algorithm="RS256", private_key="-----BEGIN PRIVATE KEY-----\nxyz")
    assert "xyz" not in str(caught.value)


def test_kid_is_in_the_header_and_another_kid_is_refused() -> None:
    tokens = manager(kid="2026-05")
    pair = tokens.issue("42")
    assert jwt.get_unverified_header(pair.access_token)["kid"] == "2026-05"
    other = jwt.encode(claims(), SECRET, "HS256", headers={"kid": "2025-01"})
    with pytest.raises(InvalidTokenError, match="key id"):
        tokens.decode(other)


# -- refresh, reuse, revocation -------------------------------------------------------------


async def test_refresh_rotates_and_keeps_subject_scopes_and_claims() -> None:
    tokens = manager()
    first = tokens.issue("42", scopes=["posts:write"], extra_claims={"role": "admin"})
    second = await tokens.refresh(first.refresh_token)
    access = await tokens.verify(second.access_token)
    assert (access["sub"], access["scope"], access["role"]) == ("42", "posts:write", "admin")
    old, new = (tokens.decode(p.refresh_token, "refresh") for p in (first, second))
    assert new["jti"] != old["jti"] and new["fam"] == old["fam"]
    third = await tokens.refresh(second.refresh_token)
    assert tokens.decode(third.access_token)["sub"] == "42"


async def test_an_access_token_cannot_refresh() -> None:
    tokens = manager()
    with pytest.raises(InvalidTokenError):
        await tokens.refresh(tokens.issue("42").access_token)


async def test_reusing_a_refresh_token_revokes_its_whole_family() -> None:
    tokens = manager()
    first = tokens.issue("42")
    second = await tokens.refresh(first.refresh_token)
    with pytest.raises(ReusedTokenError, match="already used"):
        await tokens.refresh(first.refresh_token)  # a copy of a spent token came back
    with pytest.raises(RevokedTokenError):
        await tokens.refresh(second.refresh_token)  # so the newest one of the login dies too
    other_login = tokens.issue("42")
    assert (await tokens.refresh(other_login.refresh_token)).access_token


async def test_two_workers_racing_one_refresh_token_give_one_pair() -> None:
    """Two managers on one Redis, as two server processes: exactly one refresh succeeds."""
    url, prefix = redis_url(), f"covet-test:{uuid.uuid4().hex}:"
    settings = TokenSettings(secret=SECRET, issuer=ISSUER)
    first = TokenManager(settings, RedisTokenStore(url, prefix=prefix))
    second = TokenManager(settings, RedisTokenStore(url, prefix=prefix))
    try:
        pair = first.issue("42")
        results = await asyncio.gather(
            first.refresh(pair.refresh_token), second.refresh(pair.refresh_token),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["ReusedTokenError", "TokenPair"]
        winner = next(r for r in results if not isinstance(r, BaseException))
        with pytest.raises(RevokedTokenError):
            await second.refresh(winner.refresh_token)  # type: ignore[union-attr]
    finally:
        await first.close()
        await second.close()
        await delete_prefix(url, prefix)


async def test_revoking_an_access_token_logs_the_login_out() -> None:
    tokens = manager()
    pair = tokens.issue("42")
    jti = tokens.decode(pair.access_token)["jti"]
    assert not await tokens.is_revoked(jti)
    await tokens.revoke(pair.access_token)
    assert await tokens.is_revoked(jti)
    with pytest.raises(RevokedTokenError, match="revoked"):
        await tokens.verify(pair.access_token)
    with pytest.raises(RevokedTokenError):
        await tokens.refresh(pair.refresh_token)
    assert tokens.decode(pair.access_token)["sub"] == "42"  # decode alone does no lookup


async def test_revoking_a_refresh_token_ends_its_family() -> None:
    tokens = manager()
    pair = tokens.issue("42")
    await tokens.revoke(pair.refresh_token)
    with pytest.raises(RevokedTokenError):
        await tokens.refresh(pair.refresh_token)


async def test_revoke_jti_revokes_one_token() -> None:
    tokens = manager()
    first, second = tokens.issue("42"), tokens.issue("42")
    access = tokens.decode(first.access_token)
    await tokens.revoke_jti(access["jti"], access["exp"])
    with pytest.raises(RevokedTokenError):
        await tokens.verify(first.access_token)
    assert (await tokens.verify(second.access_token))["sub"] == "42"


async def test_revoking_a_token_of_another_signer_is_refused() -> None:
    foreign = jwt.encode(claims(), "another-secret-of-at-least-32-bytes!!", "HS256")
    with pytest.raises(InvalidTokenError):
        await manager().revoke(foreign)


@pytest.fixture
async def redis_manager() -> AsyncIterator[TokenManager]:
    url, prefix = redis_url(), f"covet-test:{uuid.uuid4().hex}:"
    tokens = TokenManager(
        TokenSettings(secret=SECRET, issuer=ISSUER), RedisTokenStore(url, prefix=prefix)
    )
    await tokens.open()
    yield tokens
    await tokens.close()
    await delete_prefix(url, prefix)


async def test_the_store_url_picks_the_store() -> None:
    tokens = TokenManager(TokenSettings(secret=SECRET, store=redis_url()))
    assert isinstance(tokens.store, RedisTokenStore)
    await tokens.close()


async def test_revocation_through_redis(redis_manager: TokenManager) -> None:
    pair = redis_manager.issue("42")
    await redis_manager.revoke(pair.access_token)
    with pytest.raises(RevokedTokenError):
        await redis_manager.verify(pair.access_token)
