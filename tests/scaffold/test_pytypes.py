"""Schema -> Python annotation, the typing rules of generated handler stubs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from covet.scaffold.pytypes import ANY, NONE, STR, PyType, SchemaTyper, union
from covet.spec import load_spec

COMPONENTS = {
    "Role": {"type": "string", "enum": ["reader", "admin"]},
    "Pet": {"type": "object", "properties": {"id": {"type": "integer"}}},
    "Alias": {"$ref": "#/components/schemas/Pet"},
    "Tree": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
}


def typer_for(tmp_path: Path, version: str = "3.1.0") -> SchemaTyper:
    document = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": COMPONENTS},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document))
    return SchemaTyper(load_spec(path))


@pytest.mark.parametrize(
    ("schema", "annotation"),
    [
        ({"type": "integer"}, "int"),
        ({"type": "number"}, "float"),
        ({"type": "boolean"}, "bool"),
        ({"type": "string"}, "str"),
        ({"type": "string", "format": "uuid"}, "uuid.UUID"),
        ({"type": "string", "format": "date"}, "datetime.date"),
        ({"type": "string", "format": "date-time"}, "datetime.datetime"),
        ({"type": "string", "format": "email"}, "str"),
        ({"type": "array", "items": {"type": "integer"}}, "list[int]"),
        ({"type": "array"}, "list[Any]"),
        ({"type": "array", "items": {"type": ["integer", "null"]}}, "list[int | None]"),
        ({"type": "object"}, "dict[str, Any]"),
        ({"properties": {"a": {}}}, "dict[str, Any]"),
        ({"type": ["string", "null"]}, "str | None"),
        ({"type": ["null", "integer", "string"]}, "int | str | None"),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "int | str"),
        ({"anyOf": [{"type": "integer"}, {}]}, "Any"),
        ({"allOf": [{"$ref": "#/components/schemas/Role"}], "default": "reader"}, "str"),
        ({"enum": [1, 2]}, "int"),
        ({"const": True}, "bool"),
        ({"$ref": "#/components/schemas/Alias"}, "dict[str, Any]"),
        ({"$ref": "#/components/schemas/Tree"}, "list[Any]"),
        ({"$ref": "#/components/schemas/Missing"}, "Any"),
        ({}, "Any"),
    ],
)
def test_schema_types_follow_the_documented_rules(tmp_path: Path, schema: dict[str, Any], annotation: str) -> None:
    assert typer_for(tmp_path).of(schema, str(tmp_path / "spec.yaml")).render({}) == annotation


def test_openapi_30_nullable_adds_none(tmp_path: Path) -> None:
    typer = typer_for(tmp_path, "3.0.3")
    assert typer.of({"type": "integer", "nullable": True}, str(tmp_path / "spec.yaml")).render({}) == "int | None"


def test_nullable_means_nothing_in_31(tmp_path: Path) -> None:
    typer = typer_for(tmp_path)
    assert typer.of({"type": "integer", "nullable": True}, str(tmp_path / "spec.yaml")).render({}) == "int"


def test_annotations_use_the_names_the_module_binds() -> None:
    item = PyType("{datetime}.date", frozenset({"datetime"}))
    listed = PyType(f"list[{item.template}]", item.needs).or_none()
    assert listed.render({"datetime": "dt"}) == "list[dt.date] | None"
    assert listed.needs == frozenset({"datetime"})


def test_union_drops_duplicates_puts_none_last_and_absorbs_into_any() -> None:
    assert union([NONE, STR, STR]).template == "str | None"
    assert union([STR, ANY]) is ANY
    assert union([]) is ANY
    assert union([STR.or_none(), STR]).template == "str | None"
