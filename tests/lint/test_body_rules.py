"""body-rule-field-unknown: a unique or validators rule whose field the body schema cannot have."""

from __future__ import annotations

from pathlib import Path

from covet.lint import validate_config

from .helpers import fixture, lint, of_rule


def test_rules_naming_fields_the_envelope_lacks_are_findings_at_the_rule() -> None:
    findings = of_rule(lint("body_rules.yaml"), "body-rule-field-unknown")
    assert {(f.pointer, f.severity) for f in findings} == {
        ("/paths/~1users/post/requestBody/content/application~1json/schema/x-covet-unique/1", "error"),
        ("/paths/~1users/post/requestBody/content/application~1json/schema/x-covet-validators/user.nmae",
         "error"),
    }
    unique = next(f for f in findings if "unique" in f.pointer)
    assert "createUser" in unique.message and "'/user/emial'" in unique.message
    assert "'user' has no member 'emial' (its properties: email, name, tags)" in unique.message
    assert unique.line is not None


def test_open_objects_and_present_fields_are_not_findings() -> None:
    """additionalProperties, a free-form object and nested declared members accept the path."""
    findings = of_rule(lint("body_rules.yaml"), "body-rule-field-unknown")
    assert not [f for f in findings if "createNote" in f.message]


def _config(tmp_path: Path, operations: str) -> Path:
    config = tmp_path / "covet.yaml"
    config.write_text(f"apis:\n  - spec: {fixture('body_rules.yaml')}\noperations:\n{operations}")
    return config


def test_covet_yaml_rules_are_resolved_and_located_at_their_key(tmp_path: Path) -> None:
    config = _config(tmp_path, (
        "  createUser:\n"
        "    unique: [{field: user.email, table: users, column: email},\n"
        "             {field: no_such_field, table: users, column: email}]\n"
        "  ping:\n"
        "    validators: {user.email: [check]}\n"
    ))
    findings = of_rule(validate_config(config), "body-rule-field-unknown")
    by_pointer = {f.pointer: f for f in findings if f.file == str(config)}
    assert set(by_pointer) == {"/operations/createUser/unique/1/field", "/operations/ping/validators/user.email"}
    assert "the body has no member 'no_such_field' (its properties: user)" in (
        by_pointer["/operations/createUser/unique/1/field"].message
    )
    assert "declares no requestBody" in by_pointer["/operations/ping/validators/user.email"].message
    assert by_pointer["/operations/createUser/unique/1/field"].line == 6


def test_a_malformed_covet_yaml_path_is_a_finding(tmp_path: Path) -> None:
    config = _config(tmp_path, "  createUser:\n    validators: {'user..email': [check]}\n")
    (finding,) = [f for f in of_rule(validate_config(config), "body-rule-field-unknown")
                  if f.file == str(config)]
    assert "empty segment" in finding.message
    assert finding.pointer == "/operations/createUser/validators/user..email"
