"""Decode and validate an operation's parameters (path, query, header, cookie).

At startup :func:`build_parameters` turns each Parameter Object into one *step* (read the raw
text by location and style, coerce it by the schema's types) and decides which parameters still
need the full schema check. Per request :meth:`ParametersValidator.decode` runs the steps, then
the checks, and reports every problem at once.

Decisions (also in docs):

- a missing required parameter is code ``"missing"`` (the body uses the same code);
- a value that does not coerce is code ``"type"`` with the raw text as ``value``;
- text that does not have the declared style's shape is code ``"style"``;
- an empty query value (``?q=``) is code ``"allowEmptyValue"`` unless the parameter sets
  ``allowEmptyValue: true``; then ``""`` is coerced like any text (a string stays ``""``, a
  nullable type becomes None, an integer is a ``"type"`` error);
- header parameters named Accept, Content-Type or Authorization are ignored, as OpenAPI says;
- two parameters whose Python names collide (``X-Id`` header and ``x_id`` query) are a
  SpecError: handlers receive values by Python name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from covet.validation._checks import Check, build_check
from covet.validation._coerce import SchemaReader
from covet.validation._form import build_form_decoder
from covet.validation._param import ParameterSpec, check_python_names, ignored, prepare
from covet.validation._query_keys import QueryKeys, query_keys
from covet.validation._steps import Step, make_step
from covet.validation.schema import SchemaCompiler

__all__ = [
    "ParameterInfo",
    "ParameterSpec",
    "ParametersValidator",
    "build_form_decoder",
    "build_parameters",
]

ParameterInfo = tuple[str, str, str, bool, str | None]
"""(python_name, location, name, required, schema JSON type or None)."""

_LOCATION_RANK = {"path": 0, "query": 1, "header": 2, "cookie": 3}


class ParametersValidator:
    """Decodes and validates one operation's parameters per request.

    Attributes:
        specs: ``(python_name, location, name, required, json_type)`` per parameter.
        query_keys: the query keys the parameters read (for ``strict_query``).

    Example:
        >>> values, errors = validator.decode({"id": "5"}, {"limit": ["10"]}, {}, {})
        >>> values
        {'id': 5, 'limit': 10}
    """

    __slots__ = ("_check", "_steps", "query_keys", "specs")

    def __init__(
        self,
        specs: tuple[ParameterInfo, ...],
        steps: tuple[Step, ...],
        check: Check | None,
        query_keys: QueryKeys | None = None,
    ) -> None:
        self.specs = specs
        self._steps = steps
        self._check = check
        self.query_keys = query_keys or QueryKeys()

    def decode(
        self,
        path_params: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Values keyed by Python name, and every error (sorted by location, pointer, code).

        Args:
            path_params: the router's (percent-decoded) path parameter values.
            query: ``parse_qs(query_string, keep_blank_values=True)``.
            headers: lower-cased header names -> values.
            cookies: cookie names -> values.
        """
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        sources = (path_params, query, headers, cookies)
        # PERF: one precompiled closure per parameter; no spec or schema is read here.
        for step in self._steps:
            step(sources, values, errors)
        if self._check is not None:
            self._check(values, errors)
        if errors:
            errors.sort(key=_error_order)
        return values, errors


def _error_order(detail: dict[str, Any]) -> tuple[int, str, str]:
    return _LOCATION_RANK.get(detail["location"], 9), detail["pointer"], detail["code"]


def build_parameters(
    params: Sequence[ParameterSpec], compiler: SchemaCompiler
) -> ParametersValidator:
    """Compile an operation's (merged, dereferenced) parameters into a ParametersValidator.

    Raises:
        SpecError: a Parameter Object is malformed, uses a style its location does not allow,
            has an invalid schema, or two parameters share a Python name.
    """
    reader = SchemaReader(compiler.spec)
    prepared = [prepare(spec, reader) for spec in params if not ignored(spec.obj)]
    check_python_names(prepared)
    claimed = {p.name for p in prepared if p.location in ("query", "cookie")}
    plan = build_check(prepared, compiler)
    steps = tuple(make_step(p, claimed, plan) for p in prepared)
    specs = tuple((p.python_name, p.location, p.name, p.required, p.json_type) for p in prepared)
    return ParametersValidator(specs, steps, plan.combined, query_keys(prepared))
