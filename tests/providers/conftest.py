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
