"""``application/x-www-form-urlencoded`` bodies: fields -> an object typed by the body schema.

Only coercion happens here; the caller then validates the object with the body's
SchemaValidator. Text that does not coerce (or parse) stays text, so that check reports it
exactly once, with the schema's own message; the decoder itself returns no errors.

Per property: arrays are repeated keys (``tag=a&tag=b``) unless the Encoding Object says
``explode: false`` (then ``tag=a,b``, or the style's delimiter); object properties and
``contentType: application/json`` properties are parsed as JSON (OpenAPI's default content type
for objects); other fields are coerced like query parameters. Fields the schema does not declare
stay strings (a list when repeated), so ``additionalProperties`` still applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from covet.types import MISSING
from covet.validation._coerce import Coercer, SchemaReader, coerce, located
from covet.validation._styles import split

if TYPE_CHECKING:
    from covet.validation.schema import SchemaCompiler

FormDecoder = Callable[[Mapping[str, list[str]]], tuple[Any, list[dict[str, Any]]]]
Field = Callable[[list[str], list[dict[str, Any]]], Any]

_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def build_form_decoder(
    schema: Any,
    *,
    base: str,
    pointer: str,
    compiler: SchemaCompiler,
    encoding: Mapping[str, Any] | None,
) -> FormDecoder:
    """Build the per-request decoder for a urlencoded body (``parse_qs`` output in).

    Args:
        schema: the media type's schema (``$ref``s unresolved); ``pointer`` is where it is.
        encoding: the media type's Encoding Object map (property -> encoding), if any.

    Returns:
        ``decode(fields) -> (object, type errors)``; errors have location ``"body"``.
    """
    reader = SchemaReader(compiler.spec)
    encodings = encoding if isinstance(encoding, Mapping) else {}
    with located(base, pointer):
        fields = {
            name: _field(name, reader.coercer(sub, sub_file), encodings.get(name))
            for name, (sub, sub_file) in reader.properties(schema, base).items()
        }
    def decode(form: Mapping[str, list[str]]) -> tuple[Any, list[dict[str, Any]]]:
        errors: list[dict[str, Any]] = []
        out: dict[str, Any] = {}
        for name, values in form.items():
            value = fields.get(name, _extra_field)(values, errors)
            if value is not MISSING:
                out[name] = value
        return out, errors

    return decode


def _field(name: str, coercer: Coercer, encoding: Any) -> Field:
    spec = encoding if isinstance(encoding, Mapping) else {}
    content_type = str(spec.get("contentType", "")).split(";")[0].strip().lower()
    if coercer.kind == "object" or content_type == "application/json":
        return _json_field
    explode = spec.get("explode", spec.get("style", "form") == "form")
    sep = _DELIMITERS.get(str(spec.get("style", "form")), ",")

    def decode(values: list[str], errors: list[dict[str, Any]]) -> Any:
        raw: Any = values
        if coercer.kind == "array" and not explode:
            raw = [token for value in values for token in split(value, sep)]
        # NOTE: text that does not coerce stays text; the body check reports it, once.
        return coerce(coercer, raw, [name], [])

    return decode


def _json_field(values: list[str], errors: list[dict[str, Any]]) -> Any:
    try:
        return orjson.loads(values[-1])
    except orjson.JSONDecodeError:
        return values[-1]  # NOTE: stays text; the body check reports it against the schema.


def _extra_field(values: list[str], errors: list[dict[str, Any]]) -> Any:
    """A field the schema does not declare: its text, or its list of texts when repeated."""
    return values[-1] if len(values) == 1 else list(values)


__all__ = ["FormDecoder", "build_form_decoder"]
