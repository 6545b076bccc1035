"""``covet validate`` as a library: lint specs, their handlers and covet.yaml for CI.

    >>> from covet.lint import validate_config, format_findings
    >>> findings = validate_config("specs/covet.yaml")          # doctest: +SKIP
    >>> print(format_findings(findings, "text"))                 # doctest: +SKIP

Every rule has a stable id (``RULES``); docs/cli/validate.md explains each one.
"""

from __future__ import annotations

from covet.lint.finding import SEVERITIES, Finding, Severity
from covet.lint.formatters import FORMATS, format_findings
from covet.lint.rules import RULES, Rule
from covet.lint.runner import validate_config, validate_specs

__all__ = [
    "FORMATS",
    "RULES",
    "SEVERITIES",
    "Finding",
    "Rule",
    "Severity",
    "format_findings",
    "validate_config",
    "validate_specs",
]
