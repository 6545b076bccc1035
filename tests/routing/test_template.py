from __future__ import annotations

import re

import pytest

from covet.errors import SpecError
from covet.routing import CONVERTERS, Converter
from covet.routing.template import RouteTemplate, Segment, SegmentKind, parse_template


def parse(text: str) -> RouteTemplate:
    return parse_template(text, CONVERTERS, file="api.yaml", pointer="/paths/x")


def test_literal_segments_are_split_on_slashes() -> None:
    template = parse("/users/me")

    assert [segment.key for segment in template.segments] == ["users", "me"]
    assert all(segment.kind is SegmentKind.LITERAL for segment in template.segments)
    assert template.is_static
    assert template.param_types == {}


def test_root_is_one_empty_literal_segment() -> None:
    assert parse("/").segments == (Segment(SegmentKind.LITERAL, ""),)


def test_trailing_slash_is_an_empty_last_segment() -> None:
    assert parse("/users/").segments[-1] == Segment(SegmentKind.LITERAL, "")


def test_untyped_parameter_is_str() -> None:
    template = parse("/users/{id}")

    assert template.segments[1] == Segment(SegmentKind.PARAM, "", ("id",), ("str",))
    assert template.param_types == {"id": "str"}
    assert not template.is_static


def test_typed_parameters_keep_path_order() -> None:
    template = parse("/a/{b:int}/c/{d:uuid}/{e}")

    assert list(template.param_types.items()) == [("b", "int"), ("d", "uuid"), ("e", "str")]


def test_path_parameter_is_a_catch_all() -> None:
    segment = parse("/files/{rest:path}").segments[-1]

    assert segment.kind is SegmentKind.CATCH_ALL
    assert segment.names == ("rest",)


@pytest.mark.parametrize(
    ("text", "key", "names", "literal_length"),
    [
        ("/groups/{name}.json", "{}.json", ("name",), 5),
        ("/v1/{name}:signBlob", "{}:signBlob", ("name",), 9),
        ("/api/v{major}.{minor}", "v{}.{}", ("major", "minor"), 2),
        ("/f/file-{id:int}.txt", "file-{}.txt", ("id",), 9),
    ],
)
def test_mixed_segment_shape(
    text: str, key: str, names: tuple[str, ...], literal_length: int
) -> None:
    segment = parse(text).segments[-1]

    assert segment.kind is SegmentKind.MIXED
    assert segment.key == key
    assert segment.names == names
    assert segment.literal_length == literal_length


def test_mixed_segment_pattern_escapes_literals_and_captures_each_parameter() -> None:
    pattern = re.compile(parse("/f/v{major}.{minor}+x").segments[-1].pattern, re.DOTALL)

    assert pattern.fullmatch("v1.2+x") is not None
    assert pattern.fullmatch("v1.2+x").groups() == ("1", "2")  # type: ignore[union-attr]
    assert pattern.fullmatch("v1a2+x") is None
    assert pattern.fullmatch("v.2+x") is None


def test_segment_kinds_are_ordered_by_match_precedence() -> None:
    assert SegmentKind.LITERAL < SegmentKind.MIXED < SegmentKind.PARAM < SegmentKind.CATCH_ALL


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("users", "must start with '/'"),
        ("", "must start with '/'"),
        ("/a//b", "empty segment"),
        ("//", "empty segment"),
        ("/users/{id", "never closed"),
        ("/users/id}", "without a matching '{'"),
        ("/users/}{id}", "without a matching '{'"),
        ("/users/{{id}}", "cannot nest"),
        ("/users/{}", "without a name"),
        ("/users/{:int}", "without a name"),
        ("/users/{ id }", "whitespace"),
        ("/users/{id:integer}", "unknown type 'integer'"),
        ("/users/{id}/posts/{id}", "parameter name 'id' twice"),
        ("/users/{id}.{id}", "parameter name 'id' twice"),
        ("/files/{rest:path}/meta", "must be the last segment"),
        ("/files/{rest:path}/", "must be the last segment"),
        ("/files/x{rest:path}", "whole segment"),
        ("/files/{a}{b}", "nothing between them"),
    ],
)
def test_malformed_template_raises_spec_error_saying_how_to_fix_it(text: str, fix: str) -> None:
    with pytest.raises(SpecError, match=re.escape(fix)) as caught:
        parse(text)

    assert caught.value.file == "api.yaml"
    assert caught.value.pointer == "/paths/x"
    assert repr(text) in caught.value.message


def test_unknown_type_message_lists_the_known_types() -> None:
    with pytest.raises(SpecError, match="float, int, path, slug, str, uuid"):
        parse("/a/{x:bool}")


def test_parameter_names_may_use_openapi_punctuation() -> None:
    assert parse("/a/{user-id}/{$.xgafv}").param_types == {"user-id": "str", "$.xgafv": "str"}


def test_custom_converters_define_the_accepted_types() -> None:
    rest = Converter("rest", str, multi_segment=True)
    converters = {"str": CONVERTERS["str"], "rest": rest}

    assert parse_template("/a/{x:rest}", converters).segments[-1].kind is SegmentKind.CATCH_ALL
    with pytest.raises(SpecError, match="unknown type 'int'"):
        parse_template("/a/{x:int}", converters)
