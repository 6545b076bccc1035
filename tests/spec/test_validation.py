"""Spec validation: the first error, located in the file that holds it, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.validators import SpecValidator

from covet.errors import SpecError, UnsupportedSpecError
from covet.spec import _validation as validation
from covet.spec import load_spec

SPECS = Path(__file__).parents[1] / "fixtures" / "specs"
ERRORS = SPECS / "errors"
CASES = SPECS / "validation"


def first_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return caught.value


def test_valid_document_loads() -> None:
    assert load_spec(CASES / "valid_31.yaml").dialect == "3.1"


def test_schema_error_is_located_with_a_readable_message() -> None:
    error = first_error(ERRORS / "missing_responses.yaml")
    assert error.file == str(ERRORS / "missing_responses.yaml")
    assert (error.pointer, error.line) == ("/paths/~1pets/get", 7)
    assert error.message == 'invalid OpenAPI 3.0.3 document: "responses" is a required property'


def test_library_check_without_a_path_is_located_at_the_operation() -> None:
    error = first_error(ERRORS / "path_parameter_undeclared.yaml")
    assert (error.pointer, error.line) == ("/paths/~1pets~1{petId}/get", 5)
    assert "Path parameter 'petId' for 'get' operation in '/pets/{petId}'" in error.message


def test_error_in_a_referenced_file_is_located_in_that_file() -> None:
    error = first_error(ERRORS / "invalid_in_referenced_file.yaml")
    assert error.file == str(ERRORS / "parts" / "bad_parameter.yaml")
    assert (error.pointer, error.line) == ("/schema/default", 5)
    assert error.message.endswith("'twenty' is not of type 'integer'")


def test_further_errors_are_counted() -> None:
    error = first_error(CASES / "two_errors.yaml")
    assert error.message.endswith("(and 1 more error; fix this one first)")


def test_schema_meta_check_error_in_3_1_is_the_librarys() -> None:
    error = first_error(CASES / "bad_pattern_31.yaml")
    assert error.pointer == "/components/schemas/Pet/properties/name/pattern"
    assert "'(unclosed' is not a 'regex'" in error.message


def test_remote_ref_the_validator_follows_is_refused_not_fetched() -> None:
    with pytest.raises(UnsupportedSpecError) as caught:
        load_spec(CASES / "remote_ref_in_default.yaml")
    assert "remote $ref 'https://example.com/x.yaml'" in caught.value.message
    assert caught.value.file == str(CASES / "remote_ref_in_default.yaml")
    assert caught.value.pointer is not None
    assert caught.value.pointer.startswith("/paths/~1pets/get/parameters/0")


class ExplodingOperationValidator(keywords.OperationValidator):
    """Stands in for the library crashing, as it does on DigitalOcean's spec."""

    def __call__(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise AttributeError("'str' object has no attribute 'get'")
        yield  # a generator, like the real one


def exploding_validator() -> type[SpecValidator]:
    return validation.covet_validator(
        OpenAPIV30SpecValidator, {"operation": ExplodingOperationValidator}
    )


def test_validator_crash_becomes_a_located_spec_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(validation._VALIDATORS, "3.0", exploding_validator())
    error = first_error(ERRORS / "path_parameter_undeclared.yaml")
    assert type(error) is SpecError
    assert (error.pointer, error.line) == ("/paths/~1pets~1{petId}/get", 5)
    assert "could not check the document here (AttributeError:" in error.message


def test_crash_while_counting_keeps_the_first_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(validation._VALIDATORS, "3.0", exploding_validator())
    error = first_error(ERRORS / "missing_responses.yaml")  # first error from the schema pass
    assert error.message.startswith('invalid OpenAPI 3.0.3 document: "responses" is a required')


def test_validation_does_not_keep_documents_alive() -> None:
    # SpecValidator.iter_errors sits behind an unbounded lru_cache keyed on the validator.
    cache = SpecValidator.iter_errors.__wrapped__  # type: ignore[attr-defined]
    before = cache.cache_info().currsize
    load_spec(CASES / "valid_31.yaml")
    assert cache.cache_info().currsize == before


def test_locate_follows_refs_across_files() -> None:
    doc = load_spec(SPECS / "multi_file" / "openapi.yaml")
    node, file, pointer = validation.locate(
        doc, ("paths", "/orders/{orderId}", "get", "responses", "200", "content",
              "application/json", "schema", "properties", "pet", "required", 1)
    )  # fmt: skip
    assert node == "name"
    assert file == str(SPECS / "multi_file" / "schemas" / "pet.yaml")
    assert pointer == "/required/1"


def test_locate_stops_at_the_deepest_existing_node() -> None:
    doc = load_spec(SPECS / "multi_file" / "openapi.yaml")
    _, file, pointer = validation.locate(doc, ("paths", "/pets", "get", "nope", "deeper"))
    assert (file, pointer) == (str(SPECS / "multi_file" / "paths" / "pets.yaml"), "/get")
