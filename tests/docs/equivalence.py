"""What a compiled operation does, with the names of its schema definitions factored out.

Bundling renames and moves schemas, so the compiled ``$defs`` keys differ; what must not differ
is the structure each schema expands to, which is what these helpers compare.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from covet.docs.encoding import encode_json
from covet.spec import SpecDocument, load_spec
from covet.spec.compiler import Operation, compile_operations
from covet.validation import SchemaValidator


def expand(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Inline ``#/$defs/...`` references (an alias is its target); a loop becomes ``"$loop"``."""
    if isinstance(node, list):
        return [expand(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    out = {k: expand(v, defs, stack) for k, v in node.items() if k not in _SKIPPED}
    if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
        return out
    key = ref[len("#/$defs/") :]
    target = "$loop" if key in stack else expand(defs[key], defs, (*stack, key))
    return {**out, "$target": target} if out else target


_SKIPPED = ("$ref", "$defs", "$schema")


def schema_shape(validator: SchemaValidator | None) -> Any:
    if validator is None:
        return None
    compiled = validator.compiled
    return expand(compiled, compiled.get("$defs", {}))


def operation_shape(operation: Operation) -> dict[str, Any]:
    body = operation.request_body
    return {
        "route": (operation.method, operation.path, operation.operation_id, operation.summary),
        "default_status": operation.default_status,
        "parameters": operation.parameters.specs,
        "body": None
        if body is None
        else (
            body.required,
            [(m.media_type, type(m.codec).__name__, schema_shape(m.validator)) for m in body.media],
        ),
        "responses": {
            status: (spec.media_types, {m: schema_shape(v) for m, v in spec.validators.items()})
            for status, spec in operation.responses.items()
        },
    }


def compiled_shapes(spec: SpecDocument) -> list[dict[str, Any]]:
    return [operation_shape(op) for op in compile_operations(spec, validate_responses=True)]


def load_bundle(bundle: dict[str, Any]) -> SpecDocument:
    """The bundle as a spec loaded (and validated) from a file of its own."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bundle.json")
        with open(path, "wb") as handle:
            handle.write(encode_json(bundle))
        return load_spec(path)
