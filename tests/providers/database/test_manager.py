"""DatabaseManager: engines made at open, disposed at close; a database down never stops startup."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from covet.config import DatabaseConfig
from covet.errors import ConfigError, UsageError
from covet.providers.database import DatabaseManager
from tests.providers.backends import Backend, silent_server


def sqlite(tmp_path: Path, name: str = "covet") -> DatabaseConfig:
    return DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / name}.db")


async def test_engines_exist_between_open_and_close(tmp_path: Path) -> None:
    manager = DatabaseManager({"default": sqlite(tmp_path)})
    with pytest.raises(UsageError, match="not open"):
        manager.engine("default")
    await manager.open()
    assert manager.is_open
    async with manager.sessionmaker("default")() as session:
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    await manager.close()
    assert not manager.is_open
    with pytest.raises(UsageError, match="not open"):
        manager.engine("default")
    await manager.close()  # twice is fine


async def test_open_twice_is_a_usage_error(tmp_path: Path) -> None:
    manager = DatabaseManager({"default": sqlite(tmp_path)})
    await manager.open()
    try:
        with pytest.raises(UsageError, match="already open"):
            await manager.open()
    finally:
        await manager.close()


async def test_unknown_database_is_a_usage_error_listing_the_configured_ones(
    tmp_path: Path,
) -> None:
    manager = DatabaseManager({"default": sqlite(tmp_path), "analytics": sqlite(tmp_path, "a")})
    with pytest.raises(UsageError, match="configured: default, analytics"):
        manager.engine("reports")


async def test_bad_url_fails_open_with_a_config_error(tmp_path: Path) -> None:
    manager = DatabaseManager(
        {"default": sqlite(tmp_path), "broken": DatabaseConfig(url="nonsense")}
    )
    with pytest.raises(ConfigError, match="broken"):
        await manager.open()
    assert not manager.is_open


async def test_database_down_at_startup_is_logged_and_startup_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    manager = DatabaseManager(
        {
            "default": DatabaseConfig(url=down, connect_timeout=1),
            "cache": DatabaseConfig(url=down, connect_timeout=1, required=False),
        }
    )
    with caplog.at_level(logging.INFO, logger="covet.providers.database"):
        await manager.open()
    await manager.close()
    levels = {r.getMessage().split(" is unavailable")[0]: r.levelno for r in caplog.records}
    assert levels == {"Database 'default'": logging.ERROR, "Database 'cache'": logging.WARNING}


async def test_health_reports_every_database_with_its_required_flag(
    any_backend: Backend, tmp_path: Path
) -> None:
    manager = DatabaseManager(
        {
            "default": any_backend.config(),
            "reports": any_backend.config(
                url=any_backend.unreachable_url(tmp_path), connect_timeout=1, required=False
            ),
        }
    )
    await manager.open()
    try:
        up, down = await manager.health()
    finally:
        await manager.close()
    assert (up.name, up.ok, up.required) == ("default", True, True)
    assert (down.name, down.ok, down.required) == ("reports", False, False)
    assert down.error is not None and down.error.startswith("Database 'reports' is unavailable")
    assert "s3cret" not in down.error


async def test_health_answers_within_the_connect_timeout_when_the_server_hangs() -> None:
    async with silent_server() as port:
        url = f"mysql+asyncmy://root@127.0.0.1:{port}/test"
        manager = DatabaseManager({"default": DatabaseConfig(url=url, connect_timeout=0.5)})
        await manager.open()
        try:
            (report,) = await manager.health()
        finally:
            await manager.close()
    assert not report.ok
    assert report.latency_ms < 1500
    assert report.error == "Database 'default' is unavailable: no answer within 0.5 s"
