"""Request-time twins of the docs routes: they only send what startup prepared.

``Dispatcher`` needs an endpoint to be awaitable with a ``Request`` and to carry ``label`` and
``max_body_size``; these two do no more than that. HEAD is GET without the body (the router
and ``send_response`` see to it); ``If-None-Match`` gets a 304.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

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
    """One body (the bundled spec, a page), sent with pre-encoded headers.

    ``extra_headers`` go out with the body (a page's Content-Security-Policy).

    ``body`` may be a function: it is then called on the first request and its bytes kept.
    PERF: the YAML copy of a 200-operation bundle takes ~80 ms to encode; doing that on first
    use keeps it out of startup and out of every hot reload.
    """

    __slots__ = (
        "_encode", "body", "etag", "extra_headers", "headers", "label", "max_body_size", "media_type"
    )
    operation_id = None
    """Not an operation: the access log and the metrics label it by :attr:`template`."""

    @property
    def template(self) -> str:
        """The route it is served at (``/openapi.json``), as the access log and metrics name it."""
        return self.label.partition(" ")[2] or self.label

    def __init__(
        self,
        body: bytes | Callable[[], bytes],
        media_type: str,
        *,
        label: str,
        extra_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self.label = label
        self.extra_headers = extra_headers
        self.max_body_size = 0
        self.media_type = media_type
        self.body = b""
        self.etag = ""
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self._encode: Callable[[], bytes] | None = None
        if isinstance(body, bytes):
            self._set_body(body)
        else:
            self._encode = body

    def _set_body(self, body: bytes) -> None:
        import hashlib

        self.body = body
        self.etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        self.headers = (
            (b"content-type", self.media_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
            (b"etag", self.etag.encode()),
            (b"cache-control", _REVALIDATE.encode()),
            *self.extra_headers,
        )

    async def __call__(self, request: Request) -> Response:
        if self._encode is not None:
            self._set_body(self._encode())
            self._encode = None
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
    operation_id = None
    """Not an operation: the access log and the metrics label it by :attr:`template`."""

    @property
    def template(self) -> str:
        """The route template (``/docs/static/{name}``)."""
        return self.label.partition(" ")[2] or self.label

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
