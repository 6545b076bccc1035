"""XML: parsed safely (no DTD, no entities, no network), mapped by OpenAPI's xml objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from covet.media import DecodeError, SchemaSite, XMLCodec
from covet.spec import load_spec


def bound(tmp_path: Path, schema: str, components: str = "") -> Any:
    path = tmp_path / "api.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
        f"components:\n  schemas:\n    Root: {schema}\n{components}"
    )
    spec = load_spec(str(path))
    site = SchemaSite(spec, {"$ref": "#/components/schemas/Root"}, str(path), "/x", {}, "request")
    return XMLCodec(max_depth=8).bind(site)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz><name>&lol9;</name></lolz>"""


def test_billion_laughs_is_refused_without_expanding(tmp_path: Path) -> None:
    with pytest.raises(DecodeError) as caught:
        XMLCodec().decode(BILLION_LAUGHS)
    # libxml2 stops the amplification itself, or the DOCTYPE is refused: never expanded
    assert caught.value.code == "parse" and "lollol" not in caught.value.message


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<r><name>&x;</name></r>"
    ).encode()
    with pytest.raises(DecodeError) as caught:
        XMLCodec().decode(xxe)
    assert caught.value.code == "parse"
    assert "TOP-SECRET" not in caught.value.message


def test_the_parser_itself_resolves_no_entities_and_loads_no_dtd(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'.encode()
    root = etree.fromstring(xxe, XMLCodec().parser)  # what decode parses with, before refusing
    assert "TOP-SECRET" not in etree.tostring(root).decode()


@pytest.mark.parametrize("raw", [b"<a><b></a>", b"plain text", b"<a/><b/>", b"<?xml version='1.0'?>"])
def test_malformed_xml_is_parse(raw: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        XMLCodec().decode(raw)
    assert caught.value.code == "parse"


def test_nesting_past_the_limit_is_max_depth() -> None:
    with pytest.raises(DecodeError) as caught:
        XMLCodec(max_depth=4).decode(b"<a><b><c><d><e>x</e></d></c></b></a>")
    assert caught.value.code == "maxDepth"


def test_without_schema_elements_become_text_and_mappings() -> None:
    value = XMLCodec().decode(b'<r k="v"><a>1</a><b>x</b><b>y</b><c/></r>')
    assert value == {"k": "v", "a": "1", "b": ["x", "y"], "c": ""}


def test_text_is_typed_by_the_schema(tmp_path: Path) -> None:
    codec = bound(tmp_path, """
      type: object
      properties:
        n: {type: integer}
        f: {type: number}
        ok: {type: boolean}
        s: {type: string}
        bad: {type: integer}
        maybe: {type: [integer, "null"]}""")
    value = codec.decode(b"<r><n> 42 </n><f>1.5</f><ok>false</ok><s>007</s><bad>4x</bad><maybe>3</maybe></r>")
    assert value == {"n": 42, "f": 1.5, "ok": False, "s": "007", "bad": "4x", "maybe": 3}


def test_attributes_names_and_namespaces(tmp_path: Path) -> None:
    codec = bound(tmp_path, """
      type: object
      properties:
        id: {type: integer, xml: {attribute: true}}
        full: {type: string, xml: {name: fullName, namespace: "urn:n"}}
        other: {type: string, xml: {namespace: "urn:n"}}""")
    value = codec.decode(b'<r xmlns:n="urn:n" id="5"><n:fullName>Ada</n:fullName><other>no</other></r>')
    # "other" is in no namespace, so it is not the property: it is kept as an unknown element
    assert value == {"id": 5, "full": "Ada", "other": "no"}
    assert codec.decode(b'<r><fullName>no namespace</fullName></r>') == {"fullName": "no namespace"}


def test_wrapped_and_unwrapped_arrays(tmp_path: Path) -> None:
    codec = bound(tmp_path, """
      type: object
      properties:
        tags: {type: array, xml: {wrapped: true}, items: {type: string, xml: {name: tag}}}
        nums: {type: array, items: {type: integer, xml: {name: n}}}
        plain: {type: array, items: {type: integer}}""")
    value = codec.decode(
        b"<r><tags><tag>a</tag><tag>b</tag></tags><n>1</n><n>2</n><plain>3</plain><plain>4</plain></r>"
    )
    assert value == {"tags": ["a", "b"], "nums": [1, 2], "plain": [3, 4]}


def test_nested_and_recursive_refs(tmp_path: Path) -> None:
    codec = bound(tmp_path, """{$ref: "#/components/schemas/Node"}""", """    Node:
      type: object
      properties:
        v: {type: integer}
        child: {$ref: "#/components/schemas/Node"}
""")
    assert codec.decode(b"<n><v>1</v><child><v>2</v><child><v>3</v></child></child></n>") == {
        "v": 1, "child": {"v": 2, "child": {"v": 3}}
    }


def test_nil_is_null_and_unknown_elements_are_kept(tmp_path: Path) -> None:
    codec = bound(tmp_path, "{type: object, properties: {a: {type: integer}}}")
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    assert codec.decode(f'<r {xsi}><a xsi:nil="true"/><extra>x</extra></r>'.encode()) == {
        "a": None, "extra": "x"
    }


def test_encode_follows_the_xml_object(tmp_path: Path) -> None:
    codec = bound(tmp_path, """
      type: object
      xml: {name: book, namespace: "urn:b", prefix: b}
      properties:
        id: {type: integer, xml: {attribute: true}}
        title: {type: string}
        authors: {type: array, xml: {wrapped: true}, items: {type: string, xml: {name: author}}}
        ok: {type: boolean}
        gone: {type: string}""")
    raw = codec.encode({"id": 1, "title": "T", "authors": ["A", "B"], "ok": True, "gone": None})
    root = etree.fromstring(raw)
    assert raw.startswith(b"<?xml")
    assert root.tag == "{urn:b}book" and root.prefix == "b" and root.get("id") == "1"
    assert [a.text for a in root.find("authors")] == ["A", "B"]
    assert root.findtext("ok") == "true"
    assert root.find("gone").get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    assert codec.decode(raw) == {"id": 1, "title": "T", "authors": ["A", "B"], "ok": True, "gone": None}


def test_root_name_defaults_to_the_component_name(tmp_path: Path) -> None:
    codec = bound(tmp_path, "{type: object, properties: {a: {type: string}}}")
    assert etree.fromstring(codec.encode({"a": "x"})).tag == "Root"


def test_keys_that_are_no_xml_names_are_kept_in_an_attribute() -> None:
    root = etree.fromstring(XMLCodec().encode({"a b": 1, "2x": [1, 2]}))
    assert [(e.tag, e.get("key")) for e in root] == [("entry", "a b"), ("entry", "2x")]


def test_text_xml_cannot_carry_is_sent_as_the_replacement_character() -> None:
    """A JSON string may hold control characters a client sent; XML 1.0 cannot hold them even
    as references, so answering as XML sends U+FFFD instead of failing with a 500."""
    body = XMLCodec(root="note").encode({"text": "a\x00b\x01c\x1f", "odd key\x02": "\ufffe"})
    assert body.decode("utf-8").endswith(
        "<note><text>a\ufffdb\ufffdc\ufffd</text><entry key=\"odd key\ufffd\">\ufffd</entry></note>"
    )
    assert XMLCodec().decode(body) is not None  # and it parses back
