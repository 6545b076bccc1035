"""Which $ref keys are references: by context, never inside extensions or example data."""

from __future__ import annotations

from typing import Any

import pytest

from covet.spec._refs import CyclicDataError, iter_refs
from covet.spec._yaml import parse_yaml


def refs(tree: Any) -> list[tuple[str, str]]:
    return list(iter_refs(tree))


def test_reference_objects_are_found_with_their_pointer() -> None:
    tree = {"paths": {"/a": {"$ref": "a.yaml"}}, "components": {"schemas": {"A": {"$ref": "#/x"}}}}
    assert refs(tree) == [("a.yaml", "/paths/~1a"), ("#/x", "/components/schemas/A")]


@pytest.mark.parametrize(
    "tree",
    [
        {"x-codeSamples": [{"source": {"$ref": "a.cs"}}]},
        {"paths": {"x-internal": {"$ref": "a.yaml"}}},
        {"responses": {"x-note": {"$ref": "a.yaml"}}},
        {"schema": {"example": {"$ref": "a.yaml"}}},
        {"schema": {"default": {"$ref": "a.yaml"}}},
        {"schema": {"enum": [{"$ref": "a.yaml"}]}},
        {"schema": {"const": {"$ref": "a.yaml"}}},
        {"schema": {"examples": [{"$ref": "a.yaml"}]}},
        {"examples": {"one": {"value": {"$ref": "a.yaml"}}}},
    ],
)
def test_refs_in_extensions_and_data_are_not_references(tree: dict[str, Any]) -> None:
    assert refs(tree) == []


@pytest.mark.parametrize(
    ("tree", "pointer"),
    [
        ({"properties": {"x-id": {"$ref": "#/a"}}}, "/properties/x-id"),
        ({"properties": {"example": {"$ref": "#/a"}}}, "/properties/example"),
        ({"properties": {"default": {"$ref": "#/a"}}}, "/properties/default"),
        ({"components": {"schemas": {"enum": {"$ref": "#/a"}}}}, "/components/schemas/enum"),
        ({"responses": {"default": {"$ref": "#/a"}}}, "/responses/default"),
        ({"content": {"x-app/json": {"schema": {"$ref": "#/a"}}}}, "/content/x-app~1json/schema"),
        ({"examples": {"one": {"$ref": "#/a"}}}, "/examples/one"),
        ({"allOf": [{"$ref": "#/a"}]}, "/allOf/0"),
        ({"parameters": [{"$ref": "#/a"}]}, "/parameters/0"),
        ({"callbacks": {"cb": {"$ref": "#/a"}}}, "/callbacks/cb"),
        ({"callbacks": {"cb": {"{$url}": {"$ref": "#/a"}}}}, "/callbacks/cb/{$url}"),
        ({"webhooks": {"x-hook": {"$ref": "#/a"}}}, "/webhooks/x-hook"),
    ],
)
def test_names_that_look_like_keywords_are_walked(tree: dict[str, Any], pointer: str) -> None:
    assert refs(tree) == [("#/a", pointer)]


def test_a_property_named_ref_is_not_a_reference() -> None:
    assert refs({"properties": {"$ref": {"type": "string"}}}) == []


def test_non_string_ref_is_not_a_reference() -> None:
    assert refs({"schema": {"$ref": 5}}) == []


def test_shared_alias_is_walked_once() -> None:
    tree = parse_yaml("a: &s {$ref: '#/x'}\nb: *s\n")
    assert refs(tree) == [("#/x", "/a")]


def test_recursive_alias_is_reported_where_it_loops() -> None:
    tree = parse_yaml("a: &n\n  b: *n\n")
    with pytest.raises(CyclicDataError) as caught:
        refs(tree)
    assert caught.value.pointer == "/a/b"
