"""covet routes --sync-db: the compiled route table written to a database table (SQLite,
PostgreSQL, MariaDB), replaced whole on every sync; the router never reads it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from covet.cli import main
from covet.route_catalog import catalog_table
from tests.schema.databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = str(ROOT / "specs" / "covet.yaml")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = asyncio.run(create_database(request.param, tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COVET_JWT_SECRET", "test-only-jwt-secret-of-the-route-catalog-0123456789")
    yield url
    asyncio.run(drop_database(url))


def rows(url: str, table: str = "covet_routes") -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(select(catalog_table(table)))
                return [dict(row._mapping) for row in result]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_the_route_table_is_written_and_replaced_whole(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["routes", "-c", REFERENCE, "--sync-db"]) == 0
    out = capsys.readouterr().out.strip()
    written = rows(database_url)
    assert out == f"database 'default': {len(written)} routes written to covet_routes"
    by_operation = {row["operation_id"]: row for row in written if row["operation_id"]}
    me = by_operation["getMe"]
    assert (me["method"], me["path"], me["handler"]) == ("GET", "/v1/me", "handlers.blog:get_me")
    assert json.loads(me["security"]) == [[["bearerAuth", []]]]
    assert me["spec_file"].endswith("specs/openapi.yaml") and me["pointer"] == "/paths/~1me/get"
    assert json.loads(by_operation["login"]["security"]) == []
    assert any(row["path"] == "/health" and row["operation_id"] is None for row in written)
    assert main(["routes", "-c", REFERENCE, "--sync-db"]) == 0  # a second sync: same rows
    again = rows(database_url)
    assert len(again) == len(written)
    assert len({r["synced_at"] for r in again}) == 1  # one sync wrote every row
    assert {r["synced_at"] for r in again} != {r["synced_at"] for r in written}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_table_and_database_can_be_named(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["routes", "-c", REFERENCE, "--sync-db", "--table", "api_inventory"]) == 0
    assert rows(database_url, "api_inventory")
    assert main(["routes", "-c", REFERENCE, "--sync-db", "--database", "nope"]) == 1
    assert "no database 'nope'" in capsys.readouterr().err
