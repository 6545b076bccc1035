"""Codecs through the app: one operation taking and answering JSON, XML and MessagePack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ormsgpack
import pytest
from lxml import etree

from covet.app import CovetApp
from covet.errors import NoCodecError
from covet.testing import TestClient, TestResponse
from tests.fixtures.apps.media.handlers import PNG

SPEC = Path(__file__).parents[1] / "fixtures" / "apps" / "media" / "openapi.yaml"
HANDLERS = "tests.fixtures.apps.media.handlers"
CODECS = {"codecs": {"application/x-pairs": "tests.fixtures.apps.media.codecs:PairsCodec"}}
NS = "urn:example:pets"
PET_XML = (
    b'<p:pet xmlns:p="urn:example:pets" id="3"><p:name>Rex</p:name><p:weight>4.5</p:weight>'
    b"<p:vaccinated>true</p:vaccinated><p:tags><p:tag>good</p:tag><p:tag>old</p:tag></p:tags>"
    b"</p:pet>"
)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(CovetApp.from_spec(SPEC, HANDLERS, media=CODECS))


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def xml_of(response: TestResponse) -> Any:
    return etree.fromstring(response.content)


def test_json_body_answered_as_json_without_accept(client: TestClient) -> None:
    response = client.post("/pets", json={"name": "Rex", "tags": ["a"]})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"id": 7, "name": "Rex", "tags": ["a"]}


def test_xml_body_is_mapped_typed_and_validated_like_json(client: TestClient) -> None:
    response = client.post(
        "/pets", content=PET_XML, headers={"content-type": "application/xml"}
    )
    assert response.status_code == 201, response.text
    # the handler got typed values: the attribute id, a float, a bool, the wrapped array
    assert response.json() == {
        "id": 3, "name": "Rex", "weight": 4.5, "vaccinated": True, "tags": ["good", "old"]
    }


def test_xml_body_errors_are_the_schemas_422(client: TestClient) -> None:
    body = (
        b'<pet xmlns="urn:example:pets" id="x"><weight>heavy</weight><colour>red</colour>'
        b"<tags><tag>a</tag><tag>b</tag><tag>c</tag><tag>d</tag></tags></pet>"
    )
    found = problem(client.post("/pets", content=body, headers={"content-type": "application/xml"}), 422)
    reported = {(d["pointer"], d["code"]) for d in found["details"]}
    assert ("/id", "type") in reported
    assert ("/weight", "type") in reported
    assert ("/tags", "maxItems") in reported
    assert any(code == "required" for _, code in reported)
    assert any(pointer == "/colour" or code == "additionalProperties" for pointer, code in reported)


def test_response_negotiated_as_xml_by_the_schemas_xml_object(client: TestClient) -> None:
    response = client.post("/pets", json={"name": "Rex", "tags": ["a", "b"], "vaccinated": False},
                           headers={"accept": "application/xml"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/xml"
    root = xml_of(response)
    assert root.tag == f"{{{NS}}}pet" and root.prefix == "p"
    assert root.get("id") == "7"
    # as OpenAPI's examples: the namespace qualifies the schema's own element, not its children
    assert root.findtext("name") == "Rex"
    assert root.findtext("vaccinated") == "false"
    assert [(t.tag, t.text) for t in root.find("tags")] == [("tag", "a"), ("tag", "b")]


def test_xml_round_trip_is_the_same_pet(client: TestClient) -> None:
    sent = client.post("/pets", content=PET_XML,
                       headers={"content-type": "application/xml", "accept": "application/xml"})
    again = client.post("/pets", content=sent.content, headers={"content-type": "application/xml"})
    assert again.json() == {"id": 3, "name": "Rex", "weight": 4.5, "vaccinated": True,
                            "tags": ["good", "old"]}


def test_msgpack_both_ways(client: TestClient) -> None:
    response = client.post(
        "/pets", content=ormsgpack.packb({"name": "Rex", "weight": 3}),
        headers={"content-type": "application/msgpack", "accept": "application/msgpack"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/msgpack"
    assert ormsgpack.unpackb(response.content) == {"id": 7, "name": "Rex", "weight": 3}


def test_msgpack_body_is_validated_by_the_same_schema(client: TestClient) -> None:
    raw = ormsgpack.packb({"name": 5})
    found = problem(client.post("/pets", content=raw, headers={"content-type": "application/msgpack"}), 422)
    assert [(d["pointer"], d["code"]) for d in found["details"]] == [("/name", "type")]


@pytest.mark.parametrize(
    ("media_type", "raw"),
    [("application/xml", b"<pet><name>Rex</pet>"), ("application/xml", b"not xml"),
     ("application/msgpack", b"\xc1"), ("application/msgpack", b"\x81\xa1a")],
)
def test_malformed_xml_or_msgpack_is_400_parse(client: TestClient, media_type: str, raw: bytes) -> None:
    found = problem(client.post("/pets", content=raw, headers={"content-type": media_type}), 400)
    assert [d["code"] for d in found["details"]] == ["parse"]


def test_undeclared_media_type_is_415(client: TestClient) -> None:
    found = problem(client.post("/pets", content=b"name=Rex",
                                headers={"content-type": "application/x-www-form-urlencoded"}), 415)
    assert "application/xml" in found["detail"]


def test_q_values_choose_among_declared_types(client: TestClient) -> None:
    accept = "application/json;q=0.5, application/msgpack;q=0.9, application/xml;q=0.1"
    response = client.post("/pets", json={"name": "Rex"}, headers={"accept": accept})
    assert response.headers["content-type"] == "application/msgpack"


def test_nothing_acceptable_is_406_listing_what_is_available(client: TestClient) -> None:
    found = problem(client.post("/pets", json={"name": "Rex"}, headers={"accept": "text/csv"}), 406)
    assert "application/json, application/xml, application/msgpack" in found["detail"]


def test_json_only_operation_takes_no_accept_and_wildcards(client: TestClient) -> None:
    for headers in ({}, {"accept": "*/*"}, {"accept": "application/*"}, {"accept": "text/html, */*;q=0.1"}):
        response = client.get("/pets/4", headers=headers)
        assert response.status_code == 200, headers
        assert response.headers["content-type"] == "application/json"


def test_json_only_operation_refuses_an_xml_only_client_in_xml(client: TestClient) -> None:
    response = client.get("/pets/4", headers={"accept": "application/xml"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+xml"
    root = xml_of(response)
    assert root.tag == "{urn:ietf:rfc:7807}problem"
    assert root.findtext("{urn:ietf:rfc:7807}status") == "406"
    assert "application/json" in root.findtext("{urn:ietf:rfc:7807}detail")


def test_errors_follow_msgpack_when_the_client_accepts_only_msgpack(client: TestClient) -> None:
    response = client.post("/pets", content=ormsgpack.packb({"name": 1}),
                           headers={"content-type": "application/msgpack", "accept": "application/msgpack"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+msgpack"
    body = ormsgpack.unpackb(response.content)
    assert body["status"] == 422 and body["details"][0]["pointer"] == "/name"


def test_errors_stay_json_when_the_client_also_accepts_json(client: TestClient) -> None:
    response = client.get("/nowhere", headers={"accept": "application/xml;q=0.5, application/json"})
    problem(response, 404)


def test_xml_error_details_are_i_elements(client: TestClient) -> None:
    response = client.post("/pets", content=b"<pet/>",
                           headers={"content-type": "application/xml", "accept": "application/xml"})
    assert response.status_code == 422
    details = xml_of(response).find("{urn:ietf:rfc:7807}details")
    assert [child.tag for child in details] == ["{urn:ietf:rfc:7807}i"]


def test_binary_response_is_sent_as_bytes(client: TestClient) -> None:
    response = client.get("/pets/1/photo", headers={"accept": "image/*"})
    assert response.content == PNG and response.headers["content-type"] == "image/png"


def test_text_body_is_a_validated_str(client: TestClient) -> None:
    response = client.post("/notes", content="héllo".encode(), headers={"content-type": "text/plain"})
    assert response.text == "HÉLLO"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    found = problem(client.post("/notes", content=b"far too long a note",
                                headers={"content-type": "text/plain"}), 422)
    assert found["details"][0]["code"] == "maxLength"
    found = problem(client.post("/notes", content=b"\xff", headers={"content-type": "text/plain"}), 400)
    assert found["details"][0]["code"] == "encoding"


def test_custom_codec_from_covet_yaml_both_ways(client: TestClient) -> None:
    response = client.post("/pairs", content=b"a=1\nb=2\n", headers={"content-type": "application/x-pairs"})
    assert response.status_code == 200
    assert response.content == b"a=1\nb=2\nseen=yes\n"
    found = problem(client.post("/pairs", content=b"nonsense",
                                headers={"content-type": "application/x-pairs"}), 400)
    assert found["details"][0]["code"] == "parse"


def test_a_media_type_without_codec_refuses_to_start() -> None:
    with pytest.raises(NoCodecError) as caught:
        CovetApp.from_spec(SPEC, HANDLERS)
    assert caught.value.pointer == "/paths/~1pairs/post/responses/200/content/application~1x-pairs"
    assert "media.codecs" in str(caught.value)
