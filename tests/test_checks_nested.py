"""Body checks on fields inside an envelope (``{"user": {"email": ...}}``), over the ASGI test
client, against real SQLite and PostgreSQL: paths, the nested error detail, startup errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from covet.app import CovetApp
from covet.errors import SpecError
from covet.testing import AsyncTestClient, TestClient
from tests.fixtures.checks import envelope
from tests.providers.backends import backend

SPEC = """openapi: 3.1.0
info: {title: envelope, version: '1'}
paths:
  /users:
    post:
      operationId: createUser
      x-covet-handler: 'tests.fixtures.checks.envelope:create_user'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [user]
              properties:
                user: {$ref: '#/components/schemas/NewUser'}
      responses: {'201': {description: created}}
components:
  schemas:
    NewUser:
      type: object
      required: [email, username]
      x-covet-validators: [user_complete]
      properties:
        email: {type: string, format: email, x-covet-unique: {table: TABLE, column: email}}
        username: {type: string, maxLength: 20}
        tags: {type: array, items: {type: string}}
        password: {type: string, writeOnly: true}
"""

VALIDATORS = {
    "no_admin_tag": "tests.fixtures.checks.envelope:no_admin_tag",
    "user_complete": "tests.fixtures.checks.envelope:user_complete",
}


async def _execute(url: str, statement: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A real database with a fresh table (its name in ``envelope.TABLE``), dropped afterwards."""
    url = backend(request.param, tmp_path).url
    table = f"covet_envelope_{uuid.uuid4().hex[:10]}"
    asyncio.run(_execute(url, f"CREATE TABLE {table} (email VARCHAR(200) UNIQUE, username VARCHAR(20))"))
    envelope.TABLE = table
    try:
        yield url
    finally:
        asyncio.run(_execute(url, f"DROP TABLE {table}"))


def client(tmp_path: Path, url: str, spec: str = SPEC, **settings: Any) -> TestClient:
    (tmp_path / "api.yaml").write_text(spec.replace("TABLE", envelope.TABLE))
    settings.setdefault("validators", VALIDATORS)
    app = CovetApp.from_spec(
        tmp_path / "api.yaml", providers={"database": {"url": url}}, server={"access_log": False},
        **settings,
    )
    return TestClient(app)


def test_a_duplicate_email_in_the_envelope_is_a_unique_error_on_the_nested_field(
    tmp_path: Path, database_url: str
) -> None:
    user = {"email": "ada@example.com", "username": "ada"}
    with client(tmp_path, database_url) as http:
        assert http.post("/users", json={"user": user}).status_code == 201
        again = http.post("/users", json={"user": {**user, "username": "x" * 30}})
    assert again.status_code == 422
    assert again.headers["content-type"] == "application/problem+json"
    details = {d["code"]: d for d in again.json()["details"]}
    assert set(details) == {"unique", "maxLength"}
    assert details["unique"] == {
        "field": "user.email", "location": "body", "pointer": "/user/email", "code": "unique",
        "message": f"Already exists: another {envelope.TABLE} row has this email",
        "value": "ada@example.com",
    }
    assert details["maxLength"]["pointer"] == "/user/username"


async def test_concurrent_duplicates_in_envelopes_end_in_one_201_and_conflicts(
    tmp_path: Path, database_url: str
) -> None:
    """Past the check, the unique index decides: the losers get 409 (or 422 from the check)."""
    spec = SPEC.replace("envelope:create_user", "envelope:create_user_slowly")
    (tmp_path / "api.yaml").write_text(spec.replace("TABLE", envelope.TABLE))
    app = CovetApp.from_spec(
        tmp_path / "api.yaml", providers={"database": {"url": database_url, "pool_size": 10}},
        server={"access_log": False}, validators=VALIDATORS, compile_now=False,
    )
    body = {"user": {"email": "same@example.com", "username": "same"}}
    async with AsyncTestClient(app) as http:
        responses = await asyncio.gather(*(http.post("/users", json=body) for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) - {201} <= {409, 422}, statuses
    assert 409 in statuses, "the race was not exercised: every loser was caught by the check"
    for response in responses:
        if response.status_code != 201:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["details"][0]["code"] == "unique"
        if response.status_code == 422:
            (detail,) = response.json()["details"]
            assert (detail["pointer"], detail["value"]) == ("/user/email", "same@example.com")


def test_covet_yaml_rules_take_pointers_and_dotted_paths_with_indexes(
    tmp_path: Path, database_url: str
) -> None:
    spec = SPEC.replace(", x-covet-unique: {table: TABLE, column: email}", "")
    operations = {"createUser": {
        "unique": [{"field": "/user/username", "table": envelope.TABLE, "column": "username"}],
        "validators": {"user.tags.0": ["no_admin_tag"]},
    }}
    with client(tmp_path, database_url, spec, operations=operations) as http:
        first = http.post("/users", json={"user": {"email": "a@example.com", "username": "bo"}})
        taken = http.post("/users", json={"user": {"email": "b@example.com", "username": "bo",
                                                   "tags": ["admin", "x"]}})
        no_tags = http.post("/users", json={"user": {"email": "c@example.com", "username": "cy"}})
    assert first.status_code == 201 and no_tags.status_code == 201
    assert [(d["pointer"], d["code"], d["value"]) for d in taken.json()["details"]] == [
        ("/user/username", "unique", "bo"), ("/user/tags/0", "no_admin_tag", "admin"),
    ]


def test_a_secret_field_s_value_stays_out_of_its_check_error(tmp_path: Path, database_url: str) -> None:
    operations = {"createUser": {"validators": {"/user/password": ["no_admin_tag"]}}}
    user = {"email": "s@example.com", "username": "sam", "password": "admin"}
    with client(tmp_path, database_url, operations=operations) as http:
        response = http.post("/users", json={"user": user})
    (detail,) = response.json()["details"]
    assert detail["pointer"] == "/user/password" and "value" not in detail
    assert '"admin"' not in response.text


@pytest.mark.parametrize("field", ["no_such_field", "user.emial", "/user/email/domain", "user.tags.first"])
def test_a_rule_on_a_field_the_body_cannot_have_stops_the_app(tmp_path: Path, field: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    envelope.TABLE = "users"
    operations = {"createUser": {"unique": [{"field": field, "table": "users", "column": "email"}]}}
    with pytest.raises(SpecError) as info:
        client(tmp_path, url, operations=operations)
    assert info.value.pointer == "/operations/createUser/unique/0/field"
    message = info.value.message
    assert "createUser" in message and repr(field) in message and "fix the path" in message


def test_an_x_covet_rule_on_a_missing_field_stops_the_app_at_its_location(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    envelope.TABLE = "users"
    spec = SPEC.replace("      required: [user]\n",
                        "      required: [user]\n              x-covet-validators: {/user/nmae: [no_admin_tag]}\n")
    with pytest.raises(SpecError) as info:
        client(tmp_path, url, spec)
    assert info.value.pointer == (
        "/paths/~1users/post/requestBody/content/application~1json/schema/x-covet-validators/~1user~1nmae"
    )
    assert "'user' has no member 'nmae' (its properties: email, password, tags, username)" in (
        info.value.message
    )
