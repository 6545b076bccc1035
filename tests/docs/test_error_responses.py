"""The served spec declares the error responses CovetPy answers itself, per operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from covet.app import CovetApp
from covet.docs import bundle_spec
from covet.docs.error_responses import PROBLEM_SCHEMA, add_error_responses
from covet.spec import load_spec
from covet.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
SHOP_SPEC = ROOT / "tests" / "fixtures" / "apps" / "shop" / "openapi.yaml"
REFERENCE_SPEC = ROOT / "specs" / "openapi.yaml"


def served(spec: Path = SHOP_SPEC) -> dict[str, Any]:
    return add_error_responses(bundle_spec(load_spec(spec)))


def statuses(document: dict[str, Any], path: str, method: str) -> set[str]:
    return set(document["paths"][path][method]["responses"])


def test_each_operation_gets_what_covet_can_answer_for_it() -> None:
    document = served()
    assert statuses(document, "/items", "post") == {"201", "400", "413", "415", "422", "503"}
    assert statuses(document, "/items", "get") == {"200", "400", "406", "422", "503"}  # json+csv
    assert statuses(document, "/items/{item_id}", "delete") == {"204", "400", "422", "503"}
    declared = set(bundle_spec(load_spec(SHOP_SPEC))["paths"]["/boom"]["get"]["responses"])
    assert statuses(document, "/boom", "get") - declared == {"400", "503"}  # nothing to validate


def test_what_the_author_declared_is_kept_as_written() -> None:
    original = bundle_spec(load_spec(REFERENCE_SPEC))
    document = add_error_responses(original)
    for path, item in original["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                assert document["paths"][path][method]["responses"][status] == response


def test_a_declared_range_counts_as_declared() -> None:
    document = {
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {}}},
                                  "responses": {"200": {"description": "ok"},
                                                "4XX": {"description": "client error"},
                                                "default": {"description": "other"}}}}},
    }
    assert set(add_error_responses(document)["paths"]["/a"]["post"]["responses"]) == {
        "200", "4XX", "default", "503",
    }


def test_one_shared_schema_and_one_response_per_status_are_added() -> None:
    document = served()
    assert document["components"]["schemas"]["CovetProblem"] == PROBLEM_SCHEMA
    refs = {
        response["$ref"]
        for item in document["paths"].values() for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values() if "$ref" in response
    }
    assert refs >= {"#/components/responses/CovetBadRequest",
                    "#/components/responses/CovetServiceUnavailable"}
    for name in ("CovetBadRequest", "CovetValidationFailed", "CovetServiceUnavailable"):
        content = document["components"]["responses"][name]["content"]
        assert content == {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/CovetProblem"}}}


def test_an_authors_component_of_the_same_name_is_not_overwritten() -> None:
    document = bundle_spec(load_spec(SHOP_SPEC))
    document["components"]["schemas"]["CovetProblem"] = {"type": "string"}
    out = add_error_responses(document)
    assert out["components"]["schemas"]["CovetProblem"] == {"type": "string"}
    assert out["components"]["schemas"]["CovetProblem_2"] == PROBLEM_SCHEMA


def test_the_input_document_is_not_modified() -> None:
    document = bundle_spec(load_spec(SHOP_SPEC))
    before = repr(document)
    add_error_responses(document)
    assert repr(document) == before


@pytest.mark.parametrize("spec", [SHOP_SPEC, REFERENCE_SPEC, ROOT / "specs" / "openapi-v2.yaml"])
def test_the_result_is_valid_openapi(spec: Path) -> None:
    validate(served(spec))


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/items?limit=0", {"headers": {"X-Tenant": "1"}}, 422),
        ("post", "/items", {"content": b"{", "headers": {"content-type": "application/json"}}, 400),
        ("post", "/items", {"content": b"x", "headers": {"content-type": "text/xml"}}, 415),
        ("get", "/orders/%FF", {}, 400),
    ],
)
def test_real_error_bodies_match_the_added_schema(
    method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    client = TestClient(CovetApp.from_spec(SHOP_SPEC, "tests.fixtures.apps.shop.handlers"))
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    jsonschema.validate(response.json(), dict(PROBLEM_SCHEMA))


SECURED_SPEC = ROOT / "tests" / "fixtures" / "apps" / "secured" / "openapi.yaml"


def test_secured_operations_declare_401_and_scoped_ones_403() -> None:
    document = served(SECURED_SPEC)
    assert {"401"} <= statuses(document, "/inherited", "get")  # the root's requirement
    assert "403" not in statuses(document, "/inherited", "get")
    assert {"401", "403"} <= statuses(document, "/scoped", "get")  # oauth: [posts:write]
    assert {"401", "403"} <= statuses(document, "/roles", "get")  # basicAuth: [admin]
    assert not {"401", "403"} & statuses(document, "/public", "get")  # security: []
    assert "401" in statuses(document, "/optional", "get")  # [{}, {bearerAuth: []}]


def test_rate_limited_operations_declare_429() -> None:
    document = add_error_responses(
        bundle_spec(load_spec(SECURED_SPEC)),
        lambda operation: operation.get("operationId") == "basic",
    )
    assert "429" in statuses(document, "/basic", "get")
    assert "429" not in statuses(document, "/public", "get")
    ref = document["paths"]["/basic"]["get"]["responses"]["429"]["$ref"]
    assert document["components"]["responses"][ref.rsplit("/", 1)[1]]["description"].startswith("A rate limit")


def test_with_an_errors_renderer_the_statuses_are_declared_without_a_problem_body() -> None:
    document = add_error_responses(bundle_spec(load_spec(SHOP_SPEC)), problem_bodies=False)
    assert statuses(document, "/items", "post") == {"201", "400", "413", "415", "422", "503"}
    assert "CovetProblem" not in document["components"].get("schemas", {})
    assert document["components"]["responses"]["CovetValidationFailed"] == {
        "description": "Parameters or body do not match their schemas"
    }
    validate(document)


def test_the_served_document_of_an_app_with_a_renderer_promises_no_problem_body() -> None:
    spec = ROOT / "tests" / "fixtures" / "apps" / "conduit" / "openapi.yaml"
    app = CovetApp.from_spec(
        spec, "tests.fixtures.apps.conduit.handlers",
        auth={"Token": {"secret": "s" * 64, "algorithms": ["HS256"]}},
        errors={"renderer": "tests.fixtures.apps.conduit.errors:render"},
    )
    document = TestClient(app).get("/openapi.json").json()
    assert "CovetProblem" not in document["components"]["schemas"]
    assert "problem+json" not in str(document)
