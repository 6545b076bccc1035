"""A fast path for openapi-spec-validator's per-schema meta-check of OpenAPI 3.1/3.2 schemas.

PERF: for 3.1 and 3.2 the library checks every Schema Object against the OAS JSON Schema
2020-12 dialect with the pure-Python ``jsonschema``, about 9 ms per component schema: 3.2 s of
the 3.6 s Adyen CheckoutService (373 schemas) takes to validate. jsonschema-rs checks the
same schema against the same meta-schemas in about 0.1 ms.

Correctness is kept by trusting jsonschema-rs only when it *accepts* a schema; when it rejects
one, the library's own Python check runs and produces the error, so every reported error is the
library's. The ``format`` keywords of the meta-schemas (``regex``, ``uri-reference``...) are
checked by the library's Python format checker in both engines, so the engines differ in
nothing but speed; tests/spec/test_metacheck.py compares their verdicts over every schema of
the corpus.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema_path import SchemaPath
from openapi_schema_validator import (
    OAS31_BASE_DIALECT_ID,
    OAS32_BASE_DIALECT_ID,
    oas31_format_checker,
    oas32_format_checker,
)
from openapi_schema_validator._specifications import REGISTRY as OAS_SCHEMAS
from openapi_schema_validator.validators import OAS31Validator, OAS32Validator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.validation.keywords import (
    OpenAPIV31SchemaValidator,
    OpenAPIV32SchemaValidator,
)

__all__ = ["FastMetaCheckV31SchemaValidator", "FastMetaCheckV32SchemaValidator", "rust_accepts"]

# Every format name JSON Schema defines: each is delegated to the Python checker, which
# accepts a format it has no checker for, exactly as the Python engine does.
_FORMATS = (
    "date", "date-time", "time", "duration", "email", "idn-email", "hostname",
    "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference",
    "uuid", "uri-template", "json-pointer", "relative-json-pointer", "regex",
)  # fmt: skip
_OAS_PREFIX = "https://spec.openapis.org/oas/"


def _format_functions(checker: FormatChecker) -> dict[str, Callable[[Any], bool]]:
    return {name: functools.partial(_conforms, checker, name) for name in _FORMATS}


def _conforms(checker: FormatChecker, name: str, value: Any) -> bool:
    return bool(checker.conforms(value, name))


@functools.cache
def _rust_meta_validator(dialect_id: str) -> Any:
    """jsonschema-rs validator for one OAS dialect meta-schema (built once per process)."""
    meta_schema, checker = _DIALECTS[dialect_id]
    resources = [
        (uri, OAS_SCHEMAS.contents(uri)) for uri in OAS_SCHEMAS if uri.startswith(_OAS_PREFIX)
    ]
    return jsonschema_rs.validator_for(
        meta_schema,
        registry=jsonschema_rs.Registry(resources),
        validate_formats=True,
        formats=_format_functions(checker),
    )


_DIALECTS: dict[str, tuple[Any, FormatChecker]] = {
    OAS31_BASE_DIALECT_ID: (OAS31Validator.META_SCHEMA, oas31_format_checker),
    OAS32_BASE_DIALECT_ID: (OAS32Validator.META_SCHEMA, oas32_format_checker),
}


def rust_accepts(dialect_id: str, schema_value: Any) -> bool:
    """True when jsonschema-rs finds ``schema_value`` valid under the dialect; False when it
    does not, or cannot tell (unknown dialect, a value it cannot convert)."""
    if dialect_id not in _DIALECTS:
        return False
    try:
        return bool(_rust_meta_validator(dialect_id).is_valid(schema_value))
    except Exception:  # noqa: BLE001  NOTE: e.g. float('inf') has no JSON form; Python decides
        return False


class FastMetaCheckV31SchemaValidator(OpenAPIV31SchemaValidator):
    """The library's 3.1 schema keyword validator, meta-checking through jsonschema-rs first."""

    def _validate_schema_meta(
        self, schema: SchemaPath, schema_value: Any
    ) -> OpenAPIValidationError | None:
        try:
            dialect_id = self._get_schema_dialect_id(schema, schema_value)
        except ValueError:
            dialect_id = ""
        if rust_accepts(dialect_id, schema_value):
            return None
        return super()._validate_schema_meta(schema, schema_value)


class FastMetaCheckV32SchemaValidator(OpenAPIV32SchemaValidator, FastMetaCheckV31SchemaValidator):
    """The same fast path for 3.2 (whose default dialect is the 3.2 one)."""
