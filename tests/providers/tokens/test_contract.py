"""The token-store contract, the same on memory, Redis, SQLite and PostgreSQL.

Every entry lives exactly as long as the token it is about; ``mark_used`` has one winner.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from covet.providers import HealthReport
from covet.providers.tokens import TokenStore


def new_id() -> str:
    return uuid.uuid4().hex


def in_(seconds: float) -> float:
    return time.time() + seconds


async def test_store_satisfies_the_protocol(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


async def test_a_revoked_jti_is_contained(store: TokenStore) -> None:
    jti, other = new_id(), new_id()
    await store.add(jti, in_(60))
    assert await store.contains(jti)
    assert not await store.contains(other)


async def test_revoking_twice_is_harmless(store: TokenStore) -> None:
    jti = new_id()
    await store.add(jti, in_(60))
    await store.add(jti, in_(120))
    assert await store.contains(jti)


async def test_a_revocation_ends_with_its_token(store: TokenStore) -> None:
    jti = new_id()
    await store.add(jti, in_(1.0))
    assert await store.contains(jti)
    await asyncio.sleep(1.3)
    assert not await store.contains(jti)


async def test_an_already_expired_token_is_not_remembered(store: TokenStore) -> None:
    jti = new_id()
    await store.add(jti, in_(-5))
    assert not await store.contains(jti)


async def test_mark_used_is_true_once_then_false(store: TokenStore) -> None:
    jti, family = new_id(), new_id()
    assert await store.mark_used(jti, family, in_(60)) is True
    assert await store.mark_used(jti, family, in_(60)) is False
    assert await store.mark_used(new_id(), family, in_(60)) is True


async def test_concurrent_mark_used_has_exactly_one_winner(store: TokenStore) -> None:
    jti, family = new_id(), new_id()
    results = await asyncio.gather(
        store.mark_used(jti, family, in_(60)), store.mark_used(jti, family, in_(60))
    )
    assert sorted(results) == [False, True]


async def test_a_used_mark_ends_with_its_token(store: TokenStore) -> None:
    jti, family = new_id(), new_id()
    assert await store.mark_used(jti, family, in_(1.0))
    await asyncio.sleep(1.3)
    assert await store.mark_used(jti, family, in_(60))


async def test_spent_and_revoked_are_separate(store: TokenStore) -> None:
    jti = new_id()
    assert await store.mark_used(jti, new_id(), in_(60))
    assert not await store.contains(jti)
    await store.add(jti, in_(60))
    assert await store.contains(jti)


async def test_family_revocation(store: TokenStore) -> None:
    family, other = new_id(), new_id()
    assert not await store.family_revoked(family)
    await store.revoke_family(family, in_(60))
    assert await store.family_revoked(family)
    assert not await store.family_revoked(other)
    assert not await store.contains(family)  # a family id is not a revoked jti


async def test_a_family_revocation_ends_too(store: TokenStore) -> None:
    family = new_id()
    await store.revoke_family(family, in_(1.0))
    await asyncio.sleep(1.3)
    assert not await store.family_revoked(family)


async def test_health_reports_ok(store: TokenStore) -> None:
    report = await store.health()
    assert isinstance(report, HealthReport)
    assert report.ok and report.kind == "token store" and report.error is None
