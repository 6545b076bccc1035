"""``unevaluatedProperties: false`` over plain object schemas, compiled without annotations.

JSON Schema drops the annotations of a subschema that fails, so with
``{allOf: [{$ref: User}], unevaluatedProperties: false}`` one bad field in ``User`` makes every
other property "unevaluated" too, burying the real error under one false error per field. When
every member is a plain object schema (its property names known at compile time), the same rule
is ``additionalProperties: false`` over the union of those names, which does not depend on
annotations: the same verdicts, and only the real errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["close_composition"]

# Keywords whose evaluation depends on the instance: with them, the set of evaluated
# properties is not known in advance, so the rule is left to the validator. (A member's own
# ``additionalProperties: false`` is fine: it evaluates nothing beyond its properties.)
_CONDITIONAL = frozenset(
    {"patternProperties", "if", "dependentSchemas", "oneOf", "anyOf", "not", "$dynamicRef",
     "unevaluatedProperties"}
)
_MAX_DEPTH = 16

Resolve = Callable[[str, str], tuple[Any, str, str]]


def close_composition(source: dict[str, Any], out: dict[str, Any], file: str, resolve: Resolve) -> None:
    """Rewrite ``out`` (the translation of ``source``) when its rule can be known in advance."""
    if source.get("unevaluatedProperties") is not False:
        return
    own = {k: v for k, v in source.items() if k != "unevaluatedProperties"}
    known = _known_properties(own, file, resolve, 0)
    if known is None:
        return
    del out["unevaluatedProperties"]
    properties = out.setdefault("properties", {})
    for name in sorted(known - set(properties)):
        properties[name] = True
    out["additionalProperties"] = False


def _known_properties(schema: Any, file: str, resolve: Resolve, depth: int) -> set[str] | None:
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        return None
    if _CONDITIONAL & schema.keys() or schema.get("additionalProperties", False) is not False:
        return None
    known = {str(name) for name in schema.get("properties") or {}}
    members = list(schema.get("allOf") or [])
    if isinstance(schema.get("$ref"), str):
        try:
            target, target_file, _ = resolve(schema["$ref"], file)
        except Exception:  # noqa: BLE001 - an unresolvable ref is reported by the compiler itself
            return None
        found = _known_properties(target, target_file, resolve, depth + 1)
        if found is None:
            return None
        known |= found
    for member in members:
        found = _known_properties(member, file, resolve, depth + 1)
        if found is None:
            return None
        known |= found
    return known
