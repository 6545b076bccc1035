"""Gathers findings from every check, located and without duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from covet.errors import (
    NoCodecError,
    RefResolutionError,
    RouteConflictError,
    SpecError,
    UnsupportedSpecError,
)
from covet.lint.finding import Finding
from covet.lint.rules import make_finding
from covet.spec import SpecDocument

__all__ = ["Collector", "rule_for_error"]

# NOTE: when a document failed openapi-spec-validator its shape cannot be trusted (a Responses
# Object may be a string...), so a check that trips over it is skipped: the spec-invalid finding
# already says what to fix. On a valid document these exceptions are bugs and propagate.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, ValueError, IndexError)


def rule_for_error(exc: SpecError, default: str = "operation-invalid") -> str:
    """The rule id a compile-time :class:`SpecError` belongs to."""
    if isinstance(exc, UnsupportedSpecError):
        return "spec-unsupported"
    if isinstance(exc, RefResolutionError):
        return "ref-unresolved"
    if isinstance(exc, RouteConflictError):
        return "route-conflict"
    if isinstance(exc, NoCodecError):
        return "media-type-no-codec"
    if exc.pointer is not None and "/security/" in exc.pointer:
        return "security-scheme-undefined"  # the compiler's own check of a requirement
    return default


class Collector:
    """Findings in the order they were found; the same finding twice is kept once."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str | None, str | None, str]] = set()

    def add(
        self,
        rule: str,
        message: str,
        *,
        file: str | None = None,
        pointer: str | None = None,
        line: int | None = None,
        doc: SpecDocument | None = None,
    ) -> None:
        """Record a finding; ``doc`` (when given) supplies the line of ``file#pointer``."""
        key = (rule, file, pointer, message)
        if key in self._seen:
            return
        self._seen.add(key)
        if line is None and doc is not None and file is not None and pointer is not None:
            line = doc.line_of(file, pointer)
        self.findings.append(make_finding(rule, message, file=file, line=line, pointer=pointer))

    def add_error(
        self, exc: SpecError, rule: str | None = None, *, doc: SpecDocument | None = None
    ) -> None:
        """Record a :class:`SpecError` as a finding of ``rule`` (default: by its class)."""
        self.add(
            rule or rule_for_error(exc),
            exc.message,
            file=exc.file,
            pointer=exc.pointer,
            line=exc.line,
            doc=doc,
        )

    @contextmanager
    def guard(self, doc: SpecDocument, *, trusted: bool) -> Iterator[None]:
        """Turn a SpecError raised inside into a finding, so the next check still runs."""
        try:
            yield
        except SpecError as exc:
            self.add_error(exc, doc=doc)
        except _SHAPE_ERRORS:
            if trusted:
                raise
