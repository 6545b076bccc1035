"""A real server: ``covet run`` in a subprocess on a free port, for end-to-end tests.

The reference app runs on a database prepared the way `make run` prepares it (migrated to head,
then seeded): a fresh SQLite file per server, copied from one seeded once
per session, or a throwaway PostgreSQL or MariaDB database. Its tokens are signed with
:data:`TEST_JWT_SECRET` (every server started here gets it as ``COVET_JWT_SECRET``), so
:func:`bearer` can mint a seeded user's access token without a (rate-limited) login.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import pytest

from covet import migrations
from covet.config import load_config
from covet.security.tokens import TokenManager
from schema.seed import seed
from tests.schema.databases import MIGRATIONS, create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CONFIG = ROOT / "specs" / "covet.yaml"
TEST_JWT_SECRET = "test-only-jwt-secret-of-the-e2e-suite-0123456789abcdef"
"""A constant for tests only; `make run` makes a random one (.covet-jwt-secret)."""
TEST_ENV = {"COVET_JWT_SECRET": TEST_JWT_SECRET, "COVET_SIGNUP_RATE_LIMIT": "1000/minute"}
"""Signups are limited to 10 a minute per client by default; the suite signs up more from one
IP. Logins keep their 5 a minute (test_reference_auth.py hits it)."""


def bearer(user_id: int, *scopes: str) -> dict[str, str]:
    """The ``Authorization`` header of a fresh access token for seeded user ``user_id``, signed
    as the reference servers started here sign theirs (``admin`` scope: pass it for Ada, id 1)."""
    config = load_config(REFERENCE_CONFIG, environ=TEST_ENV)
    pair = TokenManager(config.tokens).issue(str(user_id), scopes=scopes)
    return {"Authorization": f"Bearer {pair.access_token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_server(
    config: Path, *extra: str, timeout: float = 20.0, health_path: str = "/health",
    env: Mapping[str, str] | None = None,
) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "covet.cli", "run", "-c", str(config), "--port", str(port), *extra]
    # NOTE: output goes to a file, not a pipe: an undrained pipe would block a chatty server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Server.stop()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **TEST_ENV, **(env or {})},
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            log.close()
            raise RuntimeError(f"server exited {process.returncode}: {output}")
        try:
            urllib.request.urlopen(f"{server.url}{health_path}", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("server did not start in time")


def prepare_database(database_url: str) -> None:
    """What `make run` does before serving (``covet db upgrade``, ``covet db seed``), in-process
    to keep the suite fast; tests/cli/test_db.py runs the commands themselves."""
    config = load_config(REFERENCE_CONFIG, environ={**TEST_ENV, "DATABASE_URL": database_url})

    async def prepare() -> None:
        async with migrations.open_engine(config) as engine:
            await migrations.upgrade(engine, MIGRATIONS)
            await migrations.seed(engine, seed)

    asyncio.run(prepare())


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file, copied by each server that wants the reference data."""
    database = tmp_path_factory.mktemp("seeded") / "covet.db"
    prepare_database(f"sqlite+aiosqlite:///{database}")
    return database


@pytest.fixture(scope="module")
def reference_sqlite(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL to this module's own copy of the seeded SQLite database."""
    database = tmp_path_factory.mktemp("reference") / "covet.db"
    shutil.copyfile(seeded_sqlite, database)
    return f"sqlite+aiosqlite:///{database}"


def _throwaway_reference(kind: str, factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL to a throwaway database of ``kind``, migrated and seeded; dropped afterwards."""
    url = asyncio.run(create_database(kind, factory.mktemp(kind)))
    try:
        prepare_database(url)
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(scope="module")
def reference_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _throwaway_reference("postgresql", tmp_path_factory)


@pytest.fixture(scope="module")
def reference_mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _throwaway_reference("mariadb", tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def reference_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The reference app on seeded data: every test using it runs on SQLite, PostgreSQL and
    MariaDB."""
    url: str = request.getfixturevalue(f"reference_{request.param}")
    server = start_server(REFERENCE_CONFIG, env={"DATABASE_URL": url})
    yield server
    server.stop()
