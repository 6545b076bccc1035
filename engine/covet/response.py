"""Responses: a status, pre-encoded headers and a body (bytes or an async stream).

Responses are plain values; ``covet.asgi`` is what sends them.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any

import orjson

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "Response",
    "StreamingResponse",
    "bytes_response",
    "dump_json",
    "problem_body",
]

# NOTE: datetimes are RFC 3339 with an offset, UTC as ``Z``; a naive datetime is taken as UTC
# (what a naive database timestamp nearly always is), never sent without an offset (docs/handlers.md).
_ORJSON_OPTIONS = (
    orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
)
_CHUNK = 64 * 1024


def encode_headers(headers: Mapping[str, str] | None) -> list[tuple[bytes, bytes]]:
    if not headers:
        return []
    return [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]


class Response:
    """A complete response.

    Args:
        content: ``bytes`` are sent as they are, ``str`` is UTF-8 encoded, ``None`` is empty;
            subclasses render other values (``JSONResponse``).
        status_code: the HTTP status.
        headers: extra headers; ``content-type`` and ``content-length`` are set for you.
        media_type: the ``Content-Type`` (``; charset=utf-8`` is added to ``text/*``).

    Example:
        >>> Response("pong", media_type="text/plain").status_code
        200
    """

    __slots__ = ("body", "media_type", "raw_headers", "status_code", "stream")

    default_media_type: str | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.media_type = media_type or self.default_media_type
        self.body = self.render(content)
        self.stream: AsyncIterable[bytes] | None = None
        self.raw_headers = encode_headers(headers)
        self._add_entity_headers(len(self.body))

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode("utf-8")
        raise TypeError(
            f"{type(self).__name__} cannot send {type(content).__name__}; "
            "use JSONResponse for data or pass bytes/str"
        )

    def _add_entity_headers(self, length: int | None) -> None:
        names = {name for name, _ in self.raw_headers}
        has_body = self.status_code >= 200 and self.status_code not in (204, 304)
        if length is not None and b"content-length" not in names and has_body:
            self.raw_headers.append((b"content-length", str(length).encode()))
        if self.media_type is not None and b"content-type" not in names:
            media_type = self.media_type
            if media_type.startswith("text/") and "charset" not in media_type:
                media_type += "; charset=utf-8"
            self.raw_headers.append((b"content-type", media_type.encode("latin-1")))

    @property
    def headers(self) -> dict[str, str]:
        """The headers as a str dict (last value wins), for inspection."""
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}

    def set_header(self, name: str, value: str) -> None:
        key = name.lower().encode("latin-1")
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != key]
        self.raw_headers.append((key, value.encode("latin-1")))


class PlainTextResponse(Response):
    __slots__ = ()
    default_media_type = "text/plain"


class HTMLResponse(Response):
    __slots__ = ()
    default_media_type = "text/html"


class JSONResponse(Response):
    """Serialized with orjson (datetimes, UUIDs, dataclasses and enums included)."""

    __slots__ = ()
    default_media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json(content)


def dump_json(content: Any) -> bytes:
    """orjson with the extras handlers return (pydantic models, sets, Decimal)."""
    return orjson.dumps(content, default=_json_default, option=_ORJSON_OPTIONS)


def _json_default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class StreamingResponse(Response):
    """A body produced chunk by chunk (no Content-Length unless you give one)."""

    __slots__ = ()

    def __init__(
        self,
        content: AsyncIterable[bytes | str] | Iterable[bytes | str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.media_type = media_type or "application/octet-stream"
        self.body = b""
        self.raw_headers = encode_headers(headers)
        self._add_entity_headers(None)
        self.stream = _as_bytes_stream(content)


async def _as_bytes_stream(content: AsyncIterable[bytes | str] | Iterable[bytes | str]) -> AsyncIterator[bytes]:
    if isinstance(content, AsyncIterable):
        async for chunk in content:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
    else:
        for chunk in content:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


class FileResponse(Response):
    """A file from disk, read in 64 KiB chunks off the event loop."""

    __slots__ = ()

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        filename: str | None = None,
    ) -> None:
        self.status_code = status_code
        guessed = mimetypes.guess_type(str(path))[0]
        self.media_type = media_type or guessed or "application/octet-stream"
        self.body = b""
        extra = dict(headers or {})
        if filename is not None:
            extra.setdefault("content-disposition", f'attachment; filename="{filename}"')
        self.raw_headers = encode_headers(extra)
        self._add_entity_headers(os.stat(path).st_size)
        self.stream = _read_file(os.fspath(path))


async def _read_file(path: str) -> AsyncIterator[bytes]:
    import asyncio

    loop = asyncio.get_running_loop()
    with open(path, "rb") as handle:  # noqa: ASYNC230 - reads happen in the executor
        while chunk := await loop.run_in_executor(None, handle.read, _CHUNK):
            yield chunk


def problem_body(
    status: int, title: str, detail: str, details: list[dict[str, Any]], trace_id: str
) -> bytes:
    """The DESIGN.md §6 error body (RFC 9457 ``application/problem+json``)."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "error": title,
        "detail": detail,
        "details": details,
        "trace_id": trace_id,
    }
    return orjson.dumps(document, default=_json_default, option=_ORJSON_OPTIONS)


def bytes_response(status: int, body: bytes, content_type: tuple[bytes, bytes] | None) -> Response:
    """PERF: the hot-path constructor: pre-encoded content type, no header encoding."""
    response = Response.__new__(Response)
    response.status_code = status
    response.body = body
    response.media_type = None
    response.stream = None
    length = (b"content-length", str(len(body)).encode())
    response.raw_headers = [content_type, length] if content_type is not None else [length]
    return response
