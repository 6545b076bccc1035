"""Operations are found and compiled one by one, exactly as the app compiles them."""

from __future__ import annotations

from covet.lint.collector import Collector
from covet.lint.sites import compile_site, iter_sites
from covet.spec import load_spec
from covet.spec.compiler import compile_operations
from covet.validation import SchemaCompiler

from .helpers import fixture, lint, of_rule


def test_sites_are_every_operation_in_spec_order() -> None:
    doc = load_spec(fixture("clean.yaml"))
    sites = list(iter_sites(doc, Collector(), trusted=True))
    assert [(s.method, s.template) for s in sites] == [
        ("get", "/pets"), ("post", "/pets"), ("get", "/pets/{petId}"),
        ("delete", "/pets/{petId}"), ("get", "/shapes"),
    ]
    assert sites[3].label == "DELETE /pets/{petId}"


def test_compile_site_matches_compile_operations() -> None:
    doc = load_spec(fixture("clean.yaml"))
    compiler = SchemaCompiler(doc)
    sites = iter_sites(doc, Collector(), trusted=True)
    one_by_one = [compile_site(doc, compiler, site, "/v1") for site in sites]
    together = compile_operations(doc, prefix="/v1")
    assert [(o.method, o.path, o.operation_id, o.pointer) for o in one_by_one] == [
        (o.method, o.path, o.operation_id, o.pointer) for o in together
    ]


def test_an_uncompilable_operation_does_not_hide_the_next() -> None:
    findings = lint("bad_schema.yaml")
    (invalid,) = of_rule(findings, "operation-invalid")
    assert invalid.pointer == "/paths/~1a/post/requestBody/content/application~1json/schema/pattern"
    assert invalid.line == 10
    assert of_rule(findings, "operation-id-missing")[0].pointer == "/paths/~1b/get"


def test_a_path_key_that_is_not_a_url_path_is_reported_and_skipped(tmp_path: object) -> None:
    from pathlib import Path

    spec = Path(str(tmp_path)) / "keys.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n"
        "  users:\n    get: {operationId: a, responses: {'200': {description: x}}}\n"
        "  /x#y:\n    get: {operationId: b, responses: {'200': {description: x}}}\n"
        "  /ok:\n    get: {responses: {'200': {description: x}}}\n"
    )
    findings = lint(str(spec))
    assert [(f.rule, f.pointer) for f in findings if f.rule != "spec-invalid"] == [
        ("operation-invalid", "/paths/users"),
        ("spec-unsupported", "/paths/~1x#y"),
        ("operation-id-missing", "/paths/~1ok/get"),
    ]
