"""The schema check that follows parameter decoding.

Parameters whose schema says nothing beyond what coercion already guarantees (``type: integer``
after an integer cast) are not checked again. The others are checked either one validator per
parameter or all at once with one synthetic object schema keyed by Python name; bench/
params_bench.py measures both and :data:`COMBINE_FROM` records the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from covet.validation._coerce import STRING, Coercer
from covet.validation._keywords import INT64_MAX, INT64_MIN
from covet.validation.schema import DRAFT_2020_12, SchemaCompiler, SchemaValidator

if TYPE_CHECKING:
    from covet.validation._param import Param

Check = Callable[[dict[str, Any], list[dict[str, Any]]], None]

_INT64_KEYS = frozenset({"type", "minimum", "maximum"})

COMBINE_FROM = 6
"""PERF: with fewer checked parameters, a validator call fused into each decode step is faster;
from about six on, one combined jsonschema-rs call over the values dict wins (bench/
params_bench.py, interleaved: 3.3 vs 3.5 µs at 6, 4.5 vs 5.0 at 10, 6.1 vs 7.5 at 16)."""


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """Per-parameter validators, and the combined check when there is one.

    Without a combined check the validators run inside each decode step; with one they only
    serve to explain a value that could not be fully coerced (and so is not in the values).
    """

    validators: Mapping[str, SchemaValidator]
    combined: Check | None

    def inline(self, python_name: str) -> SchemaValidator | None:
        """The validator a decode step runs on every decoded value, if any."""
        return self.validators.get(python_name) if self.combined is None else None


def build_check(
    params: Sequence[Param],
    compiler: SchemaCompiler,
    *,
    combined: bool | None = None,
    skip_guaranteed: bool = True,
) -> CheckPlan:
    """Decide how ``params`` are schema-checked after decoding.

    Args:
        combined: force one strategy (bench/params_bench.py); None picks by :data:`COMBINE_FROM`.
        skip_guaranteed: leave out parameters coercion already guarantees (off only to bench).
    """
    checked: list[tuple[Param, dict[str, Any], SchemaValidator]] = []
    for param in params:
        spec = param.spec
        doc = compiler.compile(
            param.schema, base=spec.base, pointer=param.schema_pointer, direction="request"
        )
        validator = compiler.validator_for_document(
            doc, base=spec.base, pointer=param.schema_pointer, location=param.location
        )
        if skip_guaranteed and param.media_type is None and guaranteed(doc, param.coercer):
            continue
        checked.append((param, doc, validator))
    if combined is None:
        combined = len(checked) >= COMBINE_FROM
    validators = {param.python_name: validator for param, _doc, validator in checked}
    return CheckPlan(validators, _combined_check(checked) if combined and checked else None)


def guaranteed(doc: dict[str, Any], coercer: Coercer) -> bool:
    """True when every value the coercer can produce is valid under ``doc``."""
    return _covers({k: v for k, v in doc.items() if k != "$schema"}, coercer)


def _covers(node: Any, coercer: Coercer) -> bool:
    if node is True or node == {}:
        return True
    if not isinstance(node, dict):
        return False
    keys = set(node)
    if coercer.kind == "array":
        items = coercer.items or STRING
        return keys <= {"type", "items"} and node.get("type") == "array" and _covers(
            node.get("items", True), items
        )
    if coercer.kind != "scalar":
        return False
    if keys == _INT64_KEYS and coercer.produces == {"integer"}:
        # the integer caster refuses what int64 cannot hold (the bounds integer_bounds adds)
        if (node["minimum"], node["maximum"]) != (INT64_MIN, INT64_MAX):
            return False
    elif keys != {"type"}:
        return False
    allowed = node["type"]
    allowed = {allowed} if isinstance(allowed, str) else set(allowed)
    if "number" in allowed:
        allowed.add("integer")
    return coercer.produces <= allowed


def _combined_check(checked: Sequence[tuple[Param, dict[str, Any], SchemaValidator]]) -> Check:
    properties: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for param, doc, _validator in checked:
        properties[param.python_name] = {
            k: v for k, v in doc.items() if k not in ("$schema", "$defs")
        }
        defs.update(doc.get("$defs", {}))
    combined: dict[str, Any] = {"$schema": DRAFT_2020_12, "properties": properties}
    if defs:
        combined["$defs"] = defs
    validator = SchemaValidator(combined, location="parameters")
    is_valid = validator.is_valid
    by_name = {param.python_name: param for param, _doc, _validator in checked}

    def check(values: dict[str, Any], errors: list[dict[str, Any]]) -> None:
        if is_valid(values):
            return
        for path, code, message, value in validator.explain(values):
            param = by_name[str(path[0])]
            errors.append(param.detail(path[1:], code, message, value))

    return check
