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


# -- a hostile client (tests/fixtures/apps/hostile) -------------------------------------------

HOSTILE_SPEC = "tests/fixtures/apps/hostile/openapi.yaml"
HOSTILE_HANDLERS = "tests.fixtures.apps.hostile.handlers"


def hostile(**settings: Any) -> TestClient:
    settings.setdefault("server", {"access_log": False})
    return TestClient(CovetApp.from_spec(HOSTILE_SPEC, HOSTILE_HANDLERS, **settings))


@pytest.mark.parametrize(
    ("path", "field", "code"),
    [
        ("/accounts/2147483648", "account_id", "maximum"),  # format: int32
        ("/accounts/-2147483649", "account_id", "minimum"),
        ("/accounts/1?big=9223372036854775808", "big", "maximum"),  # format: int64
        ("/accounts/1?offset=10000000000000000000", "offset", "maximum"),  # no format: int64
        ("/accounts/1?offset=-" + "9" * 5000, "offset", "minimum"),
        ("/accounts/1?small=11", "small", "maximum"),  # the author's tighter bound is kept
    ],
)
def test_integers_are_held_to_their_format_or_64_bits(path: str, field: str, code: str) -> None:
    body = problem(hostile().get(path), 422)
    assert [(d["field"], d["code"]) for d in body["details"]] == [(field, code)]


def test_integers_at_their_limits_are_accepted() -> None:
    response = hostile().get("/accounts/2147483647?big=-9223372036854775808&offset=9223372036854775807")
    assert response.status_code == 200
    assert response.json()["big"] == -(2**63)


@pytest.mark.parametrize("number", ["100000000000000000000", "18446744073709551615", "1e300"])
def test_body_integers_past_64_bits_are_a_422(number: str) -> None:
    response = hostile().put(
        "/accounts/1", content=f'{{"name": "a", "balance": {number}}}'.encode(),
        headers={"content-type": "application/json", "x-version": "1"},
    )
    body = problem(response, 422)
    assert [(d["field"], d["code"]) for d in body["details"]] == [("balance", "maximum")]


def test_a_huge_integer_in_an_error_detail_renders() -> None:
    response = hostile().get("/accounts/1?offset=100000000000000000000")
    assert problem(response, 422)["details"][0]["value"] == "100000000000000000000"


def test_a_deep_deepobject_key_is_a_400_not_a_recursion_error() -> None:
    body = problem(hostile().get("/search?where" + "[a]" * 300 + "=1"), 400)
    assert body["details"][0]["code"] == "maxDepth"


def test_a_deep_json_content_parameter_is_a_400() -> None:
    body = problem(hostile().get("/search?match=" + "%5B" * 2000 + "%5D" * 2000), 400)
    assert "Nested deeper than 32 levels" in body["details"][0]["message"]


def test_a_json_body_with_a_duplicate_key_is_a_400() -> None:
    response = hostile().put(
        "/accounts/1", content=b'{"name": "a", "name": "b"}',
        headers={"content-type": "application/json", "x-version": "1"},
    )
    assert problem(response, 400)["details"][0]["code"] == "duplicateKey"


def test_strict_json_off_keeps_the_last_duplicate() -> None:
    response = hostile(limits={"strict_json": False}).put(
        "/accounts/1", content=b'{"name": "a", "name": "b"}',
        headers={"content-type": "application/json", "x-version": "1"},
    )
    assert response.json()["body"] == {"name": "b"}


def test_an_unsupported_media_type_is_reported_with_the_other_errors() -> None:
    response = hostile().put(
        "/accounts/2147483648", content=b"<a/>", headers={"content-type": "application/xml"}
    )
    body = problem(response, 415)
    assert codes(body) == {
        ("path", "account_id", "maximum"),
        ("header", "X-Version", "missing"),
        ("body", "", "mediaType"),
    }


def test_a_form_past_the_field_limit_is_a_413_without_validating_each_field() -> None:
    form = b"&".join(b"f%d=1" % i for i in range(90_000))
    response = hostile(limits={"max_body_size": "2MiB"}).put(
        "/accounts/1", content=form,
        headers={"content-type": "application/x-www-form-urlencoded", "x-version": "1"},
    )
    body = problem(response, 413)
    assert body["details"][0]["code"] == "maxFields"
    assert len(response.content) < 1000


def test_a_form_value_that_is_not_utf8_is_a_400() -> None:
    response = hostile().put(
        "/accounts/1", content=b"name=%FF%FE",
        headers={"content-type": "application/x-www-form-urlencoded", "x-version": "1"},
    )
    assert problem(response, 400)["details"][0]["code"] == "encoding"


def test_thousands_of_unknown_fields_give_a_bounded_error() -> None:
    fields = ", ".join(f'"f{i}": 1' for i in range(20_000))
    response = hostile(limits={"max_error_details": 50}).put(
        "/accounts/1", content=f'{{"name": "a", {fields}}}'.encode(),
        headers={"content-type": "application/json", "x-version": "1"},
    )
    body = problem(response, 422)
    assert len(body["details"]) == 51
    assert body["details"][-1]["code"] == "moreErrors"
    assert len(response.content) < 20_000


def test_an_empty_delimited_array_is_the_empty_array(client: TestClient) -> None:
    # OpenAPI serializes [] as `tags=` (form, explode: false): a value, not an empty value.
    response = client.get("/items?tags=", headers=TENANT)
    assert response.status_code == 200
    assert response.json()["tags"] == []


# -- secrets in error details -------------------------------------------------------------------

SECRET_SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /signup:
    post:
      operationId: signup
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Signup'}
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/Signup'}
      responses: {'201': {description: ok}}
components:
  schemas:
    Secret: {type: string, minLength: 12, format: password}
    Signup:
      type: object
      required: [email, password]
      properties:
        email: {type: string, format: email}
        password: {$ref: '#/components/schemas/Secret'}
        pin: {type: integer, writeOnly: true, maximum: 9999}
        nested:
          type: object
          properties:
            passphrase: {type: string, format: password, enum: [correct horse battery]}
"""


def signup_client(tmp_path: Any) -> TestClient:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SECRET_SPEC)
    handlers = tmp_path / "secret_handlers.py"
    handlers.write_text("async def signup(body):\n    return None\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        return TestClient(CovetApp.from_spec(spec, "secret_handlers"))
    finally:
        sys.path.remove(str(tmp_path))


def test_password_and_write_only_values_never_appear_in_an_error(tmp_path: Any) -> None:
    client = signup_client(tmp_path)
    sent = {"email": "not-an-email", "password": "hunter2", "pin": 123456,
            "nested": {"passphrase": "swordfish-secret"}}
    response = client.post("/signup", json=sent)
    body = problem(response, 422)
    by_field = {d["field"]: d for d in body["details"]}
    assert set(by_field) == {"email", "password", "pin", "nested.passphrase"}
    assert by_field["email"]["value"] == "not-an-email"  # an ordinary field keeps its value
    for field in ("password", "pin", "nested.passphrase"):
        assert "value" not in by_field[field], field
    for secret in ("hunter2", "123456", "swordfish"):
        assert secret not in response.text


def test_a_form_password_that_fails_coercion_is_not_echoed(tmp_path: Any) -> None:
    client = signup_client(tmp_path)
    response = client.post("/signup", data={"email": "a@b.test", "password": "pw", "pin": "12ab34"})
    body = problem(response, 422)
    assert {d["field"] for d in body["details"]} == {"password", "pin"}
    assert "12ab34" not in response.text and '"pw"' not in response.text
