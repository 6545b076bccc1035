"""validate_specs / validate_config: one run checks every spec, shared routes and ids, config."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from covet.lint import RULES, validate_config, validate_specs
from tests.spec.corpus import manifest_documents, require_corpus

from .helpers import CLEAN_HANDLERS, fixture, lint, of_rule, rules_of

ROOT = Path(__file__).resolve().parents[2]
# Generous: the largest valid documents take about 1 s each on the reference machine
# (docs/cli/validate.md); this catches a pathological slowdown, not noise.
DOCUMENT_BUDGET_S = 10.0


def _api(spec: str, handlers: str) -> str:
    return f"  - spec: {fixture(spec)}\n    handlers: {handlers}\n"


def _explicit_get(path: str) -> str:
    """A spec whose only operation is GET ``path``, bound by x-covet-handler."""
    return (
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n"
        f"  {path}:\n    get:\n"
        "      x-covet-handler: 'tests.fixtures.lint.binding_handlers:explicit'\n"
        "      responses: {'200': {description: mine}}\n"
    )


_FIXTURE_AUTH = (
    "auth:\n"
    f"  bearerAuth: {{secret: {'k' * 32}, algorithms: [HS256]}}\n"
    "  apiKey: {verify: 'tests.fixtures.apps.secured.handlers:check_key'}\n"
)
"""How the lint fixtures' security schemes verify (a required scheme needs an auth: entry)."""


def _config(tmp_path: Path, body: str) -> Path:
    config = tmp_path / "covet.yaml"
    auth = "" if "\nauth:" in body else _FIXTURE_AUTH
    config.write_text(f"pythonpath: [{ROOT}]\n" + body + "\n" + auth)
    return config


def test_route_conflicts_are_reported_for_each_clashing_operation() -> None:
    findings = of_rule(lint("routes.yaml"), "route-conflict")
    assert [(f.pointer, f.line) for f in findings] == [
        ("/paths/~1a~1{y}/get", 11), ("/paths/~1a~1{y}/put", 16),
    ]
    assert "'/a/{x}'" in findings[0].message


def test_duplicate_operation_id_in_one_document_names_the_first_use() -> None:
    (finding,) = of_rule(lint("operation_ids.yaml"), "operation-id-duplicate")
    assert (finding.pointer, finding.line) == ("/paths/~1c/get/operationId", 19)
    assert "GET /b (line 13)" in finding.message


def test_documents_side_by_side_may_share_operation_ids() -> None:
    findings = lint("operation_ids.yaml", "other_ids.yaml")
    assert len(of_rule(findings, "operation-id-duplicate")) == 1


def test_findings_are_sorted_by_file_and_line() -> None:
    findings = lint("operation_ids.yaml", "other_ids.yaml")
    keys = [(f.file or "", f.line or 0) for f in findings]
    assert keys == sorted(keys)


def test_clean_config_has_no_findings(tmp_path: Path) -> None:
    config = _config(tmp_path, f"apis:\n{_api('clean.yaml', CLEAN_HANDLERS)}")
    assert validate_config(config) == []


def test_reference_app_config_is_clean() -> None:
    assert validate_config(ROOT / "specs" / "covet.yaml") == []


def test_unknown_config_key_is_config_invalid_with_its_line(tmp_path: Path) -> None:
    config = _config(tmp_path, f"apis:\n  - spec: {fixture('clean.yaml')}\nservr: {{}}\n")
    (finding,) = validate_config(config)
    assert (finding.rule, finding.file, finding.line) == ("config-invalid", str(config), 4)
    assert "servr" in finding.message


def test_missing_config_is_config_invalid(tmp_path: Path) -> None:
    (finding,) = validate_config(tmp_path / "covet.yaml")
    assert finding.rule == "config-invalid" and "cannot read" in finding.message


def test_config_naming_a_missing_spec_is_spec_unreadable(tmp_path: Path) -> None:
    config = _config(tmp_path, "apis:\n  - spec: nowhere.yaml\n")
    assert rules_of(validate_config(config)) == {"spec-unreadable"}


def test_unimportable_handlers_module_is_located_in_the_config(tmp_path: Path) -> None:
    config = _config(
        tmp_path, f"apis:\n  - spec: {fixture('clean.yaml')}\n    handlers: no_such.module\n"
    )
    (finding,) = of_rule(validate_config(config), "handler-import-failed")
    assert (finding.file, finding.pointer, finding.line) == (str(config), "/apis/0/handlers", 4)


def test_config_handler_overrides_are_used(tmp_path: Path) -> None:
    config = _config(tmp_path, (
        f"apis:\n  - spec: {fixture('clean.yaml')}\n    handlers: {CLEAN_HANDLERS}\n"
        "operations:\n  getPet: {handler: 'tests.fixtures.lint.binding_handlers:explicit'}\n"
    ))
    (finding,) = validate_config(config)
    assert finding.rule == "handler-param-unreachable" and "explicit" in finding.message


def test_configured_operation_no_spec_has_is_a_warning(tmp_path: Path) -> None:
    config = _config(tmp_path, (
        f"apis:\n  - spec: {fixture('clean.yaml')}\n    handlers: {CLEAN_HANDLERS}\n"
        "operations:\n  listPets: {max_body_size: 1KiB}\n  ghostOp: {max_body_size: 1KiB}\n"
    ))
    (finding,) = validate_config(config)
    assert (finding.rule, finding.severity, finding.pointer, finding.line) == (
        "config-operation-unknown", "warning", "/operations/ghostOp", 7,
    )


def test_two_apis_under_one_prefix_clash(tmp_path: Path) -> None:
    api = f"  - spec: {fixture('clean.yaml')}\n    handlers: {CLEAN_HANDLERS}\n"
    findings = validate_config(_config(tmp_path, "apis:\n" + api + api))
    assert rules_of(findings) == {"route-conflict"}
    prefixed = validate_config(_config(tmp_path, "apis:\n" + api + api + "    prefix: /v2\n"))
    assert prefixed == []


def test_a_spec_route_on_a_docs_path_clashes_with_the_docs_route(tmp_path: Path) -> None:
    spec = tmp_path / "docs.yaml"
    spec.write_text(_explicit_get("/docs"))
    config = _config(tmp_path, f"apis:\n  - spec: {spec}\n")
    (finding,) = validate_config(config)
    assert (finding.rule, finding.file, finding.pointer) == (
        "route-conflict", str(config), "/apis/0/docs/swagger_ui",
    )
    assert "swagger_ui: false" in finding.message
    moved = _config(tmp_path, f"apis:\n  - spec: {spec}\n    docs: {{swagger_ui: api-docs}}\n")
    assert validate_config(moved) == []


CORPUS = manifest_documents()


@pytest.mark.parametrize("entry", CORPUS, ids=[doc["root"] for doc in CORPUS])
def test_corpus_document_is_checked_without_crashing(entry: dict[str, Any]) -> None:
    corpus = require_corpus()
    started = time.perf_counter()
    findings = validate_specs([corpus / entry["root"]])
    elapsed = time.perf_counter() - started
    assert {f.rule for f in findings} <= set(RULES)
    if entry["openapi_spec_validator"]["verdict"] == "valid":
        assert not of_rule(findings, "spec-invalid"), findings
        assert elapsed < DOCUMENT_BUDGET_S
    else:
        assert rules_of(findings) & {"spec-invalid", "spec-unsupported"}


def test_a_spec_route_on_the_health_path_clashes_with_the_health_route(tmp_path: Path) -> None:
    spec = tmp_path / "health.yaml"
    spec.write_text(_explicit_get("/health"))
    base = f"apis:\n  - spec: {spec}\n    docs: false\n"
    (finding,) = validate_config(_config(tmp_path, base))
    assert (finding.rule, finding.pointer, finding.line) == ("route-conflict", "/health/path", None)
    assert "health: {path: null}" in finding.message
    assert validate_config(_config(tmp_path, base + "health: {path: null}\n")) == []
    spec.write_text(_explicit_get("/health/ready"))
    (finding,) = validate_config(_config(tmp_path, base))
    assert (finding.rule, finding.pointer) == ("route-conflict", "/health/ready")


def test_database_providers_in_the_config_can_be_injected(tmp_path: Path) -> None:
    api = f"apis:\n{_api('handlers.yaml', 'tests.fixtures.lint.binding_handlers')}"
    without = of_rule(validate_config(_config(tmp_path, api)), "handler-param-unknown")
    with_db = validate_config(_config(
        tmp_path, api + "providers:\n  database: {url: 'sqlite+aiosqlite:///:memory:'}\n"
    ))
    assert any("'db'" in f.message for f in without)
    assert not any("'db'" in f.message for f in of_rule(with_db, "handler-param-unknown"))


def test_a_required_scheme_without_an_auth_entry_is_a_finding(tmp_path: Path) -> None:
    secured = ROOT / "tests" / "fixtures" / "apps" / "secured"
    config = _config(tmp_path, f"""
apis:
  - spec: {secured / 'openapi.yaml'}
    handlers: tests.fixtures.apps.secured.handlers
auth:
  bearerAuth: {{secret: "{'k' * 32}", algorithms: [HS256], user_loader: "tests.fixtures.apps.secured.handlers:load_user"}}
  basicAuth: {{users: "tests.fixtures.apps.secured.handlers:find_user"}}
""")
    findings = of_rule(validate_config(config), "security-scheme-unconfigured")
    named = {(f.pointer, f.message.split("'")[1]) for f in findings}
    assert ("/paths/~1key~1header/get/security/0/headerKey", "headerKey") in named
    assert ("/paths/~1scoped/get/security/0/oauth", "oauth") in named
    assert not {name for _, name in named} & {"bearerAuth", "basicAuth"}
    assert all(f.severity == "error" and f.line is not None for f in findings)


def _settings_config(tmp_path: Path, settings: str) -> Path:
    apps = ROOT / "tests" / "fixtures" / "apps" / "settings"
    return _config(tmp_path, (
        f"apis:\n  - spec: {apps / 'openapi.yaml'}\n    handlers: tests.fixtures.apps.settings.handlers\n"
        + settings
    ))


def test_a_handler_may_take_settings_when_the_config_has_them(tmp_path: Path) -> None:
    model = "tests.fixtures.apps.settings.models:AppConfig"
    assert validate_config(_settings_config(
        tmp_path, f"settings:\n  model: '{model}'\n  values: {{api_key: k}}\n"
    )) == []
    (finding,) = validate_config(_settings_config(tmp_path, ""))
    assert finding.rule == "handler-param-unknown" and "'settings'" in finding.message


def test_settings_that_do_not_validate_are_config_invalid_at_their_key(tmp_path: Path) -> None:
    model = "tests.fixtures.apps.settings.models:AppConfig"
    wrong = _settings_config(
        tmp_path, f"settings:\n  model: '{model}'\n  values:\n    api_key: k\n    page_size: lots\n"
    )
    (finding,) = validate_config(wrong)
    assert (finding.rule, finding.pointer, finding.line) == ("config-invalid", "/settings/values/page_size", 9)
    assert finding.file == str(wrong) and "lots" not in finding.message
    missing = _settings_config(tmp_path, f"settings:\n  model: '{model}'\n  values: {{}}\n")
    (finding,) = validate_config(missing)
    assert (finding.pointer, finding.line) == ("/settings/values/api_key", 7)
