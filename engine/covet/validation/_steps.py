"""Per-parameter decode steps: closures built at startup, run per request.

A step reads its parameter from the request's sources, decodes the style, coerces by the
schema's types, stores the value under the Python name and (when the plan says so) runs the
parameter's schema check; every problem is appended to the request's error list.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from covet.media import DecodeError, JSONDecoder
from covet.types import MISSING
from covet.validation import _errors, _styles
from covet.validation._checks import CheckPlan
from covet.validation._coerce import coerce
from covet.validation._keywords import INTEGER_FORMATS
from covet.validation._param import Param
from covet.validation._styles import Sources
from covet.validation.schema import SchemaValidator

Values = dict[str, Any]
Errors = list[dict[str, Any]]
Step = Callable[[Sources, Values, Errors], None]

_IMMUTABLE = (str, int, float, bool, type(None))


def make_step(param: Param, claimed: set[str], plan: CheckPlan) -> Step:
    inline = plan.inline(param.python_name)
    if param.media_type is None and param.coercer.kind == "scalar":
        if param.location == "query" and param.style != "deepObject":
            return _query_scalar_step(param, inline)
        if param.location != "path" or param.style == "simple":
            return _plain_scalar_step(param, inline)
    explain = plan.validators.get(param.python_name)
    return _generic_step(param, _reader(param, claimed), inline, explain)


def _on_missing(param: Param) -> Callable[[dict[str, Any], list[dict[str, Any]]], None]:
    """What an absent parameter means: an error, its default, or nothing."""
    pname, default = param.python_name, param.default
    if param.required:
        message = f"Missing required {param.location} parameter '{param.name}'"
        detail = param.detail((), "missing", message, MISSING)
        return lambda values, errors: errors.append(dict(detail))
    if default is MISSING:
        return lambda values, errors: None
    if isinstance(default, _IMMUTABLE):
        return lambda values, errors: values.__setitem__(pname, default)
    return lambda values, errors: values.__setitem__(pname, copy.deepcopy(default))


def _source_key(param: Param) -> tuple[int, str]:
    key = param.name.lower() if param.location == "header" else param.name
    return _styles.SOURCE_INDEX[param.location], key


def _plain_scalar_step(param: Param, validator: SchemaValidator | None) -> Step:
    """PERF: one scalar as sent (simple path, header, cookie): a lookup, a cast, a check."""
    index, key = _source_key(param)
    pname, name, cast = param.python_name, param.name, param.coercer.cast
    missing, type_error = _on_missing(param), _type_error(param)
    is_valid = validator.is_valid if validator is not None else None

    def step(sources: Sources, values: Values, errors: Errors) -> None:
        raw: Any = sources[index].get(key)
        if raw is None:
            missing(values, errors)
            return
        if cast is not None:
            try:
                raw = cast(raw)
            except ValueError:
                errors.append(type_error(raw))
                return
        values[pname] = raw
        if is_valid is not None and not is_valid(raw):
            _explain(validator, raw, name, errors)

    return step


def _query_scalar_step(param: Param, validator: SchemaValidator | None) -> Step:
    """PERF: like :func:`_plain_scalar_step`, for the last value of a query key."""
    pname, name, key = param.python_name, param.name, param.name
    cast, missing, type_error = param.coercer.cast, _on_missing(param), _type_error(param)
    allow_empty = param.spec.obj.get("allowEmptyValue") is True
    empty = param.detail((), "allowEmptyValue", _styles.EMPTY_MESSAGE, "")
    is_valid = validator.is_valid if validator is not None else None

    def step(sources: Sources, values: Values, errors: Errors) -> None:
        found = sources[1].get(key)
        if not found:
            missing(values, errors)
            return
        raw: Any = found[-1]
        if not raw and not allow_empty:
            errors.append(dict(empty))
            return
        if cast is not None:
            try:
                raw = cast(raw)
            except ValueError:
                errors.append(type_error(raw))
                return
        values[pname] = raw
        if is_valid is not None and not is_valid(raw):
            _explain(validator, raw, name, errors)

    return step


def _explain(validator: SchemaValidator | None, value: Any, name: str, errors: Errors) -> None:
    if validator is not None:
        errors.extend(validator.details(value, (name,)))


def _type_error(param: Param) -> Callable[[str], dict[str, Any]]:
    expected = param.coercer.expected
    integer = param.coercer.produces == {"integer"}
    schema = param.schema if isinstance(param.schema, dict) else {}
    low, high = INTEGER_FORMATS.get(str(schema.get("format")), INTEGER_FORMATS["int64"])

    def detail(raw: str) -> dict[str, Any]:
        if integer and _integral(raw):
            # digits past 64 bits: say the range, not "expected integer"
            if raw.startswith("-"):
                return param.detail((), "minimum", f"Must be greater than or equal to {low}", raw)
            return param.detail((), "maximum", f"Must be less than or equal to {high}", raw)
        return param.detail((), "type", f"Expected {expected}, got {_errors.show(raw)}", raw)

    return detail


def _integral(raw: str) -> bool:
    return raw.isascii() and (raw.isdigit() or (raw[:1] == "-" and raw[1:].isdigit()))


def _offending(raw: Any) -> Any:
    """The value to echo in a style error: a query parameter's last text, else the raw text."""
    return raw[-1] if isinstance(raw, list) and raw else raw


def _reader(param: Param, claimed: set[str]) -> _styles.Reader:
    location, name, style, explode = param.location, param.name, param.style, param.explode
    shape = "scalar" if param.media_type else param.coercer.kind
    properties = tuple(param.coercer.props)
    if location == "query":
        return _styles.query_decoder(
            style, explode, shape, name, allow_empty=param.spec.obj.get("allowEmptyValue") is True,
            properties=properties, claimed=claimed - {name},
        )
    if location == "cookie" and shape == "object" and explode:
        return lambda sources: _styles.gather(sources[_styles.COOKIE], properties, claimed - {name})
    if location == "path":
        decode = _styles.path_decoder(style, explode, shape, name)
    else:
        decode = _styles.simple_decoder(explode, shape, strip=location == "header")
    index, key = _source_key(param)

    def read(sources: _styles.Sources) -> Any:
        text: Any = sources[index].get(key)
        return MISSING if text is None else decode(text)

    return read


def _generic_step(
    param: Param,
    read: _styles.Reader,
    validator: SchemaValidator | None,
    explain: SchemaValidator | None,
) -> Step:
    """Any style and shape: read (style) -> coerce (tree) or parse (content) -> check.

    ``validator`` checks every decoded value; ``explain`` (the same schema) only a value that
    did not fully coerce, so that its other problems are reported too.
    """
    pname, name, coercer = param.python_name, param.name, param.coercer
    missing = _on_missing(param)
    parse = _content_parser(param.media_type)
    index, key = _source_key(param)

    def step(sources: Sources, values: Values, errors: Errors) -> None:
        try:
            raw = read(sources)
        except _styles.StyleError as exc:
            offending = _offending(sources[index].get(key, MISSING))
            errors.append(param.detail((), exc.code, exc.message, offending))
            return
        if raw is MISSING:
            missing(values, errors)
            return
        problems: list[tuple[list[Any], str, Any]] = []
        value = parse(raw, problems) if parse else coerce(coercer, raw, [], problems)
        if problems:
            _report_partial(param, problems, value, explain, errors, "parse" if parse else "type")
            return
        values[pname] = value
        if validator is not None and not validator.is_valid(value):
            errors.extend(validator.details(value, (name,)))

    return step


def _report_partial(
    param: Param,
    problems: list[tuple[list[Any], str, Any]],
    value: Any,
    explain: SchemaValidator | None,
    errors: list[dict[str, Any]],
    code: str,
) -> None:
    """Coercion errors, plus the schema's errors at every *other* place of the value."""
    reported = [param.detail(path, code, message, bad) for path, message, bad in problems]
    errors.extend(reported)
    if value is MISSING or explain is None or explain.is_valid(value):
        return
    taken = {detail["pointer"] for detail in reported}
    errors.extend(d for d in explain.details(value, (param.name,)) if d["pointer"] not in taken)


def _content_parser(
    media_type: str | None,
) -> Callable[[Any, list[tuple[list[Any], str, Any]]], Any] | None:
    """``content`` parameters: JSON media types are parsed, others stay text."""
    if media_type is None:
        return None
    is_json = media_type == "application/json" or media_type.endswith("+json")
    decoder = JSONDecoder(max_depth=_styles.MAX_DEPTH)

    def parse(raw: Any, problems: list[tuple[list[Any], str, Any]]) -> Any:
        if not is_json:
            return raw
        try:
            return decoder.decode(raw)
        except DecodeError as exc:
            problems.append(([], f"{exc.message}: {_errors.show(raw)}", raw))
            return MISSING

    return parse
