"""``schema-unused``: component schemas that nothing reachable refers to.

Reachable means: from anything in the root document other than ``components`` (paths,
webhooks...), following every ``$ref`` into any file (extensions included), plus
``discriminator.mapping`` values (which name schemas without a ``$ref``). A schema used only by
another unused schema, or only by an unused component response, is unused too. Only the root
document's own ``components.schemas`` are reported: a shared file may hold schemas for other
documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from covet.errors import SpecError
from covet.lint.collector import Collector
from covet.spec import SpecDocument
from covet.spec._pointer import split_pointer
from covet.spec.compiler import escape_pointer

__all__ = ["check_unused_schemas", "used_locations"]

_SCHEMAS = "/components/schemas/"


def check_unused_schemas(doc: SpecDocument, out: Collector) -> None:
    """One warning per root component schema that no reachable node refers to."""
    components = doc.root.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    if not isinstance(schemas, Mapping) or not schemas:
        return
    if not doc.root.get("paths") and not doc.root.get("webhooks"):
        return  # NOTE: a components-only document is a library for other documents
    used = _used_schema_names(doc)
    for name in schemas:
        if str(name) in used:
            continue
        out.add(
            "schema-unused",
            f"schema {str(name)!r} is not referenced from any operation, webhook or used "
            "component; delete it or $ref it where it belongs",
            file=doc.path, pointer=_SCHEMAS + escape_pointer(str(name)), doc=doc,
        )


def _used_schema_names(doc: SpecDocument) -> set[str]:
    names = set()
    for file, pointer in used_locations(doc):
        if file == doc.path and pointer.startswith(_SCHEMAS):
            names.add(split_pointer(pointer)[2])
    return names


def used_locations(doc: SpecDocument) -> set[tuple[str, str]]:
    """Every ``(file, pointer)`` a reference reachable from outside ``components`` lands on."""
    start = {key: value for key, value in doc.root.items() if key != "components"}
    pending: list[tuple[str, Any]] = [(doc.path, start)]
    seen: set[tuple[str, str]] = set()
    while pending:
        file, node = pending.pop()
        for target_file, target_pointer, target in _targets(doc, file, node):
            if (target_file, target_pointer) not in seen:
                seen.add((target_file, target_pointer))
                pending.append((target_file, target))
    return seen


def _targets(doc: SpecDocument, file: str, node: Any) -> Iterator[tuple[str, str, Any]]:
    for ref, base in _refs_under(node, file, doc.path):
        try:
            target, target_file, target_pointer = doc.resolve(ref, base)
        except SpecError:
            continue  # NOTE: reported as ref-unresolved (or data in an extension)
        yield target_file, target_pointer, target


def _refs_under(node: Any, file: str, root: str) -> list[tuple[str, str]]:
    """``(ref, base)`` of every ``$ref`` string and ``discriminator.mapping`` value under ``node``.

    Unlike the loader, this counts refs inside ``x-`` extensions too (Adyen's ``x-anyOf``):
    their author uses those schemas, even if CovetPy does not.
    """
    found: list[tuple[str, str]] = []
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if not isinstance(current, (dict, list)) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, list):
            stack.extend(current)
            continue
        if isinstance(current.get("$ref"), str):
            found.append((current["$ref"], file))
        mapping = _discriminator_mapping(current)
        found += [_mapping_ref(str(value), file, root) for value in mapping.values()]
        stack.extend(current.values())
    return found


def _discriminator_mapping(node: dict[str, Any]) -> Mapping[str, Any]:
    discriminator = node.get("discriminator")
    mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
    return mapping if isinstance(mapping, dict) else {}


def _mapping_ref(value: str, file: str, root: str) -> tuple[str, str]:
    """``(ref, base)``: a reference as written, or a bare name of a root component schema."""
    if "#" in value or "/" in value or value.endswith((".yaml", ".yml", ".json")):
        return value, file
    return "#" + _SCHEMAS + escape_pointer(value), root
