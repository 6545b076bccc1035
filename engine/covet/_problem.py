"""Rendering an :class:`HTTPError` as the DESIGN.md §6 body, in a way that cannot fail.

Error details carry what a client sent (``value``), and a client can send anything: integers
past 64 bits, invalid text, 90,000 unknown fields, structures a thousand levels deep. So, while
rendering:

- at most ``max_details`` details are shown; past that one summary detail says how many more;
- every value is made JSON-safe and short: numbers past 64 bits, bytes, odd objects and deep or
  large structures become bounded strings, and every string is clipped;
- if rendering still fails (a header that cannot be encoded, a bug), the client gets a fixed,
  pre-encoded 500 body that still carries the trace id, and the failure is logged.
"""

from __future__ import annotations

import logging
import math
import reprlib
from collections.abc import Mapping
from typing import Any

import orjson

from covet.errors import HTTPError
from covet.response import Response, problem_body

__all__ = ["DEFAULT_MAX_DETAILS", "ProblemRenderer", "safe_value"]

logger = logging.getLogger("covet.error")

DEFAULT_MAX_DETAILS = 100
_TEXT_LIMIT = 200
"""Characters of a string in a detail (a value, a field name, a pointer)."""
_MESSAGE_LIMIT = 1000
"""Characters of a message or of the ``detail`` sentence."""
_VALUE_BYTES = 1024
"""A structured value larger than this, encoded, is shown as a clipped text instead."""
_INT_LIMIT = 2**64
_PROBLEM = (b"content-type", b"application/problem+json")
_FALLBACK_HEAD = (
    b'{"type":"about:blank","title":"Internal Server Error","status":500,'
    b'"error":"Internal Server Error","detail":"An unexpected error occurred while reporting '
    b'an error","details":[],"trace_id":"'
)
_FALLBACK_TAIL = b'"}'
_SAFE_TRACE = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._:-")

_repr = reprlib.Repr()
_repr.maxlevel = 3
_repr.maxstring = _TEXT_LIMIT
_repr.maxother = _TEXT_LIMIT
_repr.maxlong = 60


class ProblemRenderer:
    """Renders request errors for one app (``limits.max_error_details``)."""

    __slots__ = ("max_details",)

    def __init__(self, max_details: int = DEFAULT_MAX_DETAILS) -> None:
        self.max_details = max_details

    def render(self, exc: HTTPError, trace_id: str, route: Any = None) -> Response:
        """The problem+json response for ``exc``; never raises.

        ``route`` is the endpoint the request was routed to, when there is one (the
        ``errors:`` renderer of covet.error_bodies uses it; the problem body does not).
        """
        try:
            body = problem_body(exc.status, *self.parts(exc), trace_id)
            response = Response(body, exc.status, exc.headers)
        except Exception as failure:  # the error path must answer, whatever happened
            logger.error(
                "could not render a %s error (trace_id=%s)", exc.status, trace_id, exc_info=failure
            )
            return fallback_response(trace_id)
        response.raw_headers.append(_PROBLEM)
        return response

    def parts(self, exc: HTTPError) -> tuple[str, str, list[dict[str, Any]]]:
        """``(title, detail, details)`` of ``exc``, clipped and JSON-safe (may raise)."""
        title = _clip(str(exc.title))
        return title, _clip(str(exc.detail), _MESSAGE_LIMIT), self.details(exc.details)

    def details(self, details: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """At most ``max_details`` JSON-safe details, then a summary of the rest."""
        shown = [safe_detail(detail) for detail in details[: self.max_details]]
        hidden = len(details) - len(shown)
        if hidden > 0:
            shown.append(
                {"field": "", "location": "request", "pointer": "", "code": "moreErrors",
                 "message": f"{hidden} more problem{'s' if hidden != 1 else ''} not shown"}
            )
        return shown


def fallback_response(trace_id: str) -> Response:
    """The fixed 500 body, with only a safe trace id spliced in."""
    raw = trace_id.encode("ascii", "ignore")[:128]
    safe = bytes(byte for byte in raw if byte in _SAFE_TRACE)
    response = Response(_FALLBACK_HEAD + safe + _FALLBACK_TAIL, 500)
    response.raw_headers.append(_PROBLEM)
    return response


def safe_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in detail.items():
        name = _clip(str(key))
        if key == "value":
            out[name] = safe_value(value)
        elif key == "message":
            out[name] = _clip(str(value), _MESSAGE_LIMIT)
        elif isinstance(value, str):
            out[name] = _clip(value)
        else:
            out[name] = safe_value(value)
    return out


def safe_value(value: Any) -> Any:
    """``value`` if it encodes as short JSON, else a short text standing for it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -_INT_LIMIT < value < _INT_LIMIT else _int_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, bytes | bytearray):
        return _clip(bytes(value[: _TEXT_LIMIT * 4]).decode("utf-8", "replace"))
    if isinstance(value, list | tuple | dict):
        try:
            encoded = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            encoded = None
        if encoded is not None and len(encoded) <= _VALUE_BYTES:
            return orjson.loads(encoded)
    return _text_of(value)


def _int_text(value: int) -> str:
    try:
        text = str(value)
    except ValueError:  # more digits than int -> str allows
        return "an integer of more than 4300 digits"
    return _clip(text, 60)


def _text_of(value: Any) -> str:
    try:
        return _clip(_repr.repr(value))
    except Exception:  # noqa: BLE001 - a client value's own __repr__ may raise
        return f"<{type(value).__name__}>"


def _clip(text: str, limit: int = _TEXT_LIMIT) -> str:
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # NOTE: lone surrogates (from surrogateescape decoding) are not UTF-8; orjson refuses them.
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")
