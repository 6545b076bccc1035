"""Error bodies in the client's format: problem+json as XML or MessagePack when asked for.

The error renderers (covet._problem, covet.error_bodies) always produce the DESIGN.md §6
problem document as ``application/problem+json``. A client whose ``Accept`` prefers XML or
MessagePack over JSON (``Accept: application/xml`` alone, say) gets the same document as
``application/problem+xml`` (RFC 7807 Appendix A: root ``problem`` in ``urn:ietf:rfc:7807``,
array members as ``i`` elements) or as ``application/problem+msgpack``. Anything else, a client
that accepts none of these included, keeps the JSON body: an error is never turned into a 406.
A custom ``errors.renderer`` body (not problem+json) is sent as the renderer made it.
"""

from __future__ import annotations

import logging

import orjson

from covet.media._msgpack import MessagePackCodec
from covet.media._negotiation import Negotiator, Offer, accept_of
from covet.media._xml import XMLCodec
from covet.response import Response
from covet.types import Scope

__all__ = ["ErrorFormats"]

logger = logging.getLogger("covet.error")

_PROBLEM_JSON = b"application/problem+json"
_PROBLEM_NS = "urn:ietf:rfc:7807"


class ErrorFormats:
    """Re-encodes problem+json error responses by the request's ``Accept`` (one per app)."""

    __slots__ = ("negotiator",)

    def __init__(self) -> None:
        json = Offer("application/problem+json", (b"content-type", _PROBLEM_JSON), None, json=True)
        xml = XMLCodec(root="problem", namespace=_PROBLEM_NS, item="i")
        msgpack = MessagePackCodec()
        offers = [
            json,
            Offer("application/json", json.header, None, json=True),
            Offer("application/problem+xml", (b"content-type", b"application/problem+xml"), xml),
            Offer("application/xml", (b"content-type", b"application/problem+xml"), xml),
            Offer("text/xml", (b"content-type", b"application/problem+xml"), xml),
            Offer("application/problem+msgpack",
                  (b"content-type", b"application/problem+msgpack"), msgpack),
            Offer("application/msgpack", (b"content-type", b"application/problem+msgpack"), msgpack),
            Offer("application/x-msgpack", (b"content-type", b"application/problem+msgpack"), msgpack),
            Offer("application/vnd.msgpack", (b"content-type", b"application/problem+msgpack"), msgpack),
        ]
        self.negotiator = Negotiator(offers)

    def __call__(self, response: Response, scope: Scope) -> Response:
        """``response`` as the client accepts it (the same object when nothing changes)."""
        accept = accept_of(scope)
        if accept is None or "json" in accept and "xml" not in accept and "msgpack" not in accept:
            return response
        try:
            offer = self.negotiator.choose(accept)
        except Exception:  # noqa: BLE001 - NotAcceptableError: none of ours; keep the JSON body
            return response
        if offer.json or response.stream is not None:
            return response
        headers = response.raw_headers
        if (b"content-type", _PROBLEM_JSON) not in headers:
            return response
        try:
            body = offer.codec.encode(orjson.loads(response.body))
        except Exception as failure:  # the error path must answer: keep the JSON body
            logger.error("could not encode an error body as %s", offer.media_type, exc_info=failure)
            return response
        converted = Response(body, response.status_code)
        converted.raw_headers = [
            *(h for h in headers if h[0] not in (b"content-type", b"content-length")),
            offer.header, (b"content-length", str(len(body)).encode()),
        ]
        return converted
