"""Responses carry exact headers; JSON goes through orjson."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from pydantic import BaseModel

from covet.response import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
    bytes_response,
    problem_body,
)


def test_plain_text_sets_charset_and_length() -> None:
    response = PlainTextResponse("héllo")
    assert response.headers == {"content-length": "6", "content-type": "text/plain; charset=utf-8"}
    assert response.body == "héllo".encode()


def test_json_serializes_uuid_pydantic_dataclass_and_decimal() -> None:
    class Model(BaseModel):
        n: int

    @dataclasses.dataclass
    class Point:
        x: int

    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    body = JSONResponse({"id": ident, "m": Model(n=1), "p": Point(2), "d": Decimal("1.5")}).body
    assert orjson.loads(body) == {"id": str(ident), "m": {"n": 1}, "p": {"x": 2}, "d": "1.5"}


def test_custom_headers_kept_and_status_set() -> None:
    response = HTMLResponse("<p>", status_code=201, headers={"X-Thing": "1"})
    assert response.status_code == 201
    assert response.headers["x-thing"] == "1"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_no_content_has_no_length() -> None:
    assert "content-length" not in Response(None, 204).headers


def test_base_response_refuses_dicts_with_a_hint() -> None:
    with pytest.raises(TypeError, match="JSONResponse"):
        Response({"a": 1})


def test_set_header_replaces() -> None:
    response = Response(b"x")
    response.set_header("Content-Length", "9")
    assert response.headers["content-length"] == "9"
    assert sum(1 for k, _ in response.raw_headers if k == b"content-length") == 1


async def test_streaming_response_yields_bytes() -> None:
    response = StreamingResponse(iter(["a", b"b"]), media_type="text/plain")
    assert response.stream is not None
    assert [chunk async for chunk in response.stream] == [b"a", b"b"]
    assert "content-length" not in response.headers


async def test_file_response_streams_the_file(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b'{"a": 1}')
    response = FileResponse(path)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "8"
    assert response.stream is not None
    assert b"".join([chunk async for chunk in response.stream]) == b'{"a": 1}'


def test_bytes_response_is_the_fast_equivalent() -> None:
    response = bytes_response(200, b"{}", (b"content-type", b"application/json"))
    assert response.headers == JSONResponse({}).headers


def test_problem_body_shape() -> None:
    body = orjson.loads(problem_body(422, "Validation failed", "1 problem", [{"field": "a"}], "t1"))
    assert body == {
        "type": "about:blank", "title": "Validation failed", "status": 422,
        "error": "Validation failed", "detail": "1 problem", "details": [{"field": "a"}],
        "trace_id": "t1",
    }


def test_datetimes_are_rfc3339_with_an_offset_utc_as_z() -> None:
    moment = dt.datetime(2024, 5, 1, 12, 30, 5, 250000, tzinfo=dt.UTC)
    paris = moment.astimezone(dt.timezone(dt.timedelta(hours=2)))
    body = orjson.loads(JSONResponse({"utc": moment, "paris": paris, "day": moment.date()}).body)
    assert body == {
        "utc": "2024-05-01T12:30:05.250000Z",
        "paris": "2024-05-01T14:30:05.250000+02:00",
        "day": "2024-05-01",
    }


def test_naive_datetimes_are_sent_as_utc_never_without_an_offset() -> None:
    naive = dt.datetime(2024, 5, 1, 12, 30)
    assert orjson.loads(JSONResponse([naive]).body) == ["2024-05-01T12:30:00Z"]
    assert orjson.loads(problem_body(422, "t", "d", [{"value": naive}], "x"))["details"] == [
        {"value": "2024-05-01T12:30:00Z"}
    ]
