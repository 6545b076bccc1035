"""The XML shape of a schema: what OpenAPI's ``xml`` objects and the types say, compiled once.

``xml: {name, namespace, prefix, attribute, wrapped}`` per property (and on the root schema);
``type`` says how text is read back (XML has only strings). ``$ref``s are followed (recursive
schemas share one node), ``allOf`` members are merged, and ``type: [integer, "null"]`` reads as
its first non-null type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ANY", "XmlNode", "build_shape"]

_SCALARS = frozenset({"integer", "number", "boolean", "string", "null"})


@dataclass(eq=False, slots=True)
class XmlNode:
    """One schema as XML: its kind and ``xml`` object, its properties or items."""

    kind: str = "any"
    """``object``, ``array``, ``integer``, ``number``, ``boolean``, ``string`` or ``any``."""
    name: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    attribute: bool = False
    wrapped: bool = False
    properties: dict[str, XmlNode] = field(default_factory=dict)
    items: XmlNode | None = None


ANY = XmlNode()
"""A node without a schema: elements read as text or mappings of children."""


def build_shape(spec: Any, schema: Any, base: str) -> tuple[XmlNode, str | None]:
    """The root node of ``schema`` and its component name (the default root element name)."""
    root_name = None
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = str(schema["$ref"])
        if "/schemas/" in ref:
            root_name = ref.rsplit("/", 1)[-1]
    return _Builder(spec).node(schema, base, 0), root_name


class _Builder:
    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.seen: dict[tuple[str, str], XmlNode] = {}

    def node(self, schema: Any, base: str, depth: int) -> XmlNode:
        if not isinstance(schema, Mapping) or depth > 64:
            return ANY
        ref = schema.get("$ref")
        if isinstance(ref, str):
            key = (base, ref)
            known = self.seen.get(key)
            if known is not None:
                return known
            target, target_base, _ = self.spec.resolve(ref, base)
            if isinstance(target, Mapping) and isinstance(target.get("$ref"), str):
                node = self.seen[key] = self.node(target, target_base, depth + 1)
            else:
                node = XmlNode()
                self.seen[key] = node
                self.fill(node, target, target_base, depth)
            if isinstance(schema.get("xml"), Mapping):
                # NOTE: an xml sibling of $ref (3.1) applies here only, not to the target
                node = dataclasses.replace(node)
                _apply_xml(node, schema)
            return node
        node = XmlNode()
        self.fill(node, schema, base, depth)
        return node

    def fill(self, node: XmlNode, schema: Any, base: str, depth: int) -> None:
        if not isinstance(schema, Mapping):
            return
        for member in schema.get("allOf") or ():
            part = self.node(member, base, depth + 1)
            node.properties.update(part.properties)
            if part.kind != "any" and node.kind == "any":
                node.kind, node.items = part.kind, part.items
        node.kind = _kind(schema, node.kind)
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                node.properties[str(name)] = self.node(sub, base, depth + 1)
        if "items" in schema:
            node.items = self.node(schema["items"], base, depth + 1)
        _apply_xml(node, schema)


def _kind(schema: Mapping[str, Any], default: str) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if isinstance(declared, str) and (declared in _SCALARS or declared in ("object", "array")):
        return "string" if declared == "null" else declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return default


def _apply_xml(node: XmlNode, schema: Mapping[str, Any]) -> None:
    xml = schema.get("xml")
    if not isinstance(xml, Mapping):
        return
    if isinstance(xml.get("name"), str):
        node.name = xml["name"]
    if isinstance(xml.get("namespace"), str):
        node.namespace = xml["namespace"]
    if isinstance(xml.get("prefix"), str):
        node.prefix = xml["prefix"]
    if "attribute" in xml:
        node.attribute = xml["attribute"] is True
    if "wrapped" in xml:
        node.wrapped = xml["wrapped"] is True
