"""Findings as text, JSON, GitHub workflow commands or SARIF 2.1.0.

File paths are shown relative to ``base_dir`` (the current directory by default) when the file
is inside it, which is what GitHub annotations and SARIF consumers resolve against; otherwise
they stay absolute.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import orjson

from covet.lint.finding import Finding, count_by_severity
from covet.lint.sarif import sarif_log

__all__ = ["FORMATS", "display_path", "format_findings", "summary_line"]

_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def format_findings(
    findings: Sequence[Finding], fmt: str = "text", *, base_dir: str | None = None
) -> str:
    """Render ``findings`` in ``fmt`` (one of :data:`FORMATS`); the text ends with a newline.

    Raises:
        ValueError: an unknown format name.
    """
    try:
        render = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return render(findings, base_dir or os.getcwd())


def display_path(file: str | None, base_dir: str) -> str | None:
    """``file`` relative to ``base_dir`` (POSIX separators) when inside it, else unchanged."""
    if file is None:
        return None
    try:
        relative = os.path.relpath(file, base_dir)
    except ValueError:  # another drive on Windows
        return file
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return file
    return relative.replace(os.sep, "/")


def summary_line(findings: Sequence[Finding]) -> str:
    """``covet validate: 2 errors, 1 warning, 0 info`` (or that nothing was found)."""
    if not findings:
        return "covet validate: no problems found"
    counts = count_by_severity(findings)
    parts = [_plural(counts["error"], "error"), _plural(counts["warning"], "warning")]
    return f"covet validate: {', '.join(parts)}, {counts['info']} info"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _text(findings: Sequence[Finding], base_dir: str) -> str:
    lines = [_text_line(finding, base_dir) for finding in findings]
    return "\n".join([*lines, summary_line(findings)]) + "\n"


def _text_line(finding: Finding, base_dir: str) -> str:
    """``file:line: severity rule-id: message (pointer)``."""
    where = display_path(finding.file, base_dir) or ""
    if where and finding.line is not None:
        where += f":{finding.line}"
    text = f"{finding.severity} {finding.rule}: {finding.message}"
    if finding.pointer:
        text += f" ({finding.pointer})"
    return f"{where}: {text}" if where else text


def _json(findings: Sequence[Finding], base_dir: str) -> str:
    counts = count_by_severity(findings)
    items = [{**f.to_dict(), "file": display_path(f.file, base_dir)} for f in findings]
    summary = {"error": counts["error"], "warning": counts["warning"], "info": counts["info"],
               "total": len(findings)}
    document = {"findings": items, "summary": summary}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def _github(findings: Sequence[Finding], base_dir: str) -> str:
    """One workflow command per finding: ``::error file=F,line=L,title=RULE::message``."""
    lines = [_github_line(finding, base_dir) for finding in findings]
    return "\n".join([*lines, summary_line(findings)]) + "\n"


def _github_line(finding: Finding, base_dir: str) -> str:
    properties = []
    file = display_path(finding.file, base_dir)
    if file:
        properties.append(f"file={_escape_property(file)}")
        if finding.line is not None:
            properties.append(f"line={finding.line}")
    properties.append(f"title={_escape_property(finding.rule)}")
    message = finding.message + (f" ({finding.pointer})" if finding.pointer else "")
    return f"::{_GITHUB_LEVELS[finding.severity]} {','.join(properties)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _sarif(findings: Sequence[Finding], base_dir: str) -> str:
    log = sarif_log(findings, base_dir, display_path)
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"


FORMATS: Mapping[str, Callable[[Sequence[Finding], str], str]] = MappingProxyType({
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
})
"""Format name -> renderer ``(findings, base_dir) -> str``."""
