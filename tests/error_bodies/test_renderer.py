"""ErrorRenderer: every error in the shape errors.renderer returns, and never a failure of its own.

The renderer is given clipped, JSON-safe fields; what it returns is sent with the error's own
status and fields; whatever it does wrong (raise, return what cannot be sent) is logged and the
problem body goes out instead.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import orjson
import pytest

from covet._problem import ProblemRenderer
from covet.error_bodies import ErrorInfo, ErrorRenderer, build_error_renderer
from covet.error_bodies.renderer import declared_validator, import_renderer
from covet.error_bodies.settings import ErrorsSettings
from covet.errors import (
    ConfigError,
    MethodNotAllowedError,
    NotFoundError,
    RequestValidationError,
    UnauthorizedError,
)
from covet.spec import load_spec
from covet.spec.compiler import compile_operations
from tests.fixtures.apps.conduit import errors as conduit

FIXTURE = "tests.fixtures.apps.conduit.errors"
CONDUIT_SPEC = "tests/fixtures/apps/conduit/openapi.yaml"


def renderer(name: str, max_details: int = 100) -> ErrorRenderer:
    built = build_error_renderer(ErrorsSettings(renderer=f"{FIXTURE}:{name}"), max_details)
    assert isinstance(built, ErrorRenderer)
    return built


def invalid_email() -> RequestValidationError:
    return RequestValidationError(
        "1 problem with the request",
        details=[{"field": "email", "location": "body", "pointer": "/email", "code": "format",
                  "message": "not an email", "value": "x"}],
    )


def test_the_renderer_body_is_sent_as_json_with_the_errors_status() -> None:
    response = renderer("render").render(invalid_email(), "trace-1")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert orjson.loads(response.body) == {"errors": {"body": ["email not an email"]}}


def test_the_renderer_is_told_the_route_and_clipped_fields() -> None:
    conduit.CALLS.clear()
    route = SimpleNamespace(operation_id="createUser", template="/users")
    error = RequestValidationError("x" * 5000, details=[{"value": 2**70, "message": "big"}])
    renderer("render").render(error, "trace-2", route)
    (info,) = conduit.CALLS
    assert (info.status, info.title, info.trace_id) == (422, "Validation failed", "trace-2")
    assert (info.operation_id, info.route) == ("createUser", "/users")
    assert len(info.detail) == 1000 and info.detail.endswith("…")
    assert info.details[0]["value"] == "1180591620717411303424"


def test_the_errors_own_fields_are_sent_whatever_the_renderer_returns() -> None:
    error = UnauthorizedError("no token", challenges=['Bearer realm="api"'])
    response = renderer("render").render(error, "t")
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    allowed = renderer("render").render(MethodNotAllowedError("no", headers={"Allow": "GET"}), "t")
    assert allowed.headers["allow"] == "GET"


def test_renderer_sees_the_fields_with_lower_case_names() -> None:
    conduit.CALLS.clear()
    renderer("render").render(MethodNotAllowedError("no", headers={"Allow": "GET"}), "t")
    assert dict(conduit.CALLS[0].headers) == {"allow": "GET"}


def test_a_renderer_may_choose_the_media_type_and_send_bytes() -> None:
    response = renderer("as_text").render(NotFoundError("gone"), "t")
    assert (response.body, response.headers["content-type"]) == (b"gone", "text/plain; charset=utf-8")


def test_a_renderer_returning_none_sends_the_problem_body() -> None:
    response = renderer("problem_too").render(NotFoundError("gone"), "t")
    assert response.headers["content-type"] == "application/problem+json"
    assert orjson.loads(response.body)["status"] == 404


@pytest.mark.parametrize("name", ["broken", "bad_media_type", "unserializable"])
def test_a_failing_renderer_falls_back_to_the_problem_body_and_logs(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "covet.error"):
        response = renderer(name).render(invalid_email(), "trace-9")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert orjson.loads(response.body)["details"][0]["field"] == "email"
    assert b"x-injected" not in b"".join(v for _, v in response.raw_headers)
    (record,) = caplog.records
    assert f"{FIXTURE}:{name}" in record.getMessage() and "trace-9" in record.getMessage()


def test_format_problem_without_response_checks_is_the_plain_problem_renderer() -> None:
    built = build_error_renderer(ErrorsSettings(), 7)
    assert type(built) is ProblemRenderer and built.max_details == 7
    checked = build_error_renderer(ErrorsSettings(format="problem"), 7, check_responses=True)
    assert type(checked) is ErrorRenderer and checked.function is None


def test_max_details_applies_to_what_the_renderer_is_given() -> None:
    conduit.CALLS.clear()
    details = [{"field": f"f{i}", "message": "m"} for i in range(5)]
    renderer("render", max_details=2).render(RequestValidationError(details=details), "t")
    codes = [d.get("code") for d in conduit.CALLS[0].details]
    assert codes == [None, None, "moreErrors"]


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("tests.fixtures.apps.conduit.nowhere:render", "cannot import"),
        (f"{FIXTURE}:missing", "cannot import"),
        (f"{FIXTURE}:NOT_CALLABLE", "not callable"),
        (f"{FIXTURE}:not_plain", "is async"),
        (f"{FIXTURE}:two_arguments", "one argument"),
    ],
)
def test_a_bad_renderer_reference_is_a_config_error_at_errors_renderer(ref: str, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        import_renderer(ref)
    assert info.value.pointer == "/errors/renderer"
    assert says in str(info.value) and ref in str(info.value)


def test_declared_validator_finds_the_status_then_falls_back_to_a_json_media_type() -> None:
    doc = load_spec(CONDUIT_SPEC, validate=False)
    operations = compile_operations(doc, validate_responses=True)
    responses = next(op for op in operations if op.operation_id == "getArticle").responses
    found = declared_validator(responses, 404, "application/problem+json")
    assert found is not None
    assert found.errors({"errors": {"body": ["x"]}}) == [] and found.errors({"title": "x"})
    assert declared_validator(responses, 409, "application/json") is None


def test_error_info_problem_is_the_design_shape() -> None:
    info = ErrorInfo(404, "Not Found", "gone", (), "t")
    assert info.problem() == {
        "type": "about:blank", "title": "Not Found", "status": 404, "error": "Not Found",
        "detail": "gone", "details": [], "trace_id": "t",
    }
