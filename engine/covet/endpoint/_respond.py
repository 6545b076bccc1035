"""A handler's return value as a response (DESIGN.md §5 conventions), and ``Accept`` negotiation.

Returns: a :class:`~covet.response.Response` as is; ``value``; ``(value, status)``;
``(value, status, headers)``; ``None`` for an empty body. The media type comes from the spec's
response for that status (negotiated when it declares several), else from the value's type.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson

from covet.errors import HTTPError, NotAcceptableError
from covet.request import Request
from covet.response import Response, bytes_response, dump_json
from covet.spec.compiler import ResponseSpec

__all__ = ["Responder", "negotiate"]

logger = logging.getLogger("covet.endpoint")

MediaChoice = tuple[str, tuple[bytes, bytes]]


class Responder:
    """Serializes one operation's results."""

    __slots__ = ("_media_cache", "default_status", "label", "qualname", "responses", "validate")

    def __init__(
        self,
        responses: Mapping[str, ResponseSpec],
        default_status: int,
        *,
        qualname: str,
        label: str,
        validate: bool = False,
    ) -> None:
        self.responses = responses
        self.default_status = default_status
        self.qualname = qualname
        self.label = label
        self.validate = validate
        # PERF: media types per returned status, filled on first use (at most one per status).
        self._media_cache: dict[int, tuple[MediaChoice, ...]] = {}

    def __call__(self, result: Any, request: Request) -> Response:
        if isinstance(result, Response):
            return result
        status = self.default_status
        headers: Mapping[str, str] | None = None
        if type(result) is tuple:
            result, status, *rest = result
            headers = rest[0] if rest else None
        if result is None:
            response = Response(None, status, headers)
        else:
            response = self._serialize(result, status, request)
            if headers:
                for name, value in headers.items():
                    response.set_header(name, value)
        return response

    def _serialize(self, result: Any, status: int, request: Request) -> Response:
        candidates = self._media_for(status)
        if len(candidates) > 1:
            media_type, header = negotiate(candidates, request.headers.get("accept"))
        elif candidates:
            media_type, header = candidates[0]
        else:
            media_type, header = _media_by_value(result)
        if media_type.endswith("json") or media_type in ("*/*", "application/*"):
            if self.validate:
                self._check(status, media_type, result)
            if media_type in ("*/*", "application/*"):
                media_type, header = _media_by_value(result)
                if media_type != "application/json":
                    return bytes_response(status, _as_bytes(result), header)
            return bytes_response(status, dump_json(result), header)
        if isinstance(result, (str, bytes)):
            return bytes_response(status, _as_bytes(result), header)
        raise TypeError(
            f"handler {self.qualname} returned {type(result).__name__} for a "
            f"{media_type} response; return str/bytes or a Response"
        )

    def _media_for(self, status: int) -> tuple[MediaChoice, ...]:
        cached = self._media_cache.get(status)
        if cached is None:
            spec = _response_spec(self.responses, status)
            media_types = spec.media_types if spec is not None else ()
            cached = tuple((m, _content_type_header(m)) for m in media_types)
            if 100 <= status < 600:
                self._media_cache[status] = cached
        return cached

    def _check(self, status: int, media_type: str, result: Any) -> None:
        spec = _response_spec(self.responses, status)
        validator = spec.validators.get(media_type) if spec is not None else None
        if validator is None:
            return
        data = orjson.loads(dump_json(result))
        problems = validator.errors(data)
        if problems:
            logger.error("response of %s does not match its schema: %s", self.label, problems)
            raise HTTPError("Response validation failed", status=500, title="Internal Server Error")


def _response_spec(responses: Mapping[str, ResponseSpec], status: int) -> ResponseSpec | None:
    return (
        responses.get(str(status))
        or responses.get(f"{status // 100}XX")
        or responses.get(f"{status // 100}xx")
        or responses.get("default")
    )


def _content_type_header(media_type: str) -> tuple[bytes, bytes]:
    value = media_type
    if media_type.startswith("text/") and "charset" not in media_type:
        value += "; charset=utf-8"
    return (b"content-type", value.encode("latin-1"))


_JSON = ("application/json", (b"content-type", b"application/json"))
_TEXT = ("text/plain", (b"content-type", b"text/plain; charset=utf-8"))
_OCTETS = ("application/octet-stream", (b"content-type", b"application/octet-stream"))


def _media_by_value(result: Any) -> MediaChoice:
    if isinstance(result, str):
        return _TEXT
    if isinstance(result, bytes):
        return _OCTETS
    return _JSON


def _as_bytes(result: str | bytes) -> bytes:
    return result.encode("utf-8") if isinstance(result, str) else result


def negotiate(candidates: tuple[MediaChoice, ...], accept: str | None) -> MediaChoice:
    """Pick the declared media type the ``Accept`` header prefers (first declared on a tie).

    Raises:
        NotAcceptableError: the client accepts none of the declared types.
    """
    if not accept:
        return candidates[0]
    best: tuple[float, int] | None = None
    chosen = None
    for index, candidate in enumerate(candidates):
        quality = _quality(candidate[0], accept)
        if quality > 0 and (best is None or (quality, -index) > best):
            best, chosen = (quality, -index), candidate
    if chosen is None:
        declared = ", ".join(c[0] for c in candidates)
        raise NotAcceptableError(f"This operation can answer with: {declared}")
    return chosen


def _quality(media_type: str, accept: str) -> float:
    kind = media_type.split("/", 1)[0]
    best = 0.0
    best_specificity = -1
    for item in accept.split(","):
        value, *params = (p.strip() for p in item.split(";"))
        value = value.lower()
        if value == media_type:
            specificity = 2
        elif value == f"{kind}/*":
            specificity = 1
        elif value == "*/*":
            specificity = 0
        else:
            continue
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if specificity > best_specificity:
            best, best_specificity = quality, specificity
    return best
