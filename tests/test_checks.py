"""Body checks that need a backend: x-covet-unique and named validators, on a real SQLite DB."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.errors import BindingError, SpecError
from covet.testing import TestClient

SPEC = """openapi: 3.1.0
info: {title: accounts, version: '1'}
paths:
  /accounts:
    post:
      operationId: createAccount
      x-covet-handler: 'tests.fixtures.checks.accounts:create_account'
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Account'}
      responses: {'201': {description: created}}
components:
  schemas:
    Account:
      type: object
      required: [email, username]
      x-covet-validators: [passwords_match]
      properties:
        email:
          type: string
          format: email
          x-covet-unique: {table: accounts, column: email}
        username:
          type: string
          maxLength: 20
          x-covet-validators: [not_reserved]
        password: {type: string}
        password_again: {type: string}
"""

VALIDATORS = {
    "not_reserved": "tests.fixtures.checks.accounts:not_reserved",
    "passwords_match": "tests.fixtures.checks.accounts:passwords_match",
}


def database(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE accounts (email TEXT UNIQUE, username TEXT)")
        connection.execute("CREATE TABLE admins (name TEXT)")
        connection.execute("INSERT INTO admins VALUES ('ada')")
    return path


def client(tmp_path: Path, spec: str = SPEC, **settings: Any) -> TestClient:
    (tmp_path / "api.yaml").write_text(spec)
    settings.setdefault("validators", VALIDATORS)
    app = CovetApp.from_spec(
        tmp_path / "api.yaml",
        providers={"database": {"url": f"sqlite+aiosqlite:///{database(tmp_path)}"}},
        server={"access_log": False},
        **settings,
    )
    return TestClient(app)


def codes(response: Any) -> set[tuple[str, str]]:
    return {(d["field"], d["code"]) for d in response.json()["details"]}


def test_a_taken_value_is_a_unique_error_beside_the_schema_errors(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        assert http.post("/accounts", json={"email": "a@example.com", "username": "alice"}).status_code == 201
        again = http.post("/accounts", json={"email": "a@example.com", "username": "x" * 30})
    assert again.status_code == 422
    assert codes(again) == {("email", "unique"), ("username", "maxLength")}
    unique = next(d for d in again.json()["details"] if d["code"] == "unique")
    assert unique["pointer"] == "/email" and unique["value"] == "a@example.com"


def test_validators_get_the_value_and_injected_providers(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        reserved = http.post("/accounts", json={"email": "b@example.com", "username": "root"})
        admin = http.post("/accounts", json={"email": "c@example.com", "username": "ada"})
    assert codes(reserved) == {("username", "not_reserved")}
    assert reserved.json()["details"][0]["message"] == "'root' is reserved"
    assert admin.json()["details"][0]["message"] == "taken by an administrator"


def test_body_level_validator_runs_when_the_schema_passed(tmp_path: Path) -> None:
    body = {"email": "d@example.com", "username": "dora", "password": "a", "password_again": "b"}
    with client(tmp_path) as http:
        response = http.post("/accounts", json=body)
    assert codes(response) == {("password_again", "passwords_match")}


def test_a_field_that_failed_its_schema_is_not_checked_again(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        response = http.post("/accounts", json={"email": "not-an-email", "username": "root" * 6})
    assert codes(response) == {("email", "format"), ("username", "maxLength")}


def test_nothing_is_written_when_a_check_fails(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        http.post("/accounts", json={"email": "e@example.com", "username": "root"})
    rows = sqlite3.connect(tmp_path / "accounts.db").execute("SELECT count(*) FROM accounts").fetchone()
    assert rows == (0,)


def test_unique_rules_from_covet_yaml(tmp_path: Path) -> None:
    spec = SPEC.replace("          x-covet-unique: {table: accounts, column: email}\n", "")
    operations = {"createAccount": {"unique": [{"field": "username", "table": "accounts", "column": "username"}]}}
    with client(tmp_path, spec, operations=operations) as http:
        http.post("/accounts", json={"email": "f@example.com", "username": "fred"})
        response = http.post("/accounts", json={"email": "g@example.com", "username": "fred"})
    assert codes(response) == {("username", "unique")}


def test_unknown_validator_is_a_startup_error_naming_the_registered_ones(tmp_path: Path) -> None:
    with pytest.raises(BindingError, match="not_reserved.*not in covet.yaml 'validators' \\(passwords_match\\)"):
        client(tmp_path, validators={"passwords_match": VALIDATORS["passwords_match"]})


def test_unique_without_that_database_is_a_startup_error(tmp_path: Path) -> None:
    spec = SPEC.replace("{table: accounts, column: email}", "{table: accounts, column: email, database: analytics}")
    with pytest.raises(BindingError, match="analytics"):
        client(tmp_path, spec)


def test_non_identifier_table_is_refused_with_its_location(tmp_path: Path) -> None:
    spec = SPEC.replace("{table: accounts, column: email}", "{table: 'accounts; drop', column: email}")
    with pytest.raises(SpecError) as info:
        client(tmp_path, spec)
    assert info.value.pointer == "/components/schemas/Account/properties/email/x-covet-unique"
