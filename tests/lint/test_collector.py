"""The collector: located findings, each once, and errors turned into findings."""

from __future__ import annotations

import pytest

from covet.errors import RefResolutionError, RouteConflictError, SpecError, UnsupportedSpecError
from covet.lint.collector import Collector, rule_for_error
from covet.spec import load_spec

from .helpers import fixture


def test_the_same_finding_is_kept_once() -> None:
    out = Collector()
    out.add("schema-unused", "m", file="/a.yaml", pointer="/x")
    out.add("schema-unused", "m", file="/a.yaml", pointer="/x")
    out.add("schema-unused", "other", file="/a.yaml", pointer="/x")
    assert len(out.findings) == 2


def test_lines_come_from_the_document() -> None:
    doc = load_spec(fixture("clean.yaml"), validate=False)
    out = Collector()
    out.add("schema-unused", "m", file=doc.path, pointer="/components/schemas/Tag", doc=doc)
    assert out.findings[0].line == doc.line_of(doc.path, "/components/schemas/Tag")


@pytest.mark.parametrize(("error", "rule"), [
    (UnsupportedSpecError("m"), "spec-unsupported"),
    (RefResolutionError("m"), "ref-unresolved"),
    (RouteConflictError("m"), "route-conflict"),
    (SpecError("m"), "operation-invalid"),
])
def test_errors_map_to_rules_by_class(error: SpecError, rule: str) -> None:
    assert rule_for_error(error) == rule


def test_guard_turns_spec_errors_into_findings() -> None:
    doc = load_spec(fixture("clean.yaml"), validate=False)
    out = Collector()
    with out.guard(doc, trusted=True):
        raise SpecError("bad", file=doc.path, pointer="/paths")
    assert [(f.rule, f.pointer) for f in out.findings] == [("operation-invalid", "/paths")]


def test_guard_skips_shape_errors_only_in_untrusted_documents() -> None:
    doc = load_spec(fixture("clean.yaml"), validate=False)
    out = Collector()
    with out.guard(doc, trusted=False):
        raise AttributeError("'str' object has no attribute 'get'")
    assert out.findings == []
    with pytest.raises(AttributeError), out.guard(doc, trusted=True):
        raise AttributeError("a bug")
