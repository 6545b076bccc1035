"""``covet openapi``: the bundled spec of one api on stdout."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from covet.cli import main
from covet.config import load_config
from covet.docs import bundle_spec
from covet.docs.error_responses import add_error_responses, limited_operations
from covet.docs.routes import without_covet_extensions
from covet.spec import load_document, load_spec

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "covet.yaml"
BUNDLE_SPEC = ROOT / "tests" / "fixtures" / "specs" / "bundle" / "openapi.yaml"
SHOP_SPEC = ROOT / "tests" / "fixtures" / "apps" / "shop" / "openapi.yaml"


def two_apis(tmp_path: Path) -> Path:
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"apis:\n  - {{spec: {SHOP_SPEC}, prefix: /v1, handlers: nowhere}}\n"
        f"  - {{spec: {BUNDLE_SPEC}, prefix: /v2, handlers: nowhere}}\n"
    )
    return config


def test_prints_the_bundle_as_indented_json_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "-c", str(REFERENCE), "--api", "/v1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('{\n  "openapi": "3.1.0",')
    bundle = bundle_spec(load_spec(ROOT / "specs" / "openapi.yaml"), prefix="/v1")
    limited = limited_operations(load_config(REFERENCE))  # login and signup: 429 declared
    assert orjson.loads(out) == add_error_responses(without_covet_extensions(bundle), limited)


def test_yaml_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "-c", str(REFERENCE), "--api", "1", "--format", "yaml"]) == 0
    (tmp_path / "out.yaml").write_text(capsys.readouterr().out)
    document = load_document(tmp_path / "out.yaml")
    assert (document["info"]["title"], document["info"]["version"]) == ("Covet Blog", "2.0.0")


@pytest.mark.parametrize("choice", ["/v2", "/v2/", "1"])
def test_api_chosen_by_prefix_or_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], choice: str
) -> None:
    assert main(["openapi", "-c", str(two_apis(tmp_path)), "--api", choice]) == 0
    document = orjson.loads(capsys.readouterr().out)
    assert document["info"]["title"] == "Bundle fixture"
    assert document["servers"][0] == {"url": "/v2", "description": "Local"}


def test_handlers_are_not_needed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "-c", str(two_apis(tmp_path)), "--api", "/v1"]) == 0
    assert orjson.loads(capsys.readouterr().out)["info"]["title"] == "Shop"


def test_several_apis_need_a_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "-c", str(two_apis(tmp_path))]) == 1
    assert "choose one with --api (0 (/v1), 1 (/v2))" in capsys.readouterr().err


def test_unknown_api_lists_the_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "-c", str(two_apis(tmp_path)), "--api", "/v3"]) == 1
    assert (
        "no api with prefix or index '/v3'; choose one of: 0 (/v1), 1 (/v2)"
        in capsys.readouterr().err
    )


def test_invalid_spec_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")
    config = tmp_path / "covet.yaml"
    config.write_text(f"apis: [{{spec: {spec}}}]\n")
    assert main(["openapi", "-c", str(config)]) == 1
    assert str(spec) in capsys.readouterr().err
