"""``backend``: each database test runs once per backend (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.providers.backends import ALL, SERVERS, Backend, backend


@pytest.fixture(params=ALL)
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return backend(request.param, tmp_path)


@pytest.fixture(params=SERVERS)
def server_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Only the backends behind a network connection (the ones that can be cut off)."""
    return backend(request.param, tmp_path)


def _each_ping(names: tuple[str, ...]) -> list[object]:
    return [
        pytest.param((name, ping), id=name if ping else f"{name}-no-pre-ping")
        for name in names
        for ping in (True, False)
    ]


@pytest.fixture(params=_each_ping(ALL))
def any_backend_each_ping(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each backend twice: ``pool_pre_ping`` on (the default) and off (no eager checkout)."""
    name, pre_ping = request.param
    return backend(name, tmp_path, pre_ping=pre_ping)


@pytest.fixture(params=_each_ping(SERVERS))
def server_backend_each_ping(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    name, pre_ping = request.param
    return backend(name, tmp_path, pre_ping=pre_ping)


@pytest.fixture(autouse=True)
async def _sqlite_workers_finish() -> AsyncIterator[None]:
    """Let the aiosqlite worker threads a test started end while its event loop is open.

    NOTE: when a connect fails, aiosqlite queues its worker's stop without awaiting it; a worker
    that gets to it after the test's loop closed raises in its thread, and pytest then blames
    whichever test runs next. Engines are disposed by then, so the wait is short.
    """
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(
        "_connection_worker_thread" in thread.name and thread.is_alive()
        for thread in set(threading.enumerate()) - before
    ):
        await asyncio.sleep(0.005)
