"""The jsonschema-rs meta-check fast path never accepts what the library's Python check rejects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import (
    OAS31_BASE_DIALECT_ID,
    OAS32_BASE_DIALECT_ID,
    oas31_format_checker,
    oas32_format_checker,
)
from openapi_schema_validator.validators import OAS31Validator, OAS32Validator

from covet.spec import load_spec
from covet.spec._metacheck import rust_accepts

from .corpus import manifest_documents, require_corpus

PYTHON_CHECKS = {
    OAS31_BASE_DIALECT_ID: (OAS31Validator, oas31_format_checker),
    OAS32_BASE_DIALECT_ID: (OAS32Validator, oas32_format_checker),
}


def python_accepts(dialect: str, schema: Any) -> bool:
    validator, formats = PYTHON_CHECKS[dialect]
    try:
        validator.check_schema(schema, format_checker=formats)
    except Exception:  # noqa: BLE001 - SchemaError, or anything the Python check raises
        return False
    return True


SAMPLES: list[Any] = [
    {"type": "string"},
    {"type": ["string", "null"], "pattern": "^[A-Z]+$"},
    {"type": "string", "pattern": "(unclosed"},
    {"type": "string", "pattern": r"\p{L}+"},
    {"type": 5},
    {"type": "strin"},
    {"required": "name"},
    {"properties": {"a": "not a schema"}},
    {"properties": {"a": {"$ref": "#/components/schemas/A"}}},
    {"$ref": "paths/orders_{orderId}.yaml"},
    {"enum": ["a", "a"]},
    {"minimum": "1"},
    {"discriminator": {"propertyName": "kind"}, "oneOf": [{"type": "object"}]},
    {"discriminator": 5},
    {"xml": {"name": "x"}, "externalDocs": {"url": "https://example.com"}},
    {"example": float("inf")},
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "integer"},
    {"nullable": True, "type": "string"},
    {"patternProperties": {"(": {}}},
    True,
    False,
    None,
    0,
    [],
]


@pytest.mark.parametrize("dialect", sorted(PYTHON_CHECKS))
@pytest.mark.parametrize("schema", SAMPLES, ids=repr)
def test_fast_check_agrees_on_samples(dialect: str, schema: Any) -> None:
    if rust_accepts(dialect, schema):
        assert python_accepts(dialect, schema)


def test_unknown_dialect_is_left_to_the_python_check() -> None:
    assert rust_accepts("https://example.com/my-dialect", {"type": "string"}) is False


def schemas_in(node: Any, inside_schemas: bool = False) -> Iterator[Any]:
    """Every value under a ``schema`` key and every entry of a ``schemas`` map."""
    if isinstance(node, dict):
        for key, value in node.items():
            if inside_schemas or key == "schema":
                yield value
            yield from schemas_in(value, key == "schemas")
    elif isinstance(node, list):
        for item in node:
            yield from schemas_in(item)


def corpus_31_roots() -> list[str]:
    return [
        doc["root"]
        for doc in manifest_documents()
        if doc["openapi_version"].startswith(("3.1", "3.2"))
    ]


@pytest.mark.parametrize("root", corpus_31_roots())
def test_fast_check_agrees_on_every_corpus_schema(root: str) -> None:
    doc = load_spec(require_corpus() / root, validate=False)
    dialect = OAS32_BASE_DIALECT_ID if doc.version.startswith("3.2") else OAS31_BASE_DIALECT_ID
    for tree in doc.files.values():
        for schema in schemas_in(tree):
            assert rust_accepts(dialect, schema) == python_accepts(dialect, schema), schema


def test_corpus_comparison_sees_the_schemas() -> None:
    doc = load_spec(
        require_corpus() / "adyen-openapi/yaml/CheckoutService-v71.yaml", validate=False
    )
    assert len(list(schemas_in(doc.root))) > 300
