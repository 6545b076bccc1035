"""Two inserts racing past x-covet-unique: the database's unique index decides, and the loser
gets a 409 with the standard body, never a 500 (real PostgreSQL and MariaDB)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from covet.app import CovetApp
from covet.testing import AsyncTestClient
from tests.fixtures.checks import race
from tests.providers.backends import SERVERS, backend

SPEC = """openapi: 3.1.0
info: {title: race, version: '1'}
paths:
  /register:
    post:
      operationId: register
      x-covet-handler: 'tests.fixtures.checks.race:register'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: {type: string, x-covet-unique: {table: TABLE, column: email}}
      responses: {'201': {description: created}}
"""


@pytest.mark.parametrize("server", SERVERS)
async def test_concurrent_duplicates_end_in_one_201_and_conflicts(tmp_path: Path, server: str) -> None:
    database = backend(server, tmp_path)
    table = f"covet_race_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(database.url)
    async with engine.begin() as connection:
        await connection.execute(sa.text(f"CREATE TABLE {table} (email VARCHAR(200) UNIQUE)"))
    race.TABLE = table
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("TABLE", table))
    app = CovetApp.from_spec(
        spec, providers={"database": {"url": database.url, "pool_size": 10}},
        server={"access_log": False}, compile_now=False,
    )
    try:
        async with AsyncTestClient(app) as client:
            responses = await asyncio.gather(
                *(client.post("/register", json={"email": "same@example.com"}) for _ in range(8))
            )
    finally:
        async with engine.begin() as connection:
            rows = (await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar()
            await connection.execute(sa.text(f"DROP TABLE {table}"))
        await engine.dispose()
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) - {201} <= {409, 422}, statuses
    assert 409 in statuses, "the race was not exercised: every loser was caught by the check"
    for response in responses:
        if response.status_code != 201:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["details"][0]["code"] == "unique"
    assert rows == 1
