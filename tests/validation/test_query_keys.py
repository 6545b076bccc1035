"""The query keys an operation's parameters read: what strict query validation accepts."""

from __future__ import annotations

from typing import Any

from covet.validation import ParameterSpec, SchemaCompiler, build_parameters
from covet.validation._query_keys import QueryKeys

from .fakespec import ROOT, spec_with

OBJECT = {"type": "object", "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}}}


def keys(*objs: dict[str, Any]) -> QueryKeys:
    specs = [ParameterSpec(obj, ROOT, f"/paths/~1t/get/parameters/{i}") for i, obj in enumerate(objs)]
    return build_parameters(specs, SchemaCompiler(spec_with(None))).query_keys


def query(*names: str) -> dict[str, list[str]]:
    return {name: ["1"] for name in names}


def test_a_query_parameter_declares_its_name_only() -> None:
    declared = keys({"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "X-Id", "in": "header", "schema": {"type": "string"}})
    assert declared.unknown(query("limit", "X-Id", "offset")) == ["X-Id", "offset"]


def test_a_deep_object_declares_every_bracketed_key_under_its_name() -> None:
    declared = keys({"name": "filter", "in": "query", "style": "deepObject", "schema": OBJECT})
    assert declared.unknown(query("filter[R]", "filter[a][b]", "filter", "filterX[R]")) == [
        "filter", "filterX[R]"
    ]


def test_an_exploded_form_object_declares_its_properties() -> None:
    declared = keys({"name": "color", "in": "query", "schema": OBJECT})
    assert declared.unknown(query("R", "G", "color", "B")) == ["color", "B"]


def test_a_delimited_or_unexploded_object_declares_its_name() -> None:
    declared = keys({"name": "color", "in": "query", "explode": False, "schema": OBJECT},
                    {"name": "ids", "in": "query", "style": "pipeDelimited", "explode": False,
                     "schema": {"type": "array", "items": {"type": "integer"}}})
    assert declared.unknown(query("color", "ids", "R")) == ["R"]


def test_an_exploded_form_object_without_properties_reads_every_key() -> None:
    declared = keys({"name": "rest", "in": "query", "schema": {"type": "object"}})
    assert declared.open and declared.unknown(query("anything")) == []


def test_a_content_parameter_declares_its_name() -> None:
    declared = keys({"name": "where", "in": "query",
                     "content": {"application/json": {"schema": OBJECT}}})
    assert declared.unknown(query("where", "R")) == ["R"]


def test_security_scheme_keys_can_be_added() -> None:
    declared = keys().with_names(["api_key"])
    assert declared.unknown(query("api_key", "other")) == ["other"]
