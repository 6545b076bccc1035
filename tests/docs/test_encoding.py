"""encode_json / encode_yaml: the bytes the docs routes send."""

from __future__ import annotations

from pathlib import Path

import orjson

from covet.docs.encoding import encode_json, encode_yaml
from covet.spec import load_document


def test_json_is_compact_unless_indented() -> None:
    document = {"openapi": "3.1.0", "info": {"title": "t"}}
    assert encode_json(document) == b'{"openapi":"3.1.0","info":{"title":"t"}}'
    assert encode_json(document, indent=True).startswith(b'{\n  "openapi": "3.1.0",')


def test_json_keeps_integers_beyond_64_bits() -> None:
    assert orjson.loads(encode_json({"maximum": 2**70})) == {"maximum": 2**70}
    assert b'"maximum": 1180591620717411303424' in encode_json({"maximum": 2**70}, indent=True)


def test_yaml_keeps_the_document_key_order() -> None:
    text = encode_yaml({"openapi": "3.1.0", "info": {}, "paths": {}, "components": {}}).decode()
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "openapi",
        "info",
        "paths",
        "components",
    ]


def test_yaml_quotes_strings_that_yaml_11_would_misread(tmp_path: Path) -> None:
    words = [
        "on",
        "off",
        "yes",
        "no",
        "18:00",
        "2024-05-01",
        "1e3",
        "0o17",
        "0x1F",
        "null",
        "~",
        "",
    ]
    document = {"enum": words, "code": "200", "version": "1.0"}
    path = tmp_path / "doc.yaml"
    path.write_bytes(encode_yaml(document))
    assert load_document(path) == document


def test_yaml_repeats_shared_objects_instead_of_aliasing_them() -> None:
    shared = {"type": "string"}
    text = encode_yaml({"a": shared, "b": shared}).decode()
    assert "&" not in text and "*" not in text
    assert text == "a:\n  type: string\nb:\n  type: string\n"


def test_yaml_writes_multi_line_strings_as_blocks(tmp_path: Path) -> None:
    document = {"description": "First line.\nSecond line.\n"}
    text = encode_yaml(document).decode()
    assert text == "description: |\n  First line.\n  Second line.\n"
    path = tmp_path / "doc.yaml"
    path.write_text(text)
    assert load_document(path) == document


def test_yaml_is_utf8_without_escapes() -> None:
    assert encode_yaml({"title": "Café ☕"}) == "title: Café ☕\n".encode()
