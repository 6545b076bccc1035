"""Database work that must finish even after its caller stopped waiting.

Two needs, one owner (the :class:`DatabaseManager`, which waits for these tasks at close):

- returning a connection to the pool must survive the request being cancelled (a client that
  went away), so it runs in a task of its own that the caller merely awaits (:meth:`shielded`);
- a deadline must be hard: a driver cancelled mid-handshake or mid-ping can take seconds more
  to unwind (asyncpg sends a cancel request over a new connection), so :meth:`within` stops
  waiting at the deadline and lets the work unwind, then clean up, in the background.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Background", "DeadlineExceeded"]

logger = logging.getLogger("covet.providers.database")

T = TypeVar("T")
Cleanup = Callable[[], Coroutine[Any, Any, None]]


class DeadlineExceeded(TimeoutError):
    """:meth:`Background.within` stopped waiting (the work itself may raise TimeoutError too)."""


class Background:
    """A set of tasks kept alive until done; :meth:`drain` waits for them."""

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # the loop holds tasks weakly: this keeps them alive
        task.add_done_callback(self._tasks.discard)
        return task

    async def shielded(self, work: Coroutine[Any, Any, None]) -> None:
        """Await ``work``; if the caller is cancelled, ``work`` still runs to its end."""
        task = self.spawn(work)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(_log_orphan_failure)
            raise

    async def within(
        self, seconds: float, work: Coroutine[Any, Any, T], cleanup: Cleanup
    ) -> T:
        """``work``'s result, or :class:`DeadlineExceeded` after ``seconds`` (sharp).

        When the deadline passes or the caller is cancelled, ``work`` is cancelled and left to
        unwind in the background, after which ``cleanup()`` runs.
        """
        task = self.spawn(work)
        # PERF: asyncio.wait((task,), timeout=...) by hand: one future, one timer, no sets.
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        wake = functools.partial(_wake, waiter)
        task.add_done_callback(wake)
        timer = loop.call_later(seconds, _wake, waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            self._abandon(task, cleanup)
            raise
        finally:
            timer.cancel()
            task.remove_done_callback(wake)
        if not task.done():
            self._abandon(task, cleanup)
            raise DeadlineExceeded(f"no result within {seconds:g} s")
        return task.result()

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the tasks still running (at shutdown)."""
        if self._tasks:
            await asyncio.wait(tuple(self._tasks), timeout=seconds)

    def _abandon(self, task: asyncio.Task[Any], cleanup: Cleanup) -> None:
        task.cancel()
        self.spawn(_clean_after(task, cleanup))


async def _clean_after(task: asyncio.Task[Any], cleanup: Cleanup) -> None:
    await asyncio.wait((task,))
    if not task.cancelled() and task.exception() is not None:
        logger.debug("abandoned database work failed: %r", task.exception())
    await cleanup()


def _wake(waiter: asyncio.Future[None], *_: object) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _log_orphan_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning(
            "finishing database work after the request was cancelled failed: %r",
            task.exception(),
        )
