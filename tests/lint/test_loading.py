"""Loading for lint: every loading problem is a located finding, never an exception."""

from __future__ import annotations

from pathlib import Path

from covet.lint.collector import Collector
from covet.lint.loading import LoadedSpec, load_for_lint

from .helpers import fixture, lint, of_rule, rules_of

HEADER = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\n"


def _load(path: str) -> tuple[LoadedSpec | None, Collector]:
    out = Collector()
    return load_for_lint(path, out), out


def test_valid_document_is_trusted() -> None:
    loaded, out = _load(fixture("clean.yaml"))
    assert loaded is not None and loaded.trusted
    assert out.findings == []


def test_missing_spec_file_is_spec_unreadable(tmp_path: Path) -> None:
    loaded, out = _load(str(tmp_path / "nope.yaml"))
    assert loaded is None
    missing = str(tmp_path / "nope.yaml")
    assert [(f.rule, f.file) for f in out.findings] == [("spec-unreadable", missing)]
    assert "file not found" in out.findings[0].message


def test_directory_is_spec_unreadable(tmp_path: Path) -> None:
    loaded, out = _load(str(tmp_path))
    assert loaded is None and rules_of(out.findings) == {"spec-unreadable"}


def test_yaml_syntax_error_is_spec_invalid_with_its_line() -> None:
    (finding,) = lint("bad_yaml.yaml")
    assert (finding.rule, finding.line) == ("spec-invalid", 3)
    assert "invalid YAML" in finding.message


def test_invalid_openapi_is_one_finding_and_the_other_checks_still_run() -> None:
    findings = lint("invalid_spec.yaml")
    (invalid,) = of_rule(findings, "spec-invalid")
    assert "'info'" in invalid.message or '"info"' in invalid.message
    assert of_rule(findings, "operation-id-missing")


def test_swagger_2_is_spec_unsupported_and_nothing_else() -> None:
    (finding,) = lint("swagger2.yaml")
    assert finding.rule == "spec-unsupported"
    assert "swagger2openapi" in finding.message


def test_remote_ref_is_spec_unsupported(tmp_path: Path) -> None:
    spec = tmp_path / "remote.yaml"
    spec.write_text(HEADER + "paths: {}\ncomponents:\n  schemas:\n"
                    "    A: {$ref: 'https://example.com/a.yaml'}\n")
    assert rules_of(lint(str(spec))) == {"spec-unsupported"}


def test_every_unresolved_ref_is_reported_at_its_own_line() -> None:
    findings = lint("broken_refs.yaml")
    refs = of_rule(findings, "ref-unresolved")
    assert [(f.line, f.pointer) for f in refs] == [
        (12, "/paths/~1a/get/responses/200/content/application~1json/schema"),
        (21, "/paths/~1b/get/responses/200/content/application~1json/schema"),
    ]
    assert "'Nope'" in refs[0].message
    assert "missing_file.yaml" in refs[1].message


def test_broken_refs_do_not_stop_the_other_checks() -> None:
    findings = lint("broken_refs.yaml")
    still_checked = of_rule(findings, "no-success-response")
    assert [f.pointer for f in still_checked] == ["/paths/~1c/get/responses"]
    assert not of_rule(findings, "spec-invalid")  # not validated while refs are broken


def test_a_ref_chain_is_reported_where_it_breaks(tmp_path: Path) -> None:
    spec = tmp_path / "chain.yaml"
    spec.write_text(HEADER + "paths: {}\ncomponents:\n  schemas:\n"
                    "    A: {$ref: '#/components/schemas/B'}\n"
                    "    B: {$ref: '#/components/schemas/C'}\n")
    (finding,) = of_rule(lint(str(spec)), "ref-unresolved")
    assert (finding.pointer, finding.line) == ("/components/schemas/B", 7)


def test_a_ref_cycle_is_ref_unresolved(tmp_path: Path) -> None:
    spec = tmp_path / "cycle.yaml"
    spec.write_text(HEADER + "paths: {}\ncomponents:\n  schemas:\n"
                    "    A: {$ref: '#/components/schemas/B'}\n"
                    "    B: {$ref: '#/components/schemas/A'}\n"
                    "    C: {$ref: 'missing.yaml'}\n")
    findings = of_rule(lint(str(spec)), "ref-unresolved")
    assert any("cycle" in f.message for f in findings)
    assert any("missing.yaml" in f.message for f in findings)


def test_unparseable_referenced_file_is_spec_invalid_in_that_file(tmp_path: Path) -> None:
    (tmp_path / "part.yaml").write_text("A: [unclosed\n")
    spec = tmp_path / "root.yaml"
    spec.write_text(HEADER + "paths: {}\ncomponents:\n  schemas:\n"
                    "    A: {$ref: 'part.yaml#/A'}\n    B: {$ref: '#/components/schemas/Nope'}\n")
    findings = lint(str(spec))
    assert [f.file for f in of_rule(findings, "spec-invalid")] == [str(tmp_path / "part.yaml")]
    assert of_rule(findings, "ref-unresolved")
