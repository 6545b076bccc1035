"""``covet validate``: a thin shell over covet.lint with exit statuses for CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from covet.cli import main
from covet.cli.validate import exit_status
from covet.lint import Finding

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tests" / "fixtures" / "lint"
CLEAN = ["validate", str(LINT / "clean.yaml"), "--handlers", "tests.fixtures.lint.clean_handlers"]
WARNINGS_ONLY = str(LINT / "unused.yaml")  # schema-unused warnings, nothing worse


def test_clean_spec_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(CLEAN) == 0
    assert capsys.readouterr().out == "covet validate: no problems found\n"


def test_reference_app_config_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-c", str(ROOT / "specs" / "covet.yaml")]) == 0


def test_errors_exit_1_with_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(LINT / "routes.yaml")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "routes.yaml:11: error route-conflict: route template '/a/{y}'" in lines[0]
    assert lines[-1] == "covet validate: 2 errors, 0 warnings, 0 info"


def test_warnings_pass_by_default_and_fail_with_fail_on_warning() -> None:
    assert main(["validate", WARNINGS_ONLY]) == 0
    assert main(["validate", WARNINGS_ONLY, "--fail-on", "warning"]) == 1
    assert main(["validate", WARNINGS_ONLY, "--fail-on", "info"]) == 1


def test_unreadable_config_exits_2_and_still_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "-c", str(tmp_path / "covet.yaml")]) == 2
    assert "config-invalid" in capsys.readouterr().out


def test_wrong_config_key_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "covet.yaml"
    config.write_text(f"apis: [{{spec: {LINT / 'clean.yaml'}}}]\nservr: {{}}\n")
    assert main(["validate", "-c", str(config)]) == 2
    assert f"{config}:2: error config-invalid:" in capsys.readouterr().out


def test_missing_spec_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "spec-unreadable" in capsys.readouterr().out


def test_invalid_spec_is_a_finding_not_a_usage_error() -> None:
    assert main(["validate", str(LINT / "bad_yaml.yaml")]) == 1
    assert main(["validate", str(LINT / "invalid_spec.yaml")]) == 1


@pytest.mark.parametrize("argv", [
    ["validate", "-c", "covet.yaml", "openapi.yaml"],
    ["validate", "--handlers", "x.handlers"],
])
def test_contradictory_arguments_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "covet validate: error:" in capsys.readouterr().err


def test_unknown_format_is_an_argparse_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", WARNINGS_ONLY, "--format", "xml"])
    assert info.value.code == 2


def test_json_format_parses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(LINT / "security.yaml"), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert {f["rule"] for f in document["findings"]} == {"security-scheme-undefined"}
    assert document["summary"]["error"] == 2


def test_github_format_prints_workflow_commands(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", str(LINT / "security.yaml"), "--format", "github"])
    commands = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert len(commands) == 2
    assert all(c.startswith("::error file=") and ",title=security-scheme-undefined::" in c
               for c in commands)


def test_sarif_goes_to_the_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "covet.sarif"
    assert main(["validate", WARNINGS_ONLY, "--format", "sarif", "-o", str(report)]) == 0
    assert capsys.readouterr().out == ""
    log = json.loads(report.read_text())
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 4


def test_skipped_handler_checks_are_mentioned(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", WARNINGS_ONLY])
    assert "handler checks skipped; pass --handlers MODULE" in capsys.readouterr().err


def test_providers_are_passed_through() -> None:
    handlers = "tests.fixtures.lint.binding_handlers"
    argv = ["validate", str(LINT / "handlers.yaml"), "--handlers", handlers]
    assert main(argv) == 1
    assert main([*argv, "--provider", "db", "--fail-on", "error"]) == 1  # other errors remain


@pytest.mark.parametrize(("findings", "fail_on", "status"), [
    ([], "info", 0),
    ([Finding("schema-unused", "warning", "m")], "error", 0),
    ([Finding("schema-unused", "warning", "m")], "warning", 1),
    ([Finding("route-conflict", "error", "m")], "error", 1),
    ([Finding("route-conflict", "error", "m"), Finding("config-invalid", "error", "m")], "info", 2),
    ([Finding("spec-unreadable", "error", "m")], "info", 2),
])
def test_exit_status_policy(findings: list[Finding], fail_on: str, status: int) -> None:
    assert exit_status(findings, fail_on) == status


def test_the_console_command_returns_the_status() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "covet.cli", "validate", str(LINT / "routes.yaml"),
         "--format", "github"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=tests/fixtures/lint/routes.yaml,line=11,")


def test_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-dir" / "report.json"
    assert main(["validate", WARNINGS_ONLY, "--format", "json", "-o", str(target)]) == 2
    assert f"cannot write {target}" in capsys.readouterr().err
