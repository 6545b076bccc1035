"""One problem ``covet validate`` found: a rule id, a severity and where it is.

    Finding("route-conflict", "error", "GET /a/{x} is also GET /a/{y} ...",
            file="/srv/api/openapi.yaml", line=42, pointer="/paths/~1a~1{y}/get")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["SEVERITIES", "Finding", "Severity", "count_by_severity", "is_at_least", "sort_findings"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Most severe first."""

_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """A located problem.

    Attributes:
        rule: the stable rule id, e.g. ``"handler-missing"`` (see docs/cli/validate.md).
        severity: ``"error"``, ``"warning"`` or ``"info"``.
        message: what is wrong and how to fix it.
        file: absolute path of the file the problem is in, when known.
        line: 1-based line in ``file``, when known.
        pointer: JSON pointer inside ``file`` (``/paths/~1users/get``), when known.
    """

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "pointer": self.pointer,
        }


def is_at_least(severity: str, threshold: str) -> bool:
    """``is_at_least("warning", "error")`` is False; unknown names rank as errors."""
    return _RANK.get(severity, 2) >= _RANK.get(threshold, 2)


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By file, then line (unknown lines first), then rule: the order a reader scans in."""
    return sorted(
        findings, key=lambda f: (f.file or "", f.line or 0, f.pointer or "", f.rule, f.message)
    )
