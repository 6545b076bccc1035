"""error-body-mismatch: a declared 4xx schema the error body CovetPy would send does not match."""

from __future__ import annotations

from pathlib import Path

from covet.lint import validate_config, validate_specs

from .helpers import of_rule

ROOT = Path(__file__).resolve().parents[2]
CONDUIT = ROOT / "tests" / "fixtures" / "apps" / "conduit"
HANDLERS = "tests.fixtures.apps.conduit.handlers"
RENDERERS = "tests.fixtures.apps.conduit.errors"
RULE = "error-body-mismatch"


def _config(tmp_path: Path, errors: str = "") -> Path:
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"apis:\n  - spec: {CONDUIT / 'openapi.yaml'}\n    handlers: {HANDLERS}\n"
        f"pythonpath: [{ROOT}]\n"
        "auth: {Token: {secret: '" + "s" * 64 + "', algorithms: [HS256]}}\n" + errors
    )
    return config


def test_a_bare_spec_declaring_its_own_error_shape_gets_one_warning_per_declared_4xx() -> None:
    findings = of_rule(validate_specs([CONDUIT / "openapi.yaml"]), RULE)
    assert {(f.pointer, f.severity) for f in findings} == {
        ("/paths/~1articles/post/responses/401", "warning"),
        ("/paths/~1articles/post/responses/415", "warning"),
        ("/paths/~1articles/post/responses/422", "warning"),
        ("/paths/~1articles~1{slug}/get/responses/404", "warning"),
        ("/paths/~1articles~1{slug}/get/responses/422", "warning"),
    }
    found = next(f for f in findings if f.pointer.endswith("get/responses/404"))
    assert found.message.startswith("getArticle: the 404 error body CovetPy sends")
    assert "add an errors: renderer to covet.yaml" in found.message
    assert found.line is not None and found.file == str(CONDUIT / "openapi.yaml")


def test_with_covet_yaml_the_default_problem_body_is_checked_too(tmp_path: Path) -> None:
    assert len(of_rule(validate_config(_config(tmp_path)), RULE)) == 5


def test_a_renderer_that_returns_the_declared_shape_makes_covet_validate_clean(
    tmp_path: Path,
) -> None:
    findings = validate_config(_config(tmp_path, f"errors: {{renderer: '{RENDERERS}:render'}}\n"))
    assert findings == []


def test_the_renderers_own_output_is_what_is_checked(tmp_path: Path) -> None:
    config = _config(tmp_path, f"errors: {{renderer: '{RENDERERS}:wrong_shape'}}\n")
    findings = of_rule(validate_config(config), RULE)
    assert len(findings) == 5
    assert all(f"errors.renderer {RENDERERS}:wrong_shape returns" in f.message for f in findings)


def test_a_renderer_that_cannot_be_imported_is_a_config_finding_at_its_key(tmp_path: Path) -> None:
    config = _config(tmp_path, "errors:\n  renderer: 'nowhere.at_all:render'\n")
    findings = validate_config(config)
    (invalid,) = [f for f in findings if f.rule == "config-invalid"]
    assert invalid.pointer == "/errors/renderer" and invalid.line == 7
    assert "cannot import 'nowhere.at_all:render'" in invalid.message
    assert of_rule(findings, RULE) == []
