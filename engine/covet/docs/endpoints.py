"""Request-time twins of the docs routes: they only send what startup prepared.

``Dispatcher`` needs an endpoint to be awaitable with a ``Request`` and to carry ``label`` and
``max_body_size``; these two do no more than that. HEAD is GET without the body (the router
and ``send_response`` see to it); ``If-None-Match`` gets a 304.
"""

from __future__ import annotations

from collections.abc import Mapping

from covet.docs.assets import Asset
from covet.errors import NotFoundError
from covet.request import Request
from covet.response import FileResponse, Response

__all__ = ["AssetsEndpoint", "DocumentEndpoint", "etag_matches"]

_REVALIDATE = "no-cache"
_IMMUTABLE = "public, max-age=31536000, immutable"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` header with one ETag."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _not_modified(etag: str, cache_control: str) -> Response:
    response = Response(None, 304)
    response.raw_headers = [
        (b"etag", etag.encode("latin-1")),
        (b"cache-control", cache_control.encode()),
    ]
    return response


class DocumentEndpoint:
    """One body computed at startup (the bundled spec, a page), sent with pre-encoded headers."""

    __slots__ = ("body", "etag", "headers", "label", "max_body_size")

    def __init__(self, body: bytes, media_type: str, *, label: str) -> None:
        import hashlib

        self.body = body
        self.etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        self.label = label
        self.max_body_size = 0
        self.headers: tuple[tuple[bytes, bytes], ...] = (
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
            (b"etag", self.etag.encode()),
            (b"cache-control", _REVALIDATE.encode()),
        )

    async def __call__(self, request: Request) -> Response:
        if etag_matches(request.headers.get("if-none-match"), self.etag):
            return _not_modified(self.etag, _REVALIDATE)
        response = Response.__new__(Response)
        response.status_code = 200
        response.body = self.body
        response.media_type = None
        response.stream = None
        response.raw_headers = list(self.headers)
        return response


class AssetsEndpoint:
    """``.../static/{name}``: a file of a fixed map, or 404; nothing else is reachable."""

    __slots__ = ("assets", "label", "max_body_size")

    def __init__(self, assets: Mapping[str, Asset], *, label: str) -> None:
        self.assets = assets
        self.label = label
        self.max_body_size = 0

    async def __call__(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params.get("name", ""))
        if asset is None:
            raise NotFoundError(f"No documentation asset at {request.path}")
        versioned = request.scope.get("query_string", b"") == f"v={asset.version}".encode()
        cache_control = _IMMUTABLE if versioned else _REVALIDATE
        if etag_matches(request.headers.get("if-none-match"), asset.etag):
            return _not_modified(asset.etag, cache_control)
        headers = {
            "etag": asset.etag,
            "cache-control": cache_control,
            "x-content-type-options": "nosniff",
        }
        if asset.path is not None:
            return FileResponse(asset.path, headers=headers, media_type=asset.media_type)
        return Response(asset.body, headers=headers, media_type=asset.media_type)
