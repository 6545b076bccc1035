"""The database backends every database test runs against: SQLite (a file in tmp_path), the real
PostgreSQL and the real MariaDB of this machine.

Server URLs come from ``COVET_TEST_POSTGRES_URL`` and ``COVET_TEST_MARIADB_URL``. A server that
does not answer skips its tests with the reason, or fails them when ``CI=true``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from covet.config import DatabaseConfig
from covet.providers.database import DatabaseProvider

ALL = ("sqlite", "postgresql", "mariadb")
SERVERS = ("postgresql", "mariadb")
_DEFAULT_URLS = {
    "postgresql": ("COVET_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
    "mariadb": ("COVET_TEST_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/test"),
}


@dataclass(frozen=True)
class Backend:
    """One database to test against."""

    name: str
    url: str
    pre_ping: bool = True
    """``pool_pre_ping`` of :meth:`config` unless given: on is the default, off the fast path."""

    def config(self, **settings: Any) -> DatabaseConfig:
        settings.setdefault("pool_pre_ping", self.pre_ping)
        return DatabaseConfig(url=settings.pop("url", self.url), **settings)

    @property
    def host_port(self) -> tuple[str, int]:
        url = make_url(self.url)
        return url.host or "127.0.0.1", int(url.port or (5432 if self.name == "postgresql" else 3306))

    def via(self, port: int) -> str:
        """This URL, pointed at ``127.0.0.1:port`` instead (a proxy or a closed port)."""
        return make_url(self.url).set(host="127.0.0.1", port=port).render_as_string(False)

    def unreachable_url(self, tmp_path: Path) -> str:
        """A URL of this kind that cannot connect: a closed port, or a file in no directory."""
        if self.name == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'covet.db'}"
        url = make_url(self.via(closed_port()))
        return url.set(password="s3cret-password").render_as_string(False)


def backend(name: str, tmp_path: Path, *, pre_ping: bool = True) -> Backend:
    """The backend called ``name``, its server checked (skip, or fail under CI)."""
    if name == "sqlite":
        return Backend(name, f"sqlite+aiosqlite:///{tmp_path / 'covet.db'}", pre_ping)
    variable, default = _DEFAULT_URLS[name]
    found = Backend(name, os.environ.get(variable) or default, pre_ping)
    host, port = found.host_port
    require_server(name, host, port, variable)
    return found


def require_server(name: str, host: str, port: int, variable: str) -> None:
    """Skip when nothing listens at ``host:port``; under ``CI=true`` fail instead."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        reason = f"{name} is not reachable at {host}:{port} ({exc}); set {variable}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def redis_url() -> str:
    """The test Redis (``COVET_TEST_REDIS_URL``), checked as :func:`require_server` does."""
    url = os.environ.get("COVET_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    require_server("redis", parts.hostname or "127.0.0.1", parts.port or 6379, "COVET_TEST_REDIS_URL")
    return url


def memcached_url() -> str:
    """The test Memcached (``COVET_TEST_MEMCACHED_URL``; .ci/run installs and starts one)."""
    url = os.environ.get("COVET_TEST_MEMCACHED_URL") or "memcached://127.0.0.1:11211"
    parts = urlsplit(url)
    require_server(
        "memcached", parts.hostname or "127.0.0.1", parts.port or 11211, "COVET_TEST_MEMCACHED_URL"
    )
    return url


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never says a word (a hung server)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        for writer in held:
            writer.transport.abort()
        await server.wait_closed()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def models() -> tuple[type[DeclarativeBase], type[Any], type[Any]]:
    """A fresh ``(Base, Author, Item)`` on tables with unique names, so runs never collide."""
    suffix = uuid.uuid4().hex[:10]

    class Base(DeclarativeBase):
        metadata = MetaData()

    class Author(Base):
        __tablename__ = f"covet_author_{suffix}"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))

    class Item(Base):
        __tablename__ = f"covet_item_{suffix}"
        id: Mapped[int] = mapped_column(primary_key=True)
        slug: Mapped[str] = mapped_column(String(100), unique=True)
        name: Mapped[str] = mapped_column(String(100))
        score: Mapped[int | None] = mapped_column(default=None)
        author_id: Mapped[int | None] = mapped_column(ForeignKey(Author.id), default=None)

    return Base, Author, Item


@asynccontextmanager
async def opened(
    config: DatabaseConfig, base: type[DeclarativeBase] | None = None
) -> AsyncIterator[DatabaseProvider]:
    """An open provider for ``{"default": config}``; ``base``'s tables exist while inside."""
    provider = DatabaseProvider({"default": config})
    await provider.open()
    try:
        if base is not None:
            async with provider.manager.engine("default").begin() as connection:
                await connection.run_sync(base.metadata.create_all)
        yield provider
    finally:
        try:
            if base is not None:
                async with provider.manager.engine("default").begin() as connection:
                    await connection.run_sync(base.metadata.drop_all)
        finally:
            await provider.close()


def pool_of(provider: DatabaseProvider, database: str = "default") -> Any:
    """The engine's queue pool (``checkedin()``, ``checkedout()``, ``size()``)."""
    return provider.manager.engine(database).sync_engine.pool
