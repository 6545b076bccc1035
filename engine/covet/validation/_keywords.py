"""OpenAPI 3.0/3.1 Schema Object keywords -> JSON Schema 2020-12, keyword by keyword.

The rules SchemaCompiler applies to each node: which keywords hold sub-schemas, which are
dropped, and the 3.0 translations (``nullable``, boolean ``exclusiveMinimum/Maximum``).
"""

from __future__ import annotations

from typing import Any

from covet.validation._errors import MARKER_KEY, READ_ONLY_MARK, WRITE_ONLY_MARK

ONE_SCHEMA = frozenset({
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
})
SCHEMA_MAP = frozenset({"properties", "patternProperties", "dependentSchemas"})
SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
# NOTE: nested $defs/definitions are dropped because every $ref is re-homed into the top-level
# $defs through SpecLike.resolve; user `$comment`s are dropped so that ours are unambiguous.
DROPPED = frozenset({
    "example", "examples", "xml", "externalDocs", "discriminator", "description", "title",
    "deprecated", "nullable", "readOnly", "writeOnly", "default", "$defs", "definitions",
    "dependencies", "$id", "$schema", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary",
})
UNSUPPORTED = frozenset({"$dynamicRef", "$recursiveRef"})
FLAG = {"request": "readOnly", "response": "writeOnly"}
"""The property flag a direction forbids."""
MARK = {"readOnly": READ_ONLY_MARK, "writeOnly": WRITE_ONLY_MARK}
_COMPOSITE = frozenset({"$ref", "allOf", "anyOf", "oneOf", "not", "if"})
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (INT64_MIN, INT64_MAX)}
"""OpenAPI's integer formats and the ranges they promise (OAS 3.x "Data Types")."""


def fix_exclusive_bounds(out: dict[str, Any]) -> None:
    """OpenAPI 3.0's boolean exclusiveMinimum/Maximum -> the numeric 2020-12 form."""
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)


def integer_bounds(out: dict[str, Any]) -> None:
    """Hold integers to what their format (or, without one, 64 bits) can carry.

    ``format: int32``/``int64`` are ranges, not hints: a value outside them is refused here
    rather than overflowing a database column later. An integer schema without a format is held
    to int64, the widest integer a database column (or most clients) can hold. Bounds the author
    wrote that are tighter are kept; ``number`` schemas without an integer format are left alone.
    """
    bounds = INTEGER_FORMATS.get(out["format"]) if isinstance(out.get("format"), str) else None
    if bounds is None:
        kind = out.get("type")
        kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
        if "integer" not in kinds or "number" in kinds:
            return
        bounds = (INT64_MIN, INT64_MAX)
    low, high = bounds
    minimum, maximum = _number(out.get("minimum")), _number(out.get("maximum"))
    out["minimum"] = low if minimum is None else max(minimum, low)
    out["maximum"] = high if maximum is None else min(maximum, high)


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_forbidden(schema: Any) -> bool:
    """True for the stand-in of a readOnly (request) / writeOnly (response) property."""
    if not isinstance(schema, dict) or set(schema) != {"not"}:
        return False
    inner = schema["not"]
    return isinstance(inner, dict) and inner.get(MARKER_KEY) in MARK.values()


def nullable(out: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 ``nullable: true``: let null through whatever else the schema says."""
    if not _COMPOSITE.isdisjoint(out):
        # NOTE: if/else (not anyOf) so that a non-null value reports the schema's own errors.
        return {"if": {"type": "null"}, "else": out}
    kind = out.get("type")
    if isinstance(kind, str) and kind != "null":
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    enum = out.get("enum")
    if isinstance(enum, list) and not any(option is None for option in enum):
        out["enum"] = [*enum, None]
    return out
