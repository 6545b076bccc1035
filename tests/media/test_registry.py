"""The codec registry: which codec serves a declared media type, decided at compile time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covet.errors import ConfigError
from covet.media import (
    FormCodec,
    JSONCodec,
    MessagePackCodec,
    RawCodec,
    SchemaSite,
    TextCodec,
    XMLCodec,
    build_registry,
    default_registry,
)
from covet.spec import load_spec

PAIRS = "tests.fixtures.apps.media.codecs:PairsCodec"


def site(tmp_path: Path, schema: Any) -> SchemaSite:
    path = tmp_path / "api.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
                    "components: {schemas: {Blob: {type: string, format: binary}}}\n")
    return SchemaSite(load_spec(str(path)), schema, str(path), "/x", {}, "request")


@pytest.mark.parametrize(
    ("media_type", "codec"),
    [("application/json", JSONCodec), ("application/problem+json", JSONCodec),
     ("Application/JSON; charset=utf-8", JSONCodec), ("application/xml", XMLCodec),
     ("text/xml", XMLCodec), ("application/atom+xml", XMLCodec),
     ("application/msgpack", MessagePackCodec), ("application/x-msgpack", MessagePackCodec),
     ("application/vnd.msgpack", MessagePackCodec), ("application/x-www-form-urlencoded", FormCodec),
     ("text/plain", TextCodec), ("text/csv", TextCodec), ("application/octet-stream", RawCodec),
     ("multipart/form-data", RawCodec)],
)
def test_built_in_codecs_by_media_range(tmp_path: Path, media_type: str, codec: type) -> None:
    found = default_registry().for_media(media_type, site(tmp_path, {"type": "object"}))
    assert isinstance(found, codec)


@pytest.mark.parametrize("media_type", ["*/*", "application/*", "image/*"])
def test_wildcard_declarations_are_raw_bytes(tmp_path: Path, media_type: str) -> None:
    assert isinstance(default_registry().for_media(media_type, site(tmp_path, {"type": "object"})), RawCodec)


@pytest.mark.parametrize("schema", [None, {"type": "string", "format": "binary"},
                                    {"$ref": "#/components/schemas/Blob"}, {"format": "binary"}])
def test_unknown_type_with_a_string_schema_is_raw(tmp_path: Path, schema: Any) -> None:
    assert isinstance(default_registry().for_media("image/png", site(tmp_path, schema)), RawCodec)


@pytest.mark.parametrize("schema", [{"type": "object"}, {"type": "array"}, {"properties": {}}])
def test_unknown_type_with_a_structured_schema_has_no_codec(tmp_path: Path, schema: Any) -> None:
    assert default_registry().for_media("application/cbor", site(tmp_path, schema)) is None


def test_covet_yaml_codecs_come_first(tmp_path: Path) -> None:
    registry = build_registry({"application/x-pairs": PAIRS, "application/json": PAIRS})
    where = site(tmp_path, {"type": "object"})
    assert type(registry.for_media("application/x-pairs", where)).__name__ == "PairsCodec"
    assert type(registry.for_media("application/json", where)).__name__ == "PairsCodec"


def test_limits_reach_the_codecs() -> None:
    registry = default_registry(max_depth=3, strict_json=False, max_form_fields=2)
    json = registry.lookup("application/json")
    assert isinstance(json, JSONCodec) and json.max_depth == 3 and not json.strict
    msgpack = registry.lookup("application/msgpack")
    assert isinstance(msgpack, MessagePackCodec) and msgpack.max_depth == 3


@pytest.mark.parametrize(
    ("ref", "message"),
    [("nowhere.module:Codec", "cannot import"), ("tests.fixtures.apps.media.codecs:DecodeError", "could not be built"),
     ("tests.fixtures.apps.media.handlers:get_pet", "no decode or encode")],
)
def test_a_bad_codec_reference_is_a_located_config_error(ref: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_registry({"application/cbor": ref})
    assert caught.value.pointer == "/media/codecs/application~1cbor"
    assert message in str(caught.value)
