"""Error responses the spec declares that CovetPy's error bodies do not match
(``error-body-mismatch``).

The same check the app makes at startup (covet.error_bodies.conformance), with the same
renderer: the problem body for bare specs, covet.yaml's ``errors:`` with a config.
"""

from __future__ import annotations

from covet.error_bodies.conformance import ErrorBodyChecker
from covet.lint.collector import Collector
from covet.spec import SpecDocument
from covet.spec.compiler import Operation

__all__ = ["RULE", "check_error_bodies"]

RULE = "error-body-mismatch"


def check_error_bodies(
    doc: SpecDocument, operation: Operation, checker: ErrorBodyChecker, out: Collector
) -> None:
    """Record each declared 4xx of ``operation`` the body CovetPy would send does not match,
    located at the operation's response."""
    for mismatch in checker.check(operation):
        out.add(RULE, mismatch.message(), file=mismatch.file, pointer=mismatch.pointer, doc=doc)
