"""Response compression and compressed request bodies (``compression:`` in covet.yaml).

    compression: true                  # or the settings:
    compression:
      minimum_size: 500                # bytes; smaller bodies are sent as they are
      encodings: [gzip, br, zstd]      # offered, best first when the client likes them equally
      gzip_level: 6
      brotli_quality: 3
      media_types: [text/*, application/json, "application/*+json", ...]
      requests: true                   # decode Content-Encoding: gzip / br / zstd / deflate bodies

A response is compressed when the client's ``Accept-Encoding`` (q-values, ``*``) accepts one of
the encodings, its media type is on the list, it is at least ``minimum_size`` bytes (or
streamed), and it is not already encoded, a ``206``, a ``304``/``204``, ``text/event-stream``
or marked ``Cache-Control: no-transform``. Such a response gets ``Vary: Accept-Encoding``
whatever the client asked for; a strong ``ETag`` becomes weak when the body is compressed. A
streamed response is compressed as it streams: each chunk is flushed, so nothing waits for the
end. ``zstd`` is offered only where Python ships it (``compression.zstd``, Python 3.14).

A request body with ``Content-Encoding`` is decoded before the operation reads it, and bounded
by ``limits.max_body_size`` as decoded bytes (a zip bomb is a 413 after that many bytes, never
memory exhaustion); corrupt or truncated data is a 400, an encoding not listed a 415.
See docs/compression.md.
"""

from __future__ import annotations

import re
import types
import zlib
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from covet._problem import ProblemRenderer
from covet._settings import Settings
from covet._trace import trace_id_of
from covet.asgi import send_response
from covet.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError
from covet.types import ASGIApp, Message, Receive, Scope, Send

try:  # PERF: zlib-ng writes the same gzip 1.75x faster than zlib (bench/COMPRESSION.md)
    from zlib_ng import zlib_ng as _zlib_ng

    gzip_zlib: types.ModuleType = _zlib_ng
except ImportError:  # pragma: no cover - installed with covetpy
    gzip_zlib = zlib
try:  # NOTE: brotli is a dependency; without it (a trimmed install) br is not offered
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - installed with covetpy
    brotli = None
try:
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python < 3.14
    zstd = None

__all__ = ["AVAILABLE", "CompressionMiddleware", "CompressionSettings", "choose_encoding"]

Encoding = Literal["br", "zstd", "gzip"]
AVAILABLE: tuple[str, ...] = tuple(
    name for name, there in (("gzip", zlib), ("br", brotli), ("zstd", zstd)) if there is not None
)
"""The response encodings this Python can produce."""

DEFAULT_MEDIA_TYPES = (
    "text/*", "application/json", "application/*+json", "application/xml", "application/*+xml",
    "application/javascript", "application/x-ndjson", "application/yaml",
    "application/x-www-form-urlencoded", "image/svg+xml", "application/wasm",
)
_NEVER = ("text/event-stream",)
_VARY = b"accept-encoding"
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")


class CompressionSettings(Settings):
    """Which responses are compressed, how hard, and whether request bodies are decoded."""

    enabled: bool = True
    """``false`` (or no ``compression:`` section) removes the layer."""
    minimum_size: int = Field(default=500, ge=0)
    """Bodies smaller than this many bytes are sent as they are (the saving would not pay)."""
    encodings: tuple[Encoding, ...] = tuple(
        e for e in ("gzip", "br", "zstd") if e in AVAILABLE
    )
    """Offered, best first: when the client accepts several equally, the first wins. gzip
    first: on API-sized bodies (10 KB of JSON) it is faster than brotli and as small
    (bench/COMPRESSION.md); brotli pays on large, repetitive ones."""
    gzip_level: int = Field(default=6, ge=1, le=9)
    brotli_quality: int = Field(default=3, ge=0, le=11)
    """3: on 10 KB of JSON twice as fast as 4 for 1.5% more bytes; 11 is for static files."""
    zstd_level: int = Field(default=3, ge=1, le=22)
    media_types: tuple[str, ...] = DEFAULT_MEDIA_TYPES
    """Media types compressed: exact (``application/json``), ``type/*`` or ``type/*+suffix``."""
    requests: bool = True
    """Decode request bodies sent with ``Content-Encoding`` (gzip, br, zstd, deflate)."""

    @field_validator("minimum_size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        from covet.config import parse_size  # NOTE: covet.config imports this module

        return parse_size(value) if isinstance(value, str) else value

    @field_validator("encodings", mode="before")
    @classmethod
    def _encodings(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, (list, tuple)):
            for name in value:
                if name == "zstd" and zstd is None:
                    raise ValueError("zstd needs Python 3.14 (compression.zstd); leave it out")
                if name == "br" and brotli is None:
                    raise ValueError("br needs the brotli package (pip install brotli)")
            return tuple(dict.fromkeys(value))
        return value

    @field_validator("media_types", mode="before")
    @classmethod
    def _media_types(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            cleaned = tuple(str(entry).strip().lower() for entry in value)
            for entry in cleaned:
                kind, slash, sub = entry.partition("/")
                if not slash or not kind or not sub or not _TOKEN.match(kind):
                    raise ValueError(f"{entry!r} is not a media type such as text/* or application/json")
            return cleaned
        return value

    @model_validator(mode="after")
    def _something_to_offer(self) -> CompressionSettings:
        if self.enabled and not self.encodings:
            raise ValueError("give at least one of the encodings br, gzip (zstd on Python 3.14)")
        return self


def choose_encoding(accept: bytes, offered: tuple[str, ...]) -> str | None:
    """The encoding of ``offered`` the ``Accept-Encoding`` value likes best (ties: first offered).

    >>> choose_encoding(b"gzip;q=0.8, br", ("br", "gzip"))
    'br'
    >>> choose_encoding(b"*;q=0.1, gzip;q=0", ("gzip",)) is None
    True
    """
    explicit: dict[str, float] = {}
    star: float | None = None
    for part in accept.decode("latin-1").lower().split(","):
        name, _, params = part.partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, number = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = min(max(float(number), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if name == "*":
            star = quality
        else:
            explicit[name] = quality
    best, best_quality = None, 0.0
    for name in offered:
        found = explicit.get(name, explicit.get("x-gzip") if name == "gzip" else None)
        quality = found if found is not None else (star if star is not None else 0.0)
        if quality > best_quality:
            best, best_quality = name, quality
    return best


class _MediaFilter:
    """``media_types`` compiled: exact names, whole types (``text/*``) and suffixes (``+json``)."""

    __slots__ = ("exact", "suffixes", "types")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.exact = frozenset(p for p in patterns if "*" not in p)
        self.types = frozenset(p[:-2] for p in patterns if p.endswith("/*"))
        self.suffixes = tuple(
            (p.partition("/")[0], p.partition("*")[2]) for p in patterns if "/*+" in p
        )

    def __call__(self, content_type: bytes) -> bool:
        media = content_type.split(b";", 1)[0].strip().decode("latin-1").lower()
        if media in _NEVER:
            return False
        if media in self.exact:
            return True
        kind, _, sub = media.partition("/")
        if kind in self.types:
            return True
        return any(kind == k and sub.endswith(s) for k, s in self.suffixes)


class CompressionMiddleware:
    """Compresses responses and decodes compressed request bodies (see the module docstring).

    Args:
        app: the inner app.
        settings: ``compression:``.
        problems: renders a refused request body (415, 400, 413).
        max_body_size: ``limits.max_body_size``: the most decoded bytes a request may have.
    """

    __slots__ = (
        "_choices", "accepts", "app", "factories", "max_body_size", "minimum_size", "offered",
        "oneshot", "problems", "requests",
    )

    def __init__(
        self, app: ASGIApp, settings: CompressionSettings, problems: ProblemRenderer,
        max_body_size: int,
    ) -> None:
        self.app = app
        self.problems = problems
        self.max_body_size = max_body_size
        self.minimum_size = settings.minimum_size
        self.offered = settings.encodings
        self.requests = settings.requests
        self.accepts = _MediaFilter(settings.media_types)
        self.factories: dict[str, Callable[[], _Encoder]] = {
            name: _encoder_factory(name, settings) for name in settings.encodings
        }
        self.oneshot: dict[str, Callable[[bytes], bytes]] = {
            name: _oneshot(name, settings) for name in settings.encodings
        }
        self._choices: dict[bytes, str | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b""
        content_encoding = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value
            elif name == b"content-encoding":
                content_encoding = value
        if content_encoding is not None and self.requests:
            decoder = _request_decoder(content_encoding)
            if decoder is None:
                await self._refuse(scope, send, content_encoding)
                return
            if decoder is not _IDENTITY:
                scope, receive = _decoding(scope, receive, decoder, self.max_body_size)
        encoding = self._choose(accept) if accept and scope["method"] != "HEAD" else None
        await self.app(scope, receive, _Responder(self, encoding, send))

    def _choose(self, accept: bytes) -> str | None:
        # PERF: clients send few distinct Accept-Encoding values: parse each once
        choices = self._choices
        try:
            return choices[accept]
        except KeyError:
            if len(choices) >= 512:
                choices.clear()
            chosen = choices[accept] = choose_encoding(accept, self.offered)
            return chosen

    async def _refuse(self, scope: Scope, send: Send, encoding: bytes) -> None:
        offered = ", ".join(("identity", *_REQUEST_ENCODINGS))
        error = UnsupportedMediaTypeError(
            f"Content-Encoding {encoding.decode('latin-1')!r} is not accepted; send the body "
            f"as it is or encoded with one of: {offered}",
            headers={"Accept-Encoding": ", ".join(_REQUEST_ENCODINGS)},
        )
        await send_response(self.problems.render(error, trace_id_of(scope)), scope, send)


class _Encoder:
    """One response's compressor: ``chunk`` flushes what it was given, ``finish`` ends it."""

    __slots__ = ("_end", "_flush")

    def __init__(self, flush: Callable[[bytes], bytes], end: Callable[[], bytes]) -> None:
        self._flush = flush
        self._end = end

    def chunk(self, data: bytes) -> bytes:
        return self._flush(data)

    def finish(self) -> bytes:
        return self._end()


def _encoder_factory(name: str, settings: CompressionSettings) -> Callable[[], _Encoder]:
    if name == "gzip":
        level = settings.gzip_level

        def gzip_encoder() -> _Encoder:
            compressor = gzip_zlib.compressobj(level, gzip_zlib.DEFLATED, 31)
            return _Encoder(
                lambda data: compressor.compress(data) + compressor.flush(gzip_zlib.Z_SYNC_FLUSH),
                compressor.flush,
            )

        return gzip_encoder
    if name == "br":
        quality = settings.brotli_quality

        def brotli_encoder() -> _Encoder:
            compressor = brotli.Compressor(quality=quality)
            return _Encoder(
                lambda data: compressor.process(data) + compressor.flush(), compressor.finish
            )

        return brotli_encoder
    level = settings.zstd_level

    def zstd_encoder() -> _Encoder:  # pragma: no cover - Python 3.14
        compressor = zstd.ZstdCompressor(level=level)
        return _Encoder(
            lambda data: compressor.compress(data, zstd.ZstdCompressor.FLUSH_BLOCK),
            compressor.flush,
        )

    return zstd_encoder


def _oneshot(name: str, settings: CompressionSettings) -> Callable[[bytes], bytes]:
    """``body`` compressed in one call (the common case: a body sent in one message)."""
    if name == "gzip":
        level = settings.gzip_level
        return lambda body: gzip_zlib.compress(body, level, 31)
    if name == "br":
        quality = settings.brotli_quality
        return lambda body: bytes(brotli.compress(body, quality=quality))
    level = settings.zstd_level
    return lambda body: bytes(zstd.compress(body, level=level))  # pragma: no cover - 3.14


class _Responder:
    """The send of one request: holds ``http.response.start`` until the first body decides."""

    __slots__ = ("encoder", "encoding", "middleware", "send", "start")

    def __init__(self, middleware: CompressionMiddleware, encoding: str | None, send: Send) -> None:
        self.middleware = middleware
        self.encoding = encoding
        self.send = send
        self.start: Message | None = None
        self.encoder: _Encoder | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if _eligible(message, self.middleware):
                self.start = message  # decided at the first body message
                return
            await self.send(message)
            return
        if kind != "http.response.body" or (self.start is None and self.encoder is None):
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        encoder = self.encoder
        if encoder is not None:  # streaming, already started
            data = encoder.chunk(body) if more else encoder.chunk(body) + encoder.finish()
            await self.send({"type": "http.response.body", "body": data, "more_body": more})
            return
        start, self.start = self.start, None
        assert start is not None
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", ()))
        _add_vary(headers)
        encoding = self.encoding
        if encoding is None or (not more and len(body) < self.middleware.minimum_size):
            start["headers"] = headers
            await self.send(start)
            await self.send(message)
            return
        headers = [(n, v) for n, v in headers if n != b"content-length"]
        headers.append((b"content-encoding", encoding.encode()))
        _weaken_etag(headers)
        if not more:
            data = self.middleware.oneshot[encoding](body)
            headers.append((b"content-length", str(len(data)).encode()))
            start["headers"] = headers
            await self.send(start)
            await self.send({"type": "http.response.body", "body": data})
            return
        start["headers"] = headers
        self.encoder = encoder = self.middleware.factories[encoding]()
        await self.send(start)
        await self.send({"type": "http.response.body", "body": encoder.chunk(body), "more_body": True})


def _eligible(start: Message, middleware: CompressionMiddleware) -> bool:
    """Whether this response may be compressed at all (then it also varies by encoding)."""
    status = start["status"]
    if status < 200 or status in (204, 206, 304):
        return False
    content_type = b""
    for name, value in start.get("headers", ()):
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            content_type = value
        elif (name == b"cache-control" and b"no-transform" in value.lower()) or (
            name == b"content-length" and value.isdigit()
            and int(value) < middleware.minimum_size
        ):
            return False
    return bool(content_type) and middleware.accepts(content_type)


def _add_vary(headers: list[tuple[bytes, bytes]]) -> None:
    for index, (name, value) in enumerate(headers):
        if name == b"vary":
            listed = {part.strip().lower() for part in value.split(b",")}
            if _VARY not in listed and b"*" not in listed:
                headers[index] = (name, value + b", accept-encoding")
            return
    headers.append((b"vary", _VARY))


def _weaken_etag(headers: list[tuple[bytes, bytes]]) -> None:
    """The compressed body is another representation: it may not keep a strong validator."""
    for index, (name, value) in enumerate(headers):
        if name == b"etag" and not value.startswith(b"W/"):
            headers[index] = (name, b"W/" + value)


# ----------------------------------------------------------------------------- request bodies

_REQUEST_ENCODINGS = tuple(
    name for name, there in (("gzip", zlib), ("br", brotli), ("zstd", zstd), ("deflate", zlib))
    if there is not None
)
_IDENTITY: Any = object()


class _Decoder:
    """Decodes one request body, never producing more than ``limit`` bytes in all."""

    __slots__ = ("_brotli", "_zlib", "_zstd", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._zlib = None
        self._brotli = None
        self._zstd = None
        if name == "br":
            self._brotli = brotli.Decompressor()
        elif name == "zstd":  # pragma: no cover - Python 3.14
            self._zstd = zstd.ZstdDecompressor()
        else:
            self._zlib = zlib.decompressobj(31 if name == "gzip" else 15)

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to ``room + 1`` decoded bytes of ``data`` (more than ``room`` means too large).

        Raises:
            ValueError: the data is not valid in this encoding.
        """
        try:
            if self._zlib is not None:
                if self._zlib.eof and data:
                    raise ValueError("data after the end of the compressed stream")
                return self._zlib.decompress(data, room + 1)
            if self._brotli is not None:
                return bytes(self._brotli.process(data, output_buffer_limit=room + 1))
            return bytes(self._zstd.decompress(data, max_length=room + 1))  # type: ignore[union-attr]  # pragma: no cover
        except (zlib.error, ValueError) as exc:
            raise ValueError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - brotli.error, zstd.ZstdError: corrupt data
            raise ValueError(str(exc) or type(exc).__name__) from None

    def finished(self) -> bool:
        if self._zlib is not None:
            return self._zlib.eof
        if self._brotli is not None:
            return bool(self._brotli.is_finished())
        return bool(self._zstd.eof)  # type: ignore[union-attr]  # pragma: no cover


def _request_decoder(encoding: bytes) -> Any:
    name = encoding.strip().lower()
    if name in (b"", b"identity"):
        return _IDENTITY
    text = {b"x-gzip": "gzip"}.get(name, name.decode("latin-1"))
    return text if text in _REQUEST_ENCODINGS else None


def _decoding(scope: Scope, receive: Receive, name: str, limit: int) -> tuple[Scope, Receive]:
    """The scope without Content-Length / Content-Encoding, and a receive that decodes."""
    headers = [(n, v) for n, v in scope["headers"] if n not in (b"content-length", b"content-encoding")]
    scope = {**scope, "headers": headers}
    decoder = _Decoder(name)
    state = {"in": 0, "out": 0}

    async def receive_decoded() -> Message:
        message = await receive()
        if message["type"] != "http.request":
            return message
        data: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        state["in"] += len(data)
        if state["in"] > limit:
            raise _too_large(limit)
        room = limit - state["out"]
        try:
            decoded = decoder.feed(data, room)
        except ValueError as exc:
            raise BadRequestError(
                f"Body is not valid {name} data ({exc}); send it as it is, or as "
                f"Content-Encoding: {name} of the whole body"
            ) from None
        if len(decoded) > room:
            raise _too_large(limit)
        state["out"] += len(decoded)
        if not more and not decoder.finished():
            raise BadRequestError(f"Body ends inside its {name} data: the upload was cut short")
        return {"type": "http.request", "body": decoded, "more_body": more}

    return scope, receive_decoded


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"Body decodes to more than the limit of {limit} bytes",
        details=[{
            "field": "", "location": "body", "pointer": "",
            "message": f"Decoded body exceeds {limit} bytes", "code": "maxBodySize",
        }],
    )
