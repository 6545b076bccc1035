"""JWT verification: a token that verified is remembered until it expires, never past it.

Presented again, only its validity times are checked (not the signature and claims again);
a handler's changes to its claims never reach another request; the memory is bounded; a JWKS
refresh forgets every token (tests/security/test_identity_provider.py: a withdrawn key).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest

from covet.security import _jwt
from covet.security._jwt import JWTVerifier
from covet.security.principal import Rejected

SECRET = b"k" * 32


def verifier(**options: Any) -> JWTVerifier:
    return JWTVerifier(algorithms=["HS256"], secret=SECRET, audience="api", **options)


def token(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "ann", "aud": "api", "iat": now, "exp": now + 60, **claims}, SECRET,
                      algorithm="HS256")


async def test_a_remembered_token_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    check = verifier()
    presented = token()
    assert (await check.verify(presented))["sub"] == "ann"

    async def refuse(_token: str) -> dict[str, Any]:
        raise AssertionError("verified twice")

    monkeypatch.setattr(check, "_verify_token", refuse)
    assert (await check.verify(presented))["sub"] == "ann"


async def test_a_remembered_token_still_expires() -> None:
    check = verifier()
    presented = token(exp=time.time() + 1)
    await check.verify(presented)
    await asyncio.sleep(1.1)
    with pytest.raises(Rejected, match="expired"):
        await check.verify(presented)


async def test_leeway_counts_for_a_remembered_token_as_for_a_new_one() -> None:
    check = verifier(leeway=5)
    presented = token(exp=time.time() - 4)  # expired, within the leeway
    await check.verify(presented)
    assert (await check.verify(presented))["sub"] == "ann"


async def test_a_token_that_failed_is_not_remembered() -> None:
    check = verifier()
    later = token(nbf=int(time.time()) + 30)
    for _ in range(2):
        with pytest.raises(Rejected, match="not valid yet"):
            await check.verify(later)
    forged = token()[:-2] + "AA"
    for _ in range(2):
        with pytest.raises(Rejected, match="signature"):
            await check.verify(forged)


async def test_a_handler_changing_its_claims_changes_nobody_elses() -> None:
    check = verifier()
    presented = token(scope="read")
    first = await check.verify(presented)
    first["sub"] = "mallory"  # type: ignore[index]
    first["scope"] = "admin"  # type: ignore[index]
    again = await check.verify(presented)
    assert (again["sub"], again["scope"]) == ("ann", "read")


async def test_the_memory_is_bounded_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_jwt, "VERIFIED_MAX", 2)
    check = verifier()
    tokens = [token(jti=str(n)) for n in range(3)]
    for presented in tokens:
        await check.verify(presented)
    assert list(check._verified) == tokens[1:]
