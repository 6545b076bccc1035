"""Background: work that outlives its caller, and deadlines that do not wait for unwinding."""

from __future__ import annotations

import asyncio
import time

import pytest

from covet.providers.database._background import Background, DeadlineExceeded


async def test_within_returns_the_result_in_time() -> None:
    async def work() -> int:
        return 7

    async def cleanup() -> None:
        raise AssertionError("no cleanup when the work finished")

    assert await Background().within(1, work(), cleanup) == 7


async def test_within_stops_waiting_at_the_deadline_even_if_unwinding_is_slow() -> None:
    background = Background()
    cleaned = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.shield(asyncio.sleep(0.5))  # a driver's slow cancellation

    async def cleanup() -> None:
        cleaned.set()

    start = time.perf_counter()
    with pytest.raises(DeadlineExceeded):
        await background.within(0.1, stubborn(), cleanup)
    assert time.perf_counter() - start < 0.3
    assert not cleaned.is_set()
    await background.drain(2)
    assert cleaned.is_set()
    assert len(background) == 0


async def test_within_passes_the_works_own_error_through() -> None:
    async def work() -> None:
        raise TimeoutError("the driver's own timeout")

    async def cleanup() -> None:
        return None

    with pytest.raises(TimeoutError) as caught:
        await Background().within(1, work(), cleanup)
    assert not isinstance(caught.value, DeadlineExceeded)


async def test_shielded_work_finishes_after_the_caller_is_cancelled() -> None:
    background = Background()
    finished = asyncio.Event()

    async def release() -> None:
        await asyncio.sleep(0.05)
        finished.set()

    caller = asyncio.create_task(background.shielded(release()))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await background.drain(1)
    assert finished.is_set()
