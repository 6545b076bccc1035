"""Password hashing: bcrypt over an HMAC-SHA256 pre-hash, off the loop, no enumeration by timing.

bcrypt at the minimum 12 rounds costs ~0.25 s per hash here, so these tests hash sparingly; a
stored hash of a lower cost (an older config's) is forged with bcrypt directly at cost 4.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import bcrypt
import pytest
from pydantic import ValidationError

from covet.config import config_from_mapping
from covet.errors import ConfigError
from covet.security.passwords import MIN_ROUNDS, PasswordHasher, PasswordSettings, _prehash


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(PasswordSettings())


@pytest.fixture(scope="module")
def stored() -> str:
    """One hash of "correct horse battery staple" at the default cost, shared by the tests."""
    return asyncio.run(PasswordHasher().hash("correct horse battery staple"))


def low_cost_hash(password: str, rounds: int = 4) -> str:
    """A hash in CovetPy's format as a config with fewer rounds would have written it."""
    return "bcrypt_sha256$" + bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode()


def test_default_rounds_are_twelve() -> None:
    assert PasswordSettings().rounds == MIN_ROUNDS == 12


def test_rounds_below_twelve_are_refused_with_the_fix() -> None:
    with pytest.raises(ValidationError, match="at least 12 rounds"):
        PasswordSettings(rounds=10)


def test_rounds_below_twelve_in_covet_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rounds"):
        config_from_mapping({"apis": [], "passwords": {"rounds": 4}}, base_dir=Path("."))


def test_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        PasswordSettings(cost=12)  # type: ignore[call-arg]


async def test_hash_then_verify(hasher: PasswordHasher, stored: str) -> None:
    assert stored.startswith("bcrypt_sha256$$2b$12$")
    assert await hasher.verify("correct horse battery staple", stored)


async def test_wrong_password_does_not_verify(hasher: PasswordHasher, stored: str) -> None:
    assert not await hasher.verify("Correct horse battery staple", stored)


async def test_each_hash_has_its_own_salt() -> None:
    hasher = PasswordHasher()
    first, second = await asyncio.gather(hasher.hash("same"), hasher.hash("same"))
    assert first != second


async def test_passwords_sharing_their_first_72_bytes_are_different_passwords() -> None:
    hasher = PasswordHasher()
    common = "x" * 72
    stored = low_cost_hash(common + "tail-one")
    assert await hasher.verify(common + "tail-one", stored)
    assert not await hasher.verify(common + "tail-two", stored)
    assert not await hasher.verify(common, stored)


async def test_long_and_non_ascii_passwords_hash(hasher: PasswordHasher) -> None:
    password = "pässwörd-🔑-" * 40  # far past 72 bytes
    stored = low_cost_hash(password)
    assert await hasher.verify(password, stored)
    assert not await hasher.verify(password[:-1], stored)


async def test_unknown_user_is_false(hasher: PasswordHasher) -> None:
    assert await hasher.verify("anything", None) is False


async def test_unreadable_stored_value_is_false_not_an_error(hasher: PasswordHasher) -> None:
    assert await hasher.verify("anything", "not-a-hash") is False
    assert await hasher.verify("anything", "bcrypt_sha256$garbage") is False


async def test_unknown_user_costs_the_same_bcrypt_work_as_a_wrong_password(
    hasher: PasswordHasher, stored: str
) -> None:
    await hasher.verify("warm-up", None)  # the dummy hash is made once, on first use

    async def timed(hashed: str | None) -> float:
        start = time.perf_counter()
        assert not await hasher.verify("wrong password", hashed)
        return time.perf_counter() - start

    unknown = min([await timed(None), await timed(None)])
    wrong = min([await timed(stored), await timed(stored)])
    assert wrong / 3 < unknown < wrong * 3
    assert unknown > 0.05  # real bcrypt work at cost 12, not a shortcut


async def test_hashing_runs_off_the_event_loop(hasher: PasswordHasher) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await hasher.hash("while the loop keeps serving")
    finally:
        ticker.cancel()
    assert ticks >= 5  # a 0.25 s hash on the loop would have let none through


async def test_lower_cost_needs_rehash_and_is_upgraded_on_login(hasher: PasswordHasher) -> None:
    old = low_cost_hash("s3cret")
    assert hasher.needs_rehash(old)
    ok, new_hash = await hasher.verify_and_update("s3cret", old)
    assert ok
    assert new_hash is not None and new_hash.startswith("bcrypt_sha256$$2b$12$")
    assert not hasher.needs_rehash(new_hash)
    assert await hasher.verify("s3cret", new_hash)


async def test_current_hash_is_not_rehashed(hasher: PasswordHasher, stored: str) -> None:
    assert not hasher.needs_rehash(stored)
    assert await hasher.verify_and_update("correct horse battery staple", stored) == (True, None)


async def test_failed_login_never_returns_a_new_hash(hasher: PasswordHasher) -> None:
    assert await hasher.verify_and_update("wrong", low_cost_hash("s3cret")) == (False, None)
    assert await hasher.verify_and_update("wrong", None) == (False, None)


async def test_plain_bcrypt_from_another_system_verifies_and_is_replaced(
    hasher: PasswordHasher,
) -> None:
    legacy = bcrypt.hashpw(b"imported", bcrypt.gensalt(4)).decode()
    assert hasher.needs_rehash(legacy)
    ok, new_hash = await hasher.verify_and_update("imported", legacy)
    assert ok and new_hash is not None and new_hash.startswith("bcrypt_sha256$")
    assert not await hasher.verify("imported!", legacy)


async def test_bcrypt_runs_in_its_own_lowest_priority_threads_not_on_the_loop() -> None:
    import os
    import threading

    from covet.security import passwords

    def where() -> tuple[str, int]:
        return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    name, niceness = await passwords._in_pool(where)
    assert name.startswith("covet-bcrypt")
    assert niceness == 19  # the loop's thread is scheduled first under load (bench/SECURITY.md)
    assert threading.current_thread().name != name
