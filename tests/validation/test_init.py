"""The covet.validation public surface is a reviewed list."""

from __future__ import annotations

import covet.validation


def test_public_api_is_pinned() -> None:
    assert sorted(covet.validation.__all__) == [
        "ParameterSpec",
        "ParametersValidator",
        "SchemaCompiler",
        "SchemaValidator",
        "build_form_decoder",
        "build_parameters",
    ]
    assert all(hasattr(covet.validation, name) for name in covet.validation.__all__)
