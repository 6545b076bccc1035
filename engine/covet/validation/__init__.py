"""Per-operation validators built at startup: JSON Schema bodies and decoded parameters."""

from __future__ import annotations

from covet.validation.parameters import (
    ParameterSpec,
    ParametersValidator,
    build_form_decoder,
    build_parameters,
)
from covet.validation.schema import SchemaCompiler, SchemaValidator

__all__ = [
    "ParameterSpec",
    "ParametersValidator",
    "SchemaCompiler",
    "SchemaValidator",
    "build_form_decoder",
    "build_parameters",
]
