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

from covet.errors import HTTPError
from covet.media import Negotiator, Offer, accept_of, base_type
from covet.request import Request
from covet.response import Response, bytes_response, dump_json
from covet.spec.compiler import ResponseSpec

__all__ = ["Responder", "negotiate"]

logger = logging.getLogger("covet.endpoint")

class Responder:
    """Serializes one operation's results, negotiating by ``Accept`` among declared media types."""

    __slots__ = ("_negotiators", "default_status", "label", "qualname", "responses", "validate")

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
        # PERF: one negotiator per returned status, built here for the declared ones; another
        # status is added on first use (at most one per status, 100-599).
        self._negotiators: dict[int, Negotiator] = {}
        for status in {default_status, *(int(s) for s in responses if s.isdigit())}:
            self._negotiators[status] = _negotiator(responses, status)

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
        negotiator = self._negotiators.get(status) or self._negotiator_for(status)
        offer = negotiator.fast
        if offer is not None:
            # PERF: the only offer is JSON: without Accept (or with */*) nothing is parsed.
            accept = accept_of(request.scope)
            if accept is not None and accept != "*/*":
                offer = negotiator.choose(accept)
        elif negotiator.offers:
            offer = negotiator.choose(accept_of(request.scope))
        else:
            return _by_value(status, result)
        if offer.json:
            if self.validate:
                self._check(status, offer.media_type, result)
            return bytes_response(status, dump_json(result), offer.header)
        codec = offer.codec
        if codec is None:
            return _by_value(status, result)
        try:
            body = codec.encode(result)
        except TypeError as exc:
            raise TypeError(
                f"handler {self.qualname} returned {type(result).__name__} for a "
                f"{offer.media_type} response, which its codec cannot encode ({exc}); return "
                "what the codec takes (str/bytes for text and binary types) or a Response"
            ) from exc
        return bytes_response(status, body, offer.header)

    def _negotiator_for(self, status: int) -> Negotiator:
        negotiator = _negotiator(self.responses, status)
        if 100 <= status < 600:
            self._negotiators[status] = negotiator
        return negotiator

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


def _negotiator(responses: Mapping[str, ResponseSpec], status: int) -> Negotiator:
    spec = _response_spec(responses, status)
    if spec is None:
        return Negotiator(())
    offers = []
    for media_type in spec.media_types:
        codec = spec.codecs.get(media_type)
        json = codec is not None and _is_json(media_type)
        offers.append(Offer(media_type, _content_type_header(media_type), codec, json))
    return Negotiator(offers)


def _is_json(media_type: str) -> bool:
    base = base_type(media_type)
    return base == "application/json" or base.endswith("+json")


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


_JSON = (b"content-type", b"application/json")
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_OCTETS = (b"content-type", b"application/octet-stream")


def _by_value(status: int, result: Any) -> Response:
    """No media type declared (or a wildcard): JSON for data, text for str, bytes as they are."""
    if isinstance(result, str):
        return bytes_response(status, result.encode("utf-8"), _TEXT)
    if isinstance(result, bytes):
        return bytes_response(status, result, _OCTETS)
    return bytes_response(status, dump_json(result), _JSON)


def negotiate(offers: tuple[Offer, ...], accept: str | None) -> Offer:
    """The declared offer ``accept`` prefers (first declared on a tie); see covet.media.

    Raises:
        NotAcceptableError: the client accepts none of them.
    """
    return Negotiator(offers).choose(accept)
