"""Reading a request body as the operation declares it: select the media type, decode, validate.

Errors are collected, not raised, so a bad body is reported together with bad parameters; the
endpoint turns the collected list into one 400, 415 or 422 (:func:`validation_error`).
"""

from __future__ import annotations

from typing import Any

from covet.errors import (
    BadRequestError,
    HTTPError,
    RequestValidationError,
    UnsupportedMediaTypeError,
)
from covet.media import DecodeError
from covet.request import Request
from covet.spec.compiler import MediaBody, RequestBodySpec

__all__ = ["STOP_CODES", "BodyReader", "detail", "redact", "validation_error"]

_BAD_REQUEST_CODES = frozenset({"parse", "maxDepth", "encoding", "duplicateKey"})
_MEDIA_TYPE = "mediaType"
STOP_CODES = _BAD_REQUEST_CODES | {_MEDIA_TYPE}
"""Codes after which the body checks (which may query a database) do not run."""


class BodyReader:
    """How one operation reads its body: the declared media types, each with its codec."""

    __slots__ = ("spec",)

    def __init__(self, spec: RequestBodySpec) -> None:
        self.spec = spec

    async def read(self, request: Request, errors: list[dict[str, Any]]) -> Any:
        """The decoded, validated body (``None`` when absent); problems go to ``errors``."""
        raw = await request.body()
        spec = self.spec
        if not raw:
            if spec.required:
                errors.append(detail("", "Request body is required", "missing"))
            return None
        content_type = request.content_type
        media = spec.select(content_type)
        if media is None:
            # NOTE: reported with the request's other errors (path, query, headers), as a 415.
            declared = ", ".join(m.media_type for m in spec.media)
            message = f"Content-Type {content_type or '(none)'!r} is not accepted here; send one of: {declared}"
            errors.append(detail("", message, _MEDIA_TYPE, content_type))
            return None
        return self.parse(media, raw, errors)

    def parse(self, media: MediaBody, raw: bytes, errors: list[dict[str, Any]]) -> Any:
        try:
            value = media.codec.decode(raw)
        except DecodeError as exc:
            errors.append(detail("", f"Body: {exc.message}", exc.code))
            return None
        if media.validator is not None:
            found = media.validator.errors(value)
            if found and media.secrets:
                found = [redact(detail, media.secrets) for detail in found]
            errors.extend(found)
        return value


_REDACTED = "(redacted)"


def redact(found: dict[str, Any], secrets: frozenset[str]) -> dict[str, Any]:
    """``found`` without the value of a secret field (``format: password``, ``writeOnly``), and
    with the value cut out of its message too."""
    parts = found.get("pointer", "").split("/")
    if secrets.isdisjoint(part.replace("~1", "/").replace("~0", "~") for part in parts):
        return found
    clean = dict(found)
    value = clean.pop("value", None)
    if value is not None:
        message = str(clean.get("message", ""))
        # NOTE: messages quote a value only as show() renders it (JSON, cut at 60 characters)
        clean["message"] = message.replace(_json_text(value), _REDACTED)
    return clean


def _json_text(value: Any) -> str:
    from covet.validation._errors import show

    return show(value)


def detail(pointer: str, message: str, code: str, value: Any = None) -> dict[str, Any]:
    """One field error of the body, in the DESIGN.md §6 shape."""
    found: dict[str, Any] = {
        "field": pointer.lstrip("/").replace("/", "."),
        "location": "body",
        "pointer": pointer,
        "message": message,
        "code": code,
    }
    if value is not None:
        found["value"] = value
    return found


def validation_error(errors: list[dict[str, Any]]) -> HTTPError:
    """400 if anything could not be parsed, else 415 for a refused media type, else 422."""
    codes = {e.get("code") for e in errors}
    if not codes.isdisjoint(_BAD_REQUEST_CODES):
        return BadRequestError("The request could not be parsed", details=errors)
    if _MEDIA_TYPE in codes:
        media = next(e for e in errors if e.get("code") == _MEDIA_TYPE)
        return UnsupportedMediaTypeError(media["message"], details=errors)
    count = len(errors)
    return RequestValidationError(
        f"{count} problem{'s' if count != 1 else ''} with the request", details=errors
    )
