"""compression: responses in gzip or brotli as Accept-Encoding asks (q-values, *), Vary on
every response that could be compressed, never on small, encoded, 206, 304 or event-stream
responses; streams compressed as they stream; request bodies with Content-Encoding decoded
within the body limit (a zip bomb is a 413, corrupt data a 400, an unknown coding a 415)."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import brotli
import orjson
import pytest

from covet import Response, StreamingResponse
from covet.app import CovetApp
from covet.errors import ConfigError
from covet.middleware.compression import AVAILABLE, CompressionSettings, choose_encoding
from covet.testing import TestClient
from tests.middleware.compression_handlers import POSTS

SPEC = """openapi: 3.1.0
info: {title: posts, version: '1'}
paths:
  /posts:
    get:
      operationId: listPosts
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 0, maximum: 60}}
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array}}}}}
    post:
      operationId: createPost
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {'201': {description: created}}
"""


def posts_app(tmp_path: Path, compression: Any = True, **settings: Any) -> CovetApp:
    spec = tmp_path / "posts.yaml"
    spec.write_text(SPEC)
    app = CovetApp.from_spec(
        spec, "tests.middleware.compression_handlers", compile_now=False,
        server={"access_log": False}, compression=compression, **settings,
    )

    @app.route("/stream")
    async def stream() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            for index in range(5):
                yield orjson.dumps({"line": index, "text": "x" * 200}) + b"\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.route("/events")
    async def events() -> StreamingResponse:
        return StreamingResponse(iter([b"data: " + b"y" * 2000 + b"\n\n"]),
                                 media_type="text/event-stream")

    @app.route("/already")
    async def already() -> Response:
        return Response(gzip.compress(b"z" * 5000), headers={"Content-Encoding": "gzip"},
                        media_type="application/json")

    @app.route("/partial")
    async def partial() -> Response:
        return Response(b"p" * 5000, status_code=206, media_type="text/plain")

    @app.route("/tagged")
    async def tagged() -> Response:
        return Response(b"t" * 5000, headers={"ETag": '"v1"', "Vary": "Accept-Language"},
                        media_type="text/plain")

    @app.route("/image")
    async def image() -> Response:
        return Response(b"\x89PNG" + b"i" * 5000, media_type="image/png")

    @app.route("/no-transform")
    async def no_transform() -> Response:
        return Response(b"n" * 5000, headers={"Cache-Control": "no-transform"},
                        media_type="text/plain")

    app.compile()
    return app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(posts_app(tmp_path))


def plain_body() -> bytes:
    return orjson.dumps(POSTS)


def test_gzip_when_asked_and_the_body_is_the_same_json(client: TestClient) -> None:
    response = client.get("/posts", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "accept-encoding"
    assert int(response.headers["content-length"]) == len(response.content)
    assert gzip.decompress(response.content) == plain_body()
    assert len(response.content) < 0.4 * len(plain_body())  # more than 60% smaller


def test_gzip_is_preferred_when_the_client_likes_both_equally(client: TestClient) -> None:
    response = client.get("/posts", headers={"Accept-Encoding": "br, deflate, gzip"})
    assert response.headers["content-encoding"] == "gzip"  # faster and as small, measured
    assert gzip.decompress(response.content) == plain_body()


def test_brotli_when_the_client_prefers_it(client: TestClient) -> None:
    response = client.get("/posts", headers={"Accept-Encoding": "br, gzip;q=0.9"})
    assert response.headers["content-encoding"] == "br"
    assert brotli.decompress(response.content) == plain_body()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (b"gzip;q=1.0, br;q=0.5", "gzip"),
        (b"br;q=0, *", "gzip"),
        (b"*", "gzip"),
        (b"identity", None),
        (b"gzip;q=0, br;q=0", None),
        (b"x-gzip", "gzip"),
        (b"GZIP;Q=0.9", "gzip"),
        (b"compress, deflate", None),
        (b"gzip;q=nonsense, br;q=0.1", "br"),
        (b",,;;", None),
    ],
)
def test_accept_encoding_q_values_and_wildcards(accept: bytes, expected: str | None) -> None:
    assert choose_encoding(accept, ("gzip", "br")) == expected


def test_no_accept_encoding_gets_the_plain_body_and_still_vary(client: TestClient) -> None:
    response = client.get("/posts")
    assert "content-encoding" not in response.headers
    assert response.content == plain_body() and response.headers["vary"] == "accept-encoding"


def test_a_small_body_is_sent_as_it_is(client: TestClient) -> None:
    response = client.get("/posts?limit=1", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert orjson.loads(response.content) == POSTS[:1]


@pytest.mark.parametrize("path", ["/already", "/partial", "/image", "/events", "/no-transform"])
def test_what_must_not_be_compressed_is_not(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert response.headers.get("content-encoding") in (None, "gzip")
    if path == "/already":  # the handler's own encoding, untouched
        assert gzip.decompress(response.content) == b"z" * 5000
    else:
        assert "content-encoding" not in response.headers
    assert "accept-encoding" not in response.headers.get("vary", "")


def test_a_stream_is_compressed_chunk_by_chunk(tmp_path: Path) -> None:
    app = posts_app(tmp_path)
    sent: list[dict[str, Any]] = []

    async def drive() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": "/stream", "raw_path": b"/stream",
                 "query_string": b"", "root_path": "", "headers": [(b"accept-encoding", b"gzip")],
                 "client": ("127.0.0.1", 1), "server": ("test", 80)}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)

    asyncio.run(drive())
    start, *bodies = sent
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    assert len(bodies) >= 5 and bodies[-1].get("more_body", False) is False
    decoder = zlib.decompressobj(31)
    # each chunk decodes on its own arrival (flushed), not only at the end
    first = decoder.decompress(bodies[0]["body"])
    assert first == orjson.dumps({"line": 0, "text": "x" * 200}) + b"\n"
    rest = b"".join(decoder.decompress(b["body"]) for b in bodies[1:])
    assert (first + rest).count(b"\n") == 5 and decoder.eof


def test_a_strong_etag_becomes_weak_and_vary_is_extended(client: TestClient) -> None:
    response = client.get("/tagged", headers={"Accept-Encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert response.headers["etag"] == 'W/"v1"'
    assert response.headers["vary"] == "Accept-Language, accept-encoding"


def test_head_is_answered_uncompressed(client: TestClient) -> None:
    response = client.request("HEAD", "/posts", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "content-encoding" not in response.headers


def test_error_bodies_are_compressed_too_when_large(tmp_path: Path) -> None:
    client = TestClient(posts_app(tmp_path, {"minimum_size": 10}))
    response = client.get("/posts?limit=nope", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 422 and response.headers["content-encoding"] == "gzip"
    assert orjson.loads(gzip.decompress(response.content))["status"] == 422


# ------------------------------------------------------------------- compressed request bodies


@pytest.mark.parametrize(
    ("coding", "encode"),
    [("gzip", gzip.compress), ("x-gzip", gzip.compress), ("br", brotli.compress),
     ("deflate", zlib.compress), ("identity", lambda data: data)],
)
def test_a_compressed_request_body_is_decoded_and_validated(
    client: TestClient, coding: str, encode: Any
) -> None:
    body = orjson.dumps({"title": "hello", "tags": ["a"] * 50})
    response = client.post("/posts", content=encode(body), headers={
        "Content-Type": "application/json", "Content-Encoding": coding,
    })
    assert response.status_code == 201, response.content
    assert response.json() == {"received": orjson.loads(body)}


def test_a_zip_bomb_is_a_413_after_the_limit_not_memory(tmp_path: Path) -> None:
    client = TestClient(posts_app(tmp_path, limits={"max_body_size": "64KiB"}))
    for coding, data in (("gzip", gzip.compress(b" " * (32 << 20))),
                         ("br", brotli.compress(b" " * (32 << 20)))):
        assert len(data) < 48 * 1024  # 32 MiB of spaces in less than the 64 KiB limit
        tracemalloc.start()
        response = client.post("/posts", content=data, headers={
            "Content-Type": "application/json", "Content-Encoding": coding,
        })
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert response.status_code == 413, (coding, response.content)
        assert response.json()["details"][0]["code"] == "maxBodySize"
        assert peak < 4 << 20, peak  # never the 32 MiB


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate"])
def test_corrupt_or_truncated_data_is_a_400(client: TestClient, coding: str) -> None:
    whole = {"gzip": gzip.compress, "br": brotli.compress, "deflate": zlib.compress}[coding](
        orjson.dumps({"title": "x" * 2000})
    )
    for data in (b"not compressed at all", whole[: len(whole) // 2]):
        response = client.post("/posts", content=data, headers={
            "Content-Type": "application/json", "Content-Encoding": coding,
        })
        assert response.status_code == 400, (coding, data[:10], response.content)
        assert coding in response.json()["detail"]


def test_an_unknown_content_encoding_is_a_415_naming_what_is_accepted(client: TestClient) -> None:
    response = client.post("/posts", content=b"{}", headers={
        "Content-Type": "application/json", "Content-Encoding": "compress",
    })
    assert response.status_code == 415
    assert "gzip" in response.json()["detail"] and "gzip" in response.headers["accept-encoding"]


def test_request_decoding_can_be_turned_off(tmp_path: Path) -> None:
    client = TestClient(posts_app(tmp_path, {"requests": False}))
    response = client.post("/posts", content=gzip.compress(b"{}"), headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip",
    })
    assert response.status_code == 400  # the operation reads the gzip bytes as JSON


# ------------------------------------------------------------------------------------ settings


def test_off_unless_configured(tmp_path: Path) -> None:
    client = TestClient(posts_app(tmp_path, None))
    response = client.get("/posts", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers and "vary" not in response.headers


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({"encodings": ["zstd"]}, "zstd needs Python 3.14", marks=pytest.mark.skipif(
            "zstd" in AVAILABLE, reason="this Python ships compression.zstd")),
        ({"encodings": ["lzma"]}, "encodings"),
        ({"gzip_level": 12}, "gzip_level"),
        ({"media_types": ["json"]}, "is not a media type"),
        ({"minimum_size": "lots"}, "is not a size"),
        ({"encodings": []}, "at least one"),
    ],
)
def test_bad_settings_are_config_errors(tmp_path: Path, settings: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        posts_app(tmp_path, settings)


def test_sizes_and_lists_are_written_as_elsewhere() -> None:
    settings = CompressionSettings.model_validate({"minimum_size": "1KiB", "encodings": "gzip"})
    assert settings.minimum_size == 1024 and settings.encodings == ("gzip",)
