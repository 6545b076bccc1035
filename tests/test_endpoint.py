"""One operation at request time: decode, validate, inject, call, serialize."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from covet.app import CovetApp
from covet.testing import TestClient, TestResponse

ORDER = "5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d"
TENANT = {"X-Tenant": "7"}


@pytest.fixture
def client(shop_app: Callable[..., CovetApp]) -> TestClient:
    return TestClient(shop_app(server={"access_log": False}))


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["trace_id"]
    return body


def codes(body: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(d["location"], d["field"], d["code"]) for d in body["details"]}


# -- parameters -----------------------------------------------------------------------------


def test_typed_path_and_query_and_header_and_cookie(client: TestClient) -> None:
    response = client.get("/items?limit=5&tags=a,b", headers=TENANT, cookies={"session": "abcd"})
    assert response.status_code == 200
    assert response.json() == {"limit": 5, "tenant": 7, "tags": ["a", "b"], "session": "abcd"}


def test_query_default_applies(client: TestClient) -> None:
    assert client.get("/items", headers=TENANT).json()["limit"] == 10


def test_every_parameter_error_reported_at_once(client: TestClient) -> None:
    response = client.get("/items?limit=500", headers={"X-Tenant": "zero"}, cookies={"session": "x"})
    body = problem(response, 422)
    assert codes(body) == {
        ("query", "limit", "maximum"),
        ("header", "X-Tenant", "type"),
        ("cookie", "session", "minLength"),
    }


def test_missing_required_header(client: TestClient) -> None:
    body = problem(client.get("/items"), 422)
    assert [(d["location"], d["field"]) for d in body["details"]] == [("header", "X-Tenant")]


def test_bad_typed_path_value_is_422_not_404(client: TestClient) -> None:
    body = problem(client.get("/items/abc"), 422)
    assert body["details"][0]["location"] == "path"
    assert body["details"][0]["value"] == "abc"


def test_uuid_path_parameter_arrives_as_uuid(client: TestClient) -> None:
    response = client.get(f"/orders/{ORDER}")
    assert response.json() == {"order_id": ORDER, "type": "UUID"}
    assert response.headers["x-order"] == ORDER


def test_malformed_uuid_is_a_format_error(client: TestClient) -> None:
    body = problem(client.get("/orders/not-a-uuid"), 422)
    assert body["details"][0]["code"] == "format"


def test_handler_annotation_converts_after_validation(client: TestClient) -> None:
    assert client.get("/calendar?day=2024-02-29").json() == {"weekday": "Thursday"}
    body = problem(client.get("/calendar?day=someday"), 422)
    assert codes(body) == {("query", "day", "format")}


# -- bodies ---------------------------------------------------------------------------------


def test_valid_json_body_gets_the_operations_only_2xx(client: TestClient) -> None:
    response = client.post("/items", json={"name": "ink", "price": 2, "note": None})
    assert response.status_code == 201
    assert response.json() == {"id": 2, "name": "ink", "price": 2, "note": None}


def test_every_body_error_at_once_with_pointers(client: TestClient) -> None:
    body = problem(
        client.post("/items", json={"name": "", "price": -1, "tags": "x", "extra": 1, "contact": "nope"}),
        422,
    )
    assert codes(body) == {
        ("body", "name", "minLength"),
        ("body", "price", "minimum"),
        ("body", "tags", "type"),
        ("body", "extra", "additionalProperties"),
        ("body", "contact", "format"),
    }
    pointers = {d["pointer"] for d in body["details"]}
    assert "/price" in pointers


def test_read_only_property_refused_in_request(client: TestClient) -> None:
    body = problem(client.post("/items", json={"id": 9, "name": "a", "price": 1}), 422)
    assert ("body", "id", "readOnly") in codes(body)


def test_string_is_not_a_number(client: TestClient) -> None:
    body = problem(client.post("/items", json={"name": "a", "price": "1"}), 422)
    assert ("body", "price", "type") in codes(body)


@pytest.mark.parametrize("raw", [b'{"name": "a", "price": NaN}', b'{"name": "a", "price": Infinity}', b"{nope"])
def test_unparseable_json_is_400(client: TestClient, raw: bytes) -> None:
    body = problem(client.post("/items", content=raw, headers={"content-type": "application/json"}), 400)
    assert body["details"][0]["code"] == "parse"


def test_wrong_content_type_is_415_naming_the_accepted_ones(client: TestClient) -> None:
    body = problem(client.post("/items", content=b"<x/>", headers={"content-type": "application/xml"}), 415)
    assert "application/json" in body["detail"]


def test_missing_required_body(client: TestClient) -> None:
    body = problem(client.post("/items", headers={"content-type": "application/json"}), 422)
    assert body["details"][0]["code"] == "missing"


def test_form_body_is_coerced_then_validated(client: TestClient) -> None:
    response = client.post("/items", data={"name": "pen", "price": "2.5", "in_stock": "true", "tags": ["a", "b"]})
    assert response.status_code == 201, response.text
    assert response.json() == {"id": 2, "name": "pen", "price": 2.5, "in_stock": True, "tags": ["a", "b"]}


def test_form_body_errors_are_reported(client: TestClient) -> None:
    body = problem(client.post("/items", data={"name": "pen", "price": "cheap"}), 422)
    assert ("body", "price", "type") in codes(body)


def test_body_size_limit_is_413(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(limits={"max_body_size": 64}))
    body = problem(client.post("/items", json={"name": "x" * 100, "price": 1}), 413)
    assert body["details"][0]["code"] == "maxBodySize"


def test_per_operation_body_limit_override(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(limits={"max_body_size": 64}, operations={"createItem": {"max_body_size": "1KiB"}}))
    assert client.post("/items", json={"name": "x" * 100, "price": 1}).status_code == 201


def test_nesting_depth_limit_is_400(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(limits={"max_depth": 5}))
    deep: Any = "leaf"
    for _ in range(10):
        deep = [deep]
    body = problem(client.post("/items", json={"name": "a", "price": 1, "tags": deep}), 400)
    assert body["details"][0]["code"] == "maxDepth"


def test_discriminator_reports_the_chosen_branch_errors(client: TestClient) -> None:
    body = problem(client.post("/pets", json={"kind": "Cat", "lives": 12}), 422)
    assert ("body", "lives", "maximum") in codes(body)
    assert client.post("/pets", json={"kind": "Dog", "good": True}).status_code == 201


def test_raw_media_types_pass_bytes_through(client: TestClient) -> None:
    response = client.put("/upload", content=b"\x00\x01\x02", headers={"content-type": "application/octet-stream"})
    assert response.json() == {"size": 3}


def test_optional_body_may_be_absent(client: TestClient) -> None:
    assert client.put("/upload").json() == {"size": 0}


# -- responses ------------------------------------------------------------------------------


def test_none_return_with_204(client: TestClient) -> None:
    response = client.delete("/items/1")
    assert response.status_code == 204
    assert response.content == b""


def test_handler_http_error_becomes_problem(client: TestClient) -> None:
    body = problem(client.get("/items/99"), 404)
    assert body["detail"] == "No item 99"


def test_negotiation_picks_by_accept_and_406_when_impossible(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app())
    assert client.get("/items", headers={**TENANT, "accept": "text/csv;q=0.5, application/json"}).headers[
        "content-type"] == "application/json"
    problem(client.get("/items", headers={**TENANT, "accept": "image/png"}), 406)


def test_sync_handler_runs_in_the_thread_pool(client: TestClient) -> None:
    response = client.get("/sync")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text != "MainThread" and "covet-testclient" not in response.text


def test_unhandled_exception_is_500_without_internals(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    body = problem(client.get("/boom"), 500)
    assert "password" not in str(body) and "Traceback" not in str(body)
    assert body["trace_id"] in body["detail"]
    assert any(body["trace_id"] in r.getMessage() and r.exc_info for r in caplog.records)


def test_response_validation_when_enabled(shop_app: Callable[..., CovetApp]) -> None:
    assert TestClient(shop_app()).get("/bad-response").status_code == 200
    problem(TestClient(shop_app(validate_responses=True)).get("/bad-response"), 500)
