"""Output formats: text lines, JSON, GitHub workflow commands."""

from __future__ import annotations

import json
import re

import pytest

from covet.lint import FORMATS, Finding, format_findings
from covet.lint.formatters import display_path, summary_line

FINDINGS = [
    Finding("route-conflict", "error", "GET /a/{y} clashes", "/srv/api/openapi.yaml", 11,
            "/paths/~1a~1{y}/get"),
    Finding("schema-unused", "warning", "schema 'X' is unused", "/srv/api/openapi.yaml", 40,
            "/components/schemas/X"),
    Finding("handler-import-failed", "error", "cannot import 'h': boom,\nsee: log 100%"),
]
GITHUB_LINE = re.compile(r"^::(error|warning|notice) (file=[^,:]+,line=\d+,)?title=[a-z-]+::.+$")


def test_text_lines_are_file_line_severity_rule_message_pointer() -> None:
    lines = format_findings(FINDINGS, "text", base_dir="/srv").splitlines()
    assert lines[0] == (
        "api/openapi.yaml:11: error route-conflict: GET /a/{y} clashes (/paths/~1a~1{y}/get)"
    )
    assert lines[2].startswith("error handler-import-failed: cannot import")
    assert lines[-1] == "covet validate: 2 errors, 1 warning, 0 info"


def test_text_without_findings_says_so() -> None:
    assert format_findings([], "text") == "covet validate: no problems found\n"


def test_json_parses_with_findings_and_a_summary() -> None:
    document = json.loads(format_findings(FINDINGS, "json", base_dir="/srv"))
    assert document["summary"] == {"error": 2, "warning": 1, "info": 0, "total": 3}
    assert document["findings"][0] == {
        "rule": "route-conflict", "severity": "error", "message": "GET /a/{y} clashes",
        "file": "api/openapi.yaml", "line": 11, "pointer": "/paths/~1a~1{y}/get",
    }
    assert document["findings"][2]["file"] is None


def test_github_lines_are_workflow_commands() -> None:
    lines = format_findings(FINDINGS, "github", base_dir="/srv").splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 3
    for line in commands:
        assert GITHUB_LINE.match(line), line
    assert commands[0] == (
        "::error file=api/openapi.yaml,line=11,title=route-conflict::"
        "GET /a/{y} clashes (/paths/~1a~1{y}/get)"
    )
    assert commands[1].startswith("::warning ")


def test_github_escapes_newlines_percent_and_property_separators() -> None:
    line = format_findings(FINDINGS[2:], "github").splitlines()[0]
    assert line == "::error title=handler-import-failed::cannot import 'h': boom,%0Asee: log 100%25"
    tricky = Finding("spec-invalid", "error", "m", "/srv/a,b:c.yaml", 1)
    assert "file=a%2Cb%3Ac.yaml," in format_findings([tricky], "github", base_dir="/srv")


def test_info_is_a_github_notice() -> None:
    finding = Finding("spec-invalid", "info", "m")
    assert format_findings([finding], "github").startswith("::notice ")


def test_paths_outside_the_base_directory_stay_absolute() -> None:
    assert display_path("/elsewhere/a.yaml", "/srv") == "/elsewhere/a.yaml"
    assert display_path("/srv/a/b.yaml", "/srv") == "a/b.yaml"
    assert display_path(None, "/srv") is None


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="text, json, github, sarif"):
        format_findings(FINDINGS, "xml")
    assert set(FORMATS) == {"text", "json", "github", "sarif"}


def test_summary_counts_in_words() -> None:
    assert summary_line(FINDINGS[:1]) == "covet validate: 1 error, 0 warnings, 0 info"
