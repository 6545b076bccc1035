"""XML (``application/xml``, ``text/xml``, ``+xml``) both ways, mapped by the schema.

Parsing is safe by construction: lxml with entities unresolved, no DTD loaded or validated,
no network, no huge trees; and a document with a DOCTYPE is refused outright (code ``parse``),
so neither billion laughs nor XXE reaches a handler. Nesting is bounded by ``limits.max_depth``.

The mapping follows OpenAPI's ``xml`` object (docs/media-types.md):

- an object is an element whose properties are child elements (``xml.name`` or the property
  name) or attributes (``xml.attribute: true``); ``xml.namespace`` and ``xml.prefix`` qualify
  them. Child elements the schema does not name are kept (as text, or mappings) so that
  ``additionalProperties: false`` refuses them as JSON would.
- an array property is repeated elements named by ``items.xml.name`` (else the property
  name), inside one element named by the array's ``xml.name`` when ``xml.wrapped: true``.
- text is typed by the schema: ``integer``, ``number`` and ``boolean`` text becomes a number or
  a bool; text that does not convert stays text, and the schema check reports it (a 422).
- ``xsi:nil="true"`` is ``null``. The root element's name is not checked.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
from lxml import etree

from covet.media._codec import Codec, SchemaSite
from covet.media._json import DecodeError
from covet.media._xml_shape import ANY, XmlNode, build_shape
from covet.response import dump_json

__all__ = ["XMLCodec"]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NIL = f"{{{_XSI}}}nil"
_INTEGER = re.compile(r"^[+-]?\d+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, not even as references: sent as U+FFFD."""
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )


class XMLCodec:
    """XML mapped by one schema (``bind``), or element by element without one.

    Args:
        max_depth: ``limits.max_depth``.
        root: the element name a response gets when the schema names none.
        namespace: the namespace of that root (RFC 7807 problems use ``urn:ietf:rfc:7807``).
        item: the element name of an array item the schema does not name.
    """

    __slots__ = ("item", "max_depth", "media_types", "namespace", "parser", "root", "shape")

    def __init__(
        self,
        *,
        max_depth: int = 64,
        root: str = "response",
        namespace: str | None = None,
        item: str = "item",
        shape: XmlNode = ANY,
    ) -> None:
        self.media_types: tuple[str, ...] = ("application/xml", "text/xml", "application/*+xml")
        self.max_depth = max_depth
        self.root = root
        self.namespace = namespace
        self.item = item
        self.shape = shape
        self.parser = _parser()

    def bind(self, site: SchemaSite) -> Codec:
        if site.schema is None:
            return self
        shape, component = build_shape(site.spec, site.schema, site.base)
        return XMLCodec(
            max_depth=self.max_depth, root=shape.name or component or self.root,
            namespace=self.namespace, item=self.item, shape=shape,
        )

    # -- requests --------------------------------------------------------------------------

    def decode(self, raw: bytes) -> Any:
        """The value of an XML document, typed by the schema.

        Raises:
            DecodeError: not well-formed, has a DOCTYPE (``parse``), or nests deeper than
                ``max_depth`` (``maxDepth``).
        """
        try:
            root = etree.fromstring(raw, self.parser)
        except etree.XMLSyntaxError as exc:
            message = str(exc).splitlines()[0] if str(exc) else "not well-formed"
            raise DecodeError(f"Not well-formed XML: {message}", "parse") from None
        if root is None:
            raise DecodeError("Not well-formed XML: no root element", "parse")
        if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
            raise DecodeError("XML with a DOCTYPE is not accepted (no DTDs, no entities)", "parse")
        return self._read(root, self.shape, 1)

    def _read(self, element: Any, node: XmlNode, depth: int) -> Any:
        if depth > self.max_depth:
            raise DecodeError(f"Nested deeper than {self.max_depth} levels", "maxDepth")
        if element.get(_NIL) in _TRUE:
            return None
        kind = node.kind
        if kind == "object":
            return self._object(element, node, depth)
        if kind == "array":
            item = node.items or ANY
            return [self._read(child, item, depth + 1) for child in _children(element)]
        if kind == "any":
            return self._generic(element, depth)
        return _typed(_text(element), kind)

    def _object(self, element: Any, node: XmlNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        claimed: set[int] = set()
        children = _children(element)
        for name, prop in node.properties.items():
            if prop.attribute:
                text = element.get(_qualified(prop.name or name, prop.namespace))
                if text is not None:
                    out[name] = _typed(text, prop.kind)
                continue
            if prop.kind == "array":
                item = prop.items or ANY
                if prop.wrapped:
                    wrapper = _find(children, prop.name or name, prop.namespace, claimed)
                    if wrapper is not None:
                        out[name] = [
                            self._read(child, item, depth + 2)
                            for child in _children(wrapper)
                        ]
                    continue
                found = _find_all(children, item.name or name, item.namespace, claimed)
                if found:
                    out[name] = [self._read(child, item, depth + 1) for child in found]
                continue
            child = _find(children, prop.name or name, prop.namespace, claimed)
            if child is not None:
                out[name] = self._read(child, prop, depth + 1)
        for index, child in enumerate(children):
            if index not in claimed:
                _add(out, etree.QName(child).localname, self._generic(child, depth + 1))
        return out

    def _generic(self, element: Any, depth: int) -> Any:
        if depth > self.max_depth:
            raise DecodeError(f"Nested deeper than {self.max_depth} levels", "maxDepth")
        children = _children(element)
        attributes = [(k, v) for k, v in element.attrib.items() if not k.startswith(f"{{{_XSI}}}")]
        if not children and not attributes:
            return _text(element)
        out: dict[str, Any] = {}
        for key, value in attributes:
            out[etree.QName(key).localname] = value
        for child in children:
            _add(out, etree.QName(child).localname, self._generic(child, depth + 1))
        return out

    # -- responses -------------------------------------------------------------------------

    def encode(self, value: Any) -> bytes:
        """``value`` (anything ``dump_json`` can send) as an XML document."""
        data = orjson.loads(dump_json(value))
        shape = self.shape
        root = _element(None, self.root, shape.namespace or self.namespace, shape.prefix)
        self._write(root, data, shape)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _write(self, element: Any, value: Any, node: XmlNode) -> None:
        if value is None:
            element.set(_NIL, "true")
        elif isinstance(value, dict):
            for key, sub in value.items():
                self._property(element, str(key), sub, node.properties.get(str(key), ANY))
        elif isinstance(value, list):
            item = node.items or ANY
            for sub in value:
                child = _element(element, item.name or self.item, item.namespace, item.prefix)
                self._write(child, sub, item)
        else:
            element.text = _scalar(value)

    def _property(self, parent: Any, key: str, value: Any, prop: XmlNode) -> None:
        name = prop.name or key
        if prop.attribute and not isinstance(value, dict | list) and value is not None:
            parent.set(_qualified(name, prop.namespace), _scalar(value))
            return
        if isinstance(value, list) and prop.kind == "array":
            item = prop.items or ANY
            holder = parent
            if prop.wrapped:
                holder = _element(parent, name, prop.namespace, prop.prefix)
            for sub in value:
                child = _element(holder, item.name or key, item.namespace, item.prefix)
                self._write(child, sub, item)
            return
        child = _element(parent, name, prop.namespace, prop.prefix)
        self._write(child, value, prop)


def _children(element: Any) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str)]


def _text(element: Any) -> str:
    return "".join(element.itertext()) if len(element) else (element.text or "")


def _qualified(name: str, namespace: str | None) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _matches(element: Any, name: str, namespace: str | None) -> bool:
    qname = etree.QName(element)
    return qname.localname == name and (namespace is None or qname.namespace == namespace)


def _find(children: list[Any], name: str, namespace: str | None, claimed: set[int]) -> Any:
    for index, child in enumerate(children):
        if index not in claimed and _matches(child, name, namespace):
            claimed.add(index)
            return child
    return None


def _find_all(children: list[Any], name: str, namespace: str | None, claimed: set[int]) -> list[Any]:
    found = []
    for index, child in enumerate(children):
        if index not in claimed and _matches(child, name, namespace):
            claimed.add(index)
            found.append(child)
    return found


def _add(out: dict[str, Any], key: str, value: Any) -> None:
    if key not in out:
        out[key] = value
    elif isinstance(out[key], list):
        out[key].append(value)
    else:
        out[key] = [out[key], value]


def _typed(text: str, kind: str) -> Any:
    """``text`` as the schema's type says; text that does not convert stays text."""
    if kind == "string" or kind == "any":
        return text
    stripped = text.strip()
    if kind == "integer":
        return int(stripped) if _INTEGER.match(stripped) and len(stripped) < 4000 else text
    if kind == "number":
        if _INTEGER.match(stripped) and len(stripped) < 4000:
            return int(stripped)
        try:
            number = float(stripped)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if kind == "boolean":
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if kind in ("object", "array"):
        return text
    return text


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _xml_text(str(value))


def _xml_text(text: str) -> str:
    """``text`` with what XML cannot hold replaced by U+FFFD (a JSON string may hold a control
    character a client sent; answering it as XML must not fail)."""
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text


def _element(parent: Any, name: str, namespace: str | None, prefix: str | None) -> Any:
    if not _NAME.match(name):
        # NOTE: a key that is no XML name (a space, a leading digit) keeps its text in an attribute
        element = _element(parent, "entry", namespace, prefix)
        element.set("key", _xml_text(name))
        return element
    tag = _qualified(name, namespace)
    nsmap: Any = {prefix: namespace} if namespace else None
    if parent is None:
        return etree.Element(tag, nsmap=nsmap)
    if namespace and parent.nsmap.get(prefix) == namespace:
        nsmap = None
    return etree.SubElement(parent, tag, nsmap=nsmap)
