"""Findings: severity order, counting and reading order."""

from __future__ import annotations

from covet.lint.finding import Finding, count_by_severity, is_at_least, sort_findings


def test_severity_threshold_includes_more_severe_levels() -> None:
    assert is_at_least("error", "warning")
    assert is_at_least("warning", "warning")
    assert not is_at_least("info", "warning")
    assert is_at_least("info", "info")
    assert not is_at_least("warning", "error")


def test_counts_every_severity_even_when_absent() -> None:
    findings = [Finding("a", "error", "m"), Finding("b", "error", "m"), Finding("c", "info", "m")]
    assert count_by_severity(findings) == {"error": 2, "warning": 0, "info": 1}


def test_findings_sort_by_file_then_line() -> None:
    later = Finding("r", "error", "m", file="/a.yaml", line=9)
    earlier = Finding("r", "warning", "m", file="/a.yaml", line=2)
    other = Finding("r", "error", "m", file="/b.yaml", line=1)
    nowhere = Finding("r", "error", "m")
    assert sort_findings([other, later, nowhere, earlier]) == [nowhere, earlier, later, other]


def test_to_dict_has_every_field() -> None:
    finding = Finding("spec-invalid", "error", "bad", file="/a.yaml", line=3, pointer="/info")
    assert finding.to_dict() == {
        "rule": "spec-invalid", "severity": "error", "message": "bad",
        "file": "/a.yaml", "line": 3, "pointer": "/info",
    }
