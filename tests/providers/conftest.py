"""``backend``: each database test runs once per backend (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

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
