"""example-invalid: examples checked against their own schema, where they are written."""

from __future__ import annotations

from .helpers import lint, of_rule

EXPECTED = {
    # pointer of the example value -> part of the message
    "/paths/~1pets/get/parameters/0/example": "greater than or equal to 1",
    "/paths/~1pets/get/parameters/1/examples/bad/value": '"name", "age"',
    "/paths/~1pets/get/responses/200/headers/X-Total/example": "Expected integer",
    "/paths/~1pets/post/requestBody/content/application~1json/example": "Read-only property",
    "/components/examples/BadPets/value": "at /0/id: Expected integer",
    "/components/schemas/Pet/properties/born/example": "Not a valid date",
    "/components/schemas/Broken/example": "at /size",
}


def test_each_invalid_example_is_reported_at_its_value() -> None:
    findings = of_rule(lint("examples.yaml"), "example-invalid")
    assert {f.pointer for f in findings} == set(EXPECTED)
    for finding in findings:
        assert EXPECTED[str(finding.pointer)] in finding.message
        assert finding.severity == "warning" and finding.line is not None


def test_valid_examples_pass() -> None:
    findings = of_rule(lint("examples.yaml"), "example-invalid")
    passing = {
        "/paths/~1pets/get/parameters/1/examples/good/value",
        "/components/examples/GoodPets/value",  # nullable in 3.0
        "/components/schemas/Pet/example",  # readOnly and writeOnly together: a shared schema
        "/components/schemas/Pet/properties/name/example",
    }
    assert not passing & {f.pointer for f in findings}
    assert not of_rule(lint("clean.yaml"), "example-invalid")


def test_non_json_examples_are_not_checked() -> None:
    findings = of_rule(lint("examples.yaml"), "example-invalid")
    assert not [f for f in findings if "xml" in str(f.pointer)]


def test_openapi_31_schema_examples_lists_are_checked_item_by_item() -> None:
    (finding,) = of_rule(lint("examples31.yaml"), "example-invalid")
    assert finding.pointer == "/components/schemas/Ping/properties/at/examples/1"
    assert "date-time" in finding.message


def test_message_names_the_schema_and_the_first_errors() -> None:
    (finding,) = [f for f in of_rule(lint("examples.yaml"), "example-invalid")
                  if f.pointer == "/components/examples/BadPets/value"]
    assert "/paths/~1pets/get/responses/200/content/application~1json/schema" in finding.message
    assert "fix the example or the schema" in finding.message
