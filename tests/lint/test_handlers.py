"""Handler binding: the app's own resolve_handler and bind_handler, every problem collected."""

from __future__ import annotations

import importlib
import types
from pathlib import Path

import pytest

from covet.lint import Finding, validate_specs

from .helpers import BINDING_HANDLERS, CLEAN_HANDLERS, fixture, lint, of_rule


def _binding() -> list[Finding]:
    return lint("handlers.yaml", handlers=BINDING_HANDLERS)


def test_clean_handlers_bind_without_findings() -> None:
    assert lint("clean.yaml", handlers=CLEAN_HANDLERS) == []


def test_operation_without_function_is_handler_missing_with_suggestions() -> None:
    findings = of_rule(_binding(), "handler-missing")
    by_pointer = {f.pointer: f for f in findings}
    missing = by_pointer["/paths/~1things~1{thingId}/delete/operationId"]
    assert "delete_thing" in missing.message and "did you mean" in missing.message


def test_x_covet_handler_naming_nothing_is_handler_missing() -> None:
    findings = of_rule(_binding(), "handler-missing")
    assert any(f.pointer == "/paths/~1explicit/post" and "nowhere" in f.message for f in findings)


def test_handler_parameter_nothing_supplies_is_handler_param_unknown() -> None:
    findings = of_rule(_binding(), "handler-param-unknown")
    (colour,) = [f for f in findings if "'colour'" in f.message]
    assert colour.pointer == "/paths/~1things~1{thingId}/patch"
    assert "candidates" in colour.message


def test_provider_names_are_accepted_when_declared() -> None:
    undeclared = of_rule(_binding(), "handler-param-unknown")
    with_db = lint("handlers.yaml", handlers=BINDING_HANDLERS, providers=["db"])
    declared = of_rule(with_db, "handler-param-unknown")
    assert any("'db'" in f.message for f in undeclared)
    assert not any("'db'" in f.message for f in declared)


def test_required_parameter_and_body_the_handler_cannot_receive_are_warnings() -> None:
    findings = of_rule(_binding(), "handler-param-unreachable")
    assert {f.severity for f in findings} == {"warning"}
    assert sorted(("thing_id" in f.message, "body" in f.message) for f in findings) == [
        (False, True), (True, False),
    ]
    assert {f.pointer for f in findings} == {"/paths/~1things~1{thingId}/put"}


def test_kwargs_and_request_make_every_parameter_reachable() -> None:
    findings = of_rule(_binding(), "handler-param-unreachable")
    assert not [f for f in findings if "/any/" in str(f.pointer)]


def test_optional_parameters_need_not_be_taken() -> None:
    get_thing = "/paths/~1things~1{thingId}/get"
    assert not [f for f in _binding() if f.pointer and f.pointer.startswith(get_thing)]


def test_a_module_that_fails_to_import_is_one_finding() -> None:
    findings = lint("handlers.yaml", handlers="tests.fixtures.lint.broken_handlers")
    (failed,) = of_rule(findings, "handler-import-failed")
    assert "RuntimeError" in failed.message and "database URL" in failed.message
    # only the x-covet-handler operations, which name their own module, are still resolved
    assert {f.pointer for f in of_rule(findings, "handler-missing")} <= {"/paths/~1explicit/post"}


def test_missing_module_is_handler_import_failed() -> None:
    findings = lint("clean.yaml", handlers="tests.fixtures.lint.no_such_module")
    (failed,) = of_rule(findings, "handler-import-failed")
    assert "ModuleNotFoundError" in failed.message


def test_handler_checks_are_skipped_without_a_module() -> None:
    findings = lint("handlers.yaml")
    assert not [f for f in findings if f.rule.startswith("handler-")]


def test_a_broken_module_is_tried_once_not_once_per_operation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = "tests.fixtures.lint.broken_handlers"
    attempts: list[str] = []
    original = importlib.import_module

    def counting(name: str, package: str | None = None) -> types.ModuleType:
        if name == broken:
            attempts.append(name)
        return original(name, package)

    monkeypatch.setattr(importlib, "import_module", counting)
    validate_specs([fixture("handlers.yaml")], broken)
    assert attempts == [broken]


def test_x_covet_handler_in_a_broken_module_is_reported_once(tmp_path: Path) -> None:
    ref = "tests.fixtures.lint.broken_handlers:anything"
    operation = f"x-covet-handler: '{ref}', responses: {{'200': {{description: x}}}}"
    spec = tmp_path / "explicit.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n"
        f"  /a:\n    get: {{{operation}}}\n  /b:\n    get: {{{operation}}}\n"
    )
    findings = validate_specs([spec], "tests.fixtures.lint.clean_handlers")
    assert [(f.rule, f.pointer, f.line) for f in findings] == [
        ("handler-import-failed", "/paths/~1a/get", 5),
    ]
