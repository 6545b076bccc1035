"""Per-operation rules: operationId, success responses, security schemes, path parameters."""

from __future__ import annotations

from .helpers import lint, of_rule


def test_operation_without_id_or_handler_is_reported() -> None:
    findings = of_rule(lint("operation_ids.yaml"), "operation-id-missing")
    assert [(f.pointer, f.line) for f in findings] == [("/paths/~1a/get", 5)]
    assert "x-covet-handler" in findings[0].message


def test_x_covet_handler_stands_in_for_an_operation_id() -> None:
    findings = of_rule(lint("operation_ids.yaml"), "operation-id-missing")
    assert "/paths/~1a/post" not in {f.pointer for f in findings}


def test_operation_without_2xx_or_3xx_is_a_warning() -> None:
    (finding,) = of_rule(lint("responses.yaml"), "no-success-response")
    assert (finding.severity, finding.pointer) == ("warning", "/paths/~1fail/get/responses")
    assert "404, default" in finding.message


def test_2xx_range_redirects_and_created_count_as_success() -> None:
    findings = of_rule(lint("responses.yaml"), "no-success-response")
    assert {f.pointer for f in findings} == {"/paths/~1fail/get/responses"}


def test_undefined_security_schemes_are_reported_at_each_requirement() -> None:
    findings = of_rule(lint("security.yaml"), "security-scheme-undefined")
    assert [(f.pointer, f.line) for f in findings] == [
        ("/security/0/oauth", 4),
        ("/paths/~1a/get/security/1/basic", 11),
    ]
    assert "defined: apiKey" in findings[0].message


def test_defined_schemes_and_the_empty_requirement_pass() -> None:
    assert not of_rule(lint("clean.yaml"), "security-scheme-undefined")


def test_template_parameter_without_declaration_is_reported() -> None:
    (finding,) = of_rule(lint("path_params.yaml"), "path-param-undeclared")
    assert (finding.pointer, finding.line) == ("/paths/~1users~1{id}/get", 5)
    assert "{id}" in finding.message


def test_declared_path_parameter_missing_from_template_is_reported_where_listed() -> None:
    (finding,) = of_rule(lint("path_params.yaml"), "path-param-not-in-template")
    assert (finding.pointer, finding.line) == ("/paths/~1items/get/parameters/0", 13)


def test_path_parameters_declared_on_the_path_item_through_a_ref_pass() -> None:
    findings = lint("path_params.yaml")
    path_rules = [f for f in findings if f.rule.startswith("path-param")]
    assert not [f for f in path_rules if "itemId" in str(f.pointer)]
    assert not of_rule(lint("clean.yaml"), "path-param-undeclared")


def test_integer_parameters_without_format_or_both_bounds_are_a_warning() -> None:
    findings = of_rule(lint("integers.yaml"), "integer-param-unbounded")
    assert [(f.severity, f.pointer) for f in findings] == [
        ("warning", "/paths/~1users~1{user_id}/parameters/0"),
        ("warning", "/paths/~1users~1{user_id}/get/parameters/1"),
    ]
    assert "'user_id' of getUser" in findings[0].message and "format: int32" in findings[0].message


def test_formats_both_bounds_refs_and_numbers_pass() -> None:
    pointers = {f.pointer for f in of_rule(lint("integers.yaml"), "integer-param-unbounded")}
    assert not pointers & {
        "/paths/~1users~1{user_id}/get/parameters/0",  # minimum and maximum
        "/paths/~1users~1{user_id}/get/parameters/2",  # format: int64
        "/paths/~1users~1{user_id}/get/parameters/3",  # $ref to a format: int32 schema
        "/paths/~1users~1{user_id}/get/parameters/4",  # a number, not an integer
    }
