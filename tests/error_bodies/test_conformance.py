"""The spec-first check: a sample of each error CovetPy would send, against the declared schema."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from covet._problem import ProblemRenderer
from covet.error_bodies import build_error_renderer
from covet.error_bodies.conformance import ErrorBodyChecker, Mismatch, sample_error
from covet.error_bodies.settings import ErrorsSettings
from covet.spec import load_spec
from covet.spec.compiler import Operation, compile_operations
from covet.validation import SchemaCompiler

CONDUIT_SPEC = "tests/fixtures/apps/conduit/openapi.yaml"
FIXTURE = "tests.fixtures.apps.conduit.errors"


def mismatches(spec: str | Path, renderer: ProblemRenderer | None = None) -> list[Mismatch]:
    doc = load_spec(str(spec), validate=False)
    compiler = SchemaCompiler(doc)
    operations: list[Operation] = compile_operations(doc, compiler=compiler)
    checker = ErrorBodyChecker(doc, compiler, renderer or ProblemRenderer())
    return [found for op in operations for found in checker.check(op)]


def custom(name: str) -> ProblemRenderer:
    return build_error_renderer(ErrorsSettings(renderer=f"{FIXTURE}:{name}"), 100)


def test_samples_carry_what_covetpy_sends_with_each_status() -> None:
    assert len(sample_error(422).details) == 1 and sample_error(422).details[0]["field"]
    assert sample_error(404).details == [] and sample_error(405).headers == {"allow": "GET"}
    assert "www-authenticate" in sample_error(401).headers
    assert sample_error(429).headers["retry-after"] == "30"
    assert (sample_error(418).status, sample_error(418).title) == (418, "I'm a Teapot")
    assert sample_error(499).title == "Client Error"


def test_problem_bodies_against_a_conduit_error_schema_are_each_declared_4xx() -> None:
    found = {(m.operation, m.status) for m in mismatches(CONDUIT_SPEC)}
    assert found == {
        ("createArticle", "401"), ("createArticle", "415"), ("createArticle", "422"),
        ("getArticle", "404"), ("getArticle", "422"),
    }


def test_a_mismatch_names_the_operation_the_status_and_the_fix() -> None:
    first = next(m for m in mismatches(CONDUIT_SPEC) if m.status == "422")
    text = first.message()
    assert text.startswith("createArticle: the 422 error body CovetPy sends")
    assert "/errors: Missing required property" in text
    assert "add an errors: renderer to covet.yaml" in text
    assert "sent as application/problem+json where the spec declares application/json" in text
    assert first.file.endswith("openapi.yaml")
    assert first.pointer == "/paths/~1articles/post/responses/422"


def test_a_renderer_producing_the_declared_shape_leaves_nothing_to_report() -> None:
    assert mismatches(CONDUIT_SPEC, custom("render")) == []


def test_a_renderer_producing_another_shape_is_named_in_the_finding() -> None:
    found = mismatches(CONDUIT_SPEC, custom("wrong_shape"))
    assert len(found) == 5
    assert f"errors.renderer {FIXTURE}:wrong_shape returns does not match" in found[0].message()
    assert "fix the renderer" in found[0].message()


def test_a_renderer_that_raises_on_the_sample_is_reported_not_raised() -> None:
    found = mismatches(CONDUIT_SPEC, custom("broken"))
    assert found and "the renderer raised RuntimeError: a bug in the renderer" in found[0].message()


def test_a_renderer_returning_none_is_checked_as_the_problem_body() -> None:
    found = mismatches(CONDUIT_SPEC, custom("problem_too"))
    assert len(found) == 5 and "CovetPy sends (application/problem+json)" in found[0].message()


def write_spec(tmp_path: Path, responses: str) -> Path:
    path = tmp_path / "api.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      operationId: getX\n      responses:\n        '200': {description: ok}\n"
        + responses
    )
    return path


def test_a_schema_the_problem_body_satisfies_passes(tmp_path: Path) -> None:
    problem = (
        "        '404':\n          description: nope\n          content:\n"
        "            application/problem+json:\n              schema:\n                type: object\n"
        "                required: [title, status, details]\n"
        "                properties: {status: {type: integer}, details: {type: array, maxItems: 0}}\n"
    )
    assert mismatches(write_spec(tmp_path, problem)) == []


@pytest.mark.parametrize(
    "response",
    [
        "        '404': {description: no content}\n",
        "        default:\n          description: d\n          content:\n"
        + "            application/json: {schema: {type: string}}\n",
        "        '500':\n          description: d\n          content:\n"
        + "            application/json: {schema: {type: string}}\n",
        "        '404':\n          description: d\n          content:\n"
        + "            text/html: {schema: {type: string}}\n",
    ],
    ids=["no-content", "default", "5xx", "not-json"],
)
def test_only_declared_4xx_json_schemas_are_checked(tmp_path: Path, response: str) -> None:
    assert mismatches(write_spec(tmp_path, response)) == []


def test_a_4xx_range_is_checked_with_a_400_sample(tmp_path: Path) -> None:
    response = (
        "        4XX:\n          description: d\n          content:\n"
        "            application/json: {schema: {type: object, required: [message]}}\n"
    )
    (found,) = mismatches(write_spec(tmp_path, response))
    assert found.status == "4XX" and "/message" in found.message()


def test_a_body_that_is_not_json_is_a_mismatch_of_a_json_schema(tmp_path: Path) -> None:
    response = (
        "        '404':\n          description: d\n          content:\n"
        "            application/json: {schema: {type: object}}\n"
    )
    (found,) = mismatches(write_spec(tmp_path, response), custom("as_text"))
    assert "the text/plain body is not JSON" in found.message()


def test_the_sample_body_is_what_a_request_would_get() -> None:
    response = custom("render").render(sample_error(422), "t")
    assert orjson.loads(response.body) == {"errors": {"body": ["email 'not-an-email' is not a 'email'"]}}
