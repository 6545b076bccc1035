"""Error bodies in the client's format: problem+json re-encoded only when XML or MessagePack is preferred."""

from __future__ import annotations

import ormsgpack
import pytest
from lxml import etree

from covet._problem import ProblemRenderer
from covet.errors import NotFoundError
from covet.media import ErrorFormats
from covet.response import Response

FORMATS = ErrorFormats()


def problem() -> Response:
    return ProblemRenderer().render(NotFoundError("No route matches /x", headers={"x-extra": "1"}), "t1")


def scope(accept: str | None) -> dict[str, object]:
    return {"headers": [] if accept is None else [(b"accept", accept.encode())]}


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/problem+json", "text/html",
               "application/xml;q=0.5, application/json", "application/json, application/msgpack"],
)
def test_json_stays_json(accept: str | None) -> None:
    response = problem()
    assert FORMATS(response, scope(accept)) is response


@pytest.mark.parametrize("accept", ["application/xml", "text/xml", "application/problem+xml",
                                    "application/json;q=0.1, application/xml"])
def test_xml_preferred_gives_problem_xml(accept: str) -> None:
    converted = FORMATS(problem(), scope(accept))
    assert converted.headers["content-type"] == "application/problem+xml"
    assert converted.headers["x-extra"] == "1"
    assert converted.headers["content-length"] == str(len(converted.body))
    root = etree.fromstring(converted.body)
    assert root.tag == "{urn:ietf:rfc:7807}problem"
    assert root.findtext("{urn:ietf:rfc:7807}trace_id") == "t1"


@pytest.mark.parametrize("accept", ["application/msgpack", "application/x-msgpack", "application/vnd.msgpack"])
def test_msgpack_preferred_gives_problem_msgpack(accept: str) -> None:
    converted = FORMATS(problem(), scope(accept))
    assert converted.headers["content-type"] == "application/problem+msgpack"
    body = ormsgpack.unpackb(converted.body)
    assert body["status"] == 404 and body["details"] == []


def test_a_custom_renderers_body_is_left_as_it_is() -> None:
    custom = Response(b'{"error": "nope"}', 404, media_type="application/json")
    assert FORMATS(custom, scope("application/xml")) is custom
