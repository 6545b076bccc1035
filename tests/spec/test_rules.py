"""x-covet-unique / x-covet-validators are read at any depth of a request body schema, or written
with a field path, and each rule knows its path and where it was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.errors import SpecError
from covet.spec import load_spec
from covet.spec.compiler import compile_operations
from covet.spec.rules import BodyRule

HEAD = """openapi: 3.1.0
info: {title: rules, version: '1'}
paths:
  /users:
    post:
      operationId: createUser
      requestBody:
        content:
          application/json:
            schema:
"""
TAIL = """      responses: {'201': {description: created}}
components:
  schemas:
    NewUser:
      type: object
      x-covet-validators: [complete]
      properties:
        email: {type: string, x-covet-unique: {table: users, column: email}}
        parent: {$ref: '#/components/schemas/NewUser'}
        tags: {type: array, items: {type: object, properties: {x: {x-covet-validators: [never]}}}}
"""


def rules(tmp_path: Path, schema: str) -> tuple[BodyRule, ...]:
    (tmp_path / "api.yaml").write_text(HEAD + schema + TAIL)
    (operation,) = compile_operations(load_spec(tmp_path / "api.yaml"), prefix="")
    assert operation.request_body is not None
    return operation.request_body.media[0].rules


def summary(found: tuple[BodyRule, ...]) -> set[tuple[str, str]]:
    return {(rule.field_pointer, rule.validator or rule.kind) for rule in found}


def test_rules_inside_an_envelope_get_the_nested_path(tmp_path: Path) -> None:
    found = rules(tmp_path, "              properties: {user: {$ref: '#/components/schemas/NewUser'}}\n")
    assert summary(found) == {("/user", "complete"), ("/user/email", "unique")}
    unique = next(rule for rule in found if rule.kind == "unique")
    assert unique.field == "user.email"
    assert unique.pointer == "/components/schemas/NewUser/properties/email/x-covet-unique"


def test_rules_in_oneof_branches_are_read_and_array_items_are_not(tmp_path: Path) -> None:
    found = rules(tmp_path, "              oneOf: [{$ref: '#/components/schemas/NewUser'}]\n")
    assert summary(found) == {("", "complete"), ("/email", "unique")}


def test_an_object_schema_names_its_fields_by_path(tmp_path: Path) -> None:
    found = rules(tmp_path, (
        "              properties: {user: {$ref: '#/components/schemas/NewUser'}}\n"
        "              x-covet-unique: [{field: /user/parent/email, table: users, column: email}]\n"
        "              x-covet-validators: {user.tags.0: [tag], '': [whole]}\n"
    ))
    assert summary(found) >= {("/user/parent/email", "unique"), ("/user/tags/0", "tag"), ("", "whole")}
    tag = next(rule for rule in found if rule.validator == "tag")
    assert tag.written == "user.tags.0"
    assert tag.pointer.endswith("/schema/x-covet-validators/user.tags.0")


@pytest.mark.parametrize(("extension", "message"), [
    ("x-covet-unique: {table: users, column: email}", "needs field"),
    ("x-covet-unique: [{field: 'user..email', table: users, column: email}]", "empty segment"),
    ("x-covet-validators: {user.email: name}", "list of validator names"),
])
def test_malformed_path_rules_are_located_spec_errors(tmp_path: Path, extension: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        rules(tmp_path, f"              type: object\n              {extension}\n")
    assert info.value.pointer is not None and "/schema/x-covet-" in info.value.pointer
