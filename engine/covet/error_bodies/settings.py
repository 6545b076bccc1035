"""The ``errors:`` section of covet.yaml: the shape of every error body CovetPy sends.

    errors:
      format: problem                  # the default: RFC 9457 application/problem+json
    errors:
      renderer: myapi.errors:render    # or: a function of ErrorInfo -> the body the spec declares
      check: true                      # warn at startup when a declared 4xx schema is not met

See docs/errors.md and :mod:`covet.error_bodies.renderer`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator, model_validator

from covet._settings import Settings

__all__ = ["ErrorsSettings"]

_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class ErrorsSettings(Settings):
    """Which body an error gets, and whether startup checks it against the spec."""

    format: Literal["problem"] | None = None
    """``problem`` (the default): the DESIGN.md §6 ``application/problem+json`` body."""
    renderer: str | None = None
    """``"module:function"`` called with an :class:`~covet.error_bodies.ErrorInfo` for every
    error; it returns the body (and optionally the media type). Imported once at startup."""
    check: bool = True
    """Build a sample error body for each 4xx each operation declares and log a warning when
    it does not match the declared schema (``covet validate`` reports it regardless)."""

    @field_validator("renderer")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not _REF.match(value):
            raise ValueError(
                f"{value!r} is not 'package.module:function' (e.g. myapi.errors:render)"
            )
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> ErrorsSettings:
        if self.format is not None and self.renderer is not None:
            raise ValueError(
                "give either format: problem or renderer: module:function, not both"
            )
        return self

    @property
    def custom(self) -> bool:
        """True when a renderer replaces the problem body."""
        return self.renderer is not None
