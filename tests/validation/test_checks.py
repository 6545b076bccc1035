"""Which parameters skip the schema check: only those coercion already guarantees."""

from __future__ import annotations

from typing import Any

import pytest

from covet.validation._checks import guaranteed
from covet.validation._coerce import SchemaReader

from .fakespec import ROOT, spec_with

DRAFT = {"$schema": "https://json-schema.org/draft/2020-12/schema"}


def coercer_for(schema: Any) -> Any:
    return SchemaReader(spec_with()).coercer(schema, ROOT)


@pytest.mark.parametrize("schema", [
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "string"},
    {"type": ["integer", "null"]},
    {"type": "array", "items": {"type": "integer"}},
    {},
])
def test_a_schema_that_only_restates_the_type_is_guaranteed(schema: dict[str, Any]) -> None:
    assert guaranteed({**DRAFT, **schema}, coercer_for(schema))


@pytest.mark.parametrize("schema", [
    {"type": "integer", "minimum": 1},
    {"type": "string", "format": "uuid"},
    {"type": "string", "enum": ["a"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1},
    {"type": "array", "items": {"type": "string", "maxLength": 2}},
    {"type": "object", "properties": {"a": {"type": "integer"}}},
    {"$ref": "#/$defs/X"},
])
def test_any_other_keyword_keeps_the_check(schema: dict[str, Any]) -> None:
    assert not guaranteed({**DRAFT, **schema}, coercer_for({"type": schema.get("type", "string")}))


def test_a_caster_wider_than_the_compiled_type_keeps_the_check() -> None:
    assert not guaranteed({**DRAFT, "type": "integer"}, coercer_for({"type": "number"}))
