"""covet.yaml: typed, frozen, interpolated, and loud about mistakes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from covet.app import CovetApp
from covet.config import config_from_mapping, load_config, parse_size
from covet.errors import ConfigError
from covet.testing import TestClient


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "covet.yaml"
    path.write_text(text)
    return path


def test_minimal_config_gets_defaults_and_absolute_spec_path(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "apis: [{spec: openapi.yaml, handlers: app}]"))
    assert config.apis[0].spec == tmp_path / "openapi.yaml"
    assert config.server.port == 8000
    assert config.limits.max_body_size == 1024 * 1024
    assert config.root == tmp_path


def test_environment_interpolation_with_defaults(tmp_path: Path) -> None:
    text = "apis: [{spec: a.yaml}]\nserver: {host: '${HOST:-0.0.0.0}', port: '${PORT}'}"
    config = load_config(write(tmp_path, text), environ={"PORT": "9001"})
    assert config.server.host == "0.0.0.0"
    assert config.server.port == 9001


def test_unset_variable_without_default_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_config(write(tmp_path, "apis: [{spec: '${JWT_SECRET}'}]"), environ={})


def test_secret_read_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    config = load_config(write(tmp_path, f"apis: [{{spec: a.yaml, handlers: '${{file:{secret}}}'}}]"), {})
    assert config.apis[0].handlers == "s3cret"


def test_an_unset_variable_reads_its_name_file_secret(tmp_path: Path) -> None:
    secret = tmp_path / "jwt"
    secret.write_text("from-a-mounted-secret\n")
    text = "apis: [{spec: a.yaml, handlers: '${JWT_SECRET}'}]"
    config = load_config(write(tmp_path, text), environ={"JWT_SECRET_FILE": str(secret)})
    assert config.apis[0].handlers == "from-a-mounted-secret"
    both = {"JWT_SECRET": "from-env", "JWT_SECRET_FILE": str(secret)}
    assert load_config(write(tmp_path, text), environ=both).apis[0].handlers == "from-env"
    with pytest.raises(ConfigError, match="JWT_SECRET_FILE: cannot read secret file") as raised:
        load_config(write(tmp_path, text), environ={"JWT_SECRET_FILE": str(tmp_path / "none")})
    assert "from-a-mounted-secret" not in str(raised.value)


def test_unknown_key_names_file_key_and_accepted_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "apis: [{spec: a.yaml}]\nserver: {hots: x}")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "server.hots" in message
    assert "host" in message and "port" in message


def test_bad_value_is_located(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "apis: [{spec: a.yaml}]\nserver: {port: 99999}"))
    assert info.value.pointer == "/server/port"


def test_prefix_must_start_with_slash(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="prefix"):
        load_config(write(tmp_path, "apis: [{spec: a.yaml, prefix: v1}]"))


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "apis: [{spec: a.yaml}]"))
    with pytest.raises(ValidationError, match="frozen"):
        config.server.port = 1  # type: ignore[misc]


def test_middleware_accepts_names_mappings_and_module_refs(tmp_path: Path) -> None:
    text = "apis: [{spec: a.yaml}]\nmiddleware: [request_id, {'pkg.mw:Timing': {header: X-T}}]"
    config = load_config(write(tmp_path, text))
    assert [(m.name, m.options) for m in config.middleware] == [
        ("request_id", {}),
        ("pkg.mw:Timing", {"header": "X-T"}),
    ]


def test_not_yaml_is_located(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "apis: [\n  - {spec: a.yaml\n"))
    assert info.value.line is not None


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "size"),
    [("512", 512), ("64KiB", 65536), ("64kb", 64000), ("1MiB", 1048576), ("2 mb", 2000000)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_parse_size_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_docs_are_on_by_default_at_the_usual_paths(tmp_path: Path) -> None:
    docs = load_config(write(tmp_path, "apis: [{spec: a.yaml}]")).apis[0].docs
    assert (docs.openapi_json, docs.openapi_yaml, docs.swagger_ui, docs.redoc) == (
        "openapi.json", "openapi.yaml", "docs", "redoc",
    )


def test_docs_false_turns_all_four_off(tmp_path: Path) -> None:
    docs = load_config(write(tmp_path, "apis: [{spec: a.yaml, docs: false}]")).apis[0].docs
    assert (docs.openapi_json, docs.openapi_yaml, docs.swagger_ui, docs.redoc) == (None, None, None, None)


def test_docs_paths_are_relative_to_the_prefix_and_true_means_default(tmp_path: Path) -> None:
    text = "apis: [{spec: a.yaml, docs: {swagger_ui: /swagger/, redoc: true, openapi_yaml: false}}]"
    docs = load_config(write(tmp_path, text)).apis[0].docs
    assert (docs.swagger_ui, docs.redoc, docs.openapi_yaml) == ("swagger", "redoc", None)


@pytest.mark.parametrize("path", ["../up", "a/./b", "{name}", "docs?x=1", "docs#top", "a//b", "sp ace"])
def test_docs_path_must_be_a_plain_path(tmp_path: Path, path: str) -> None:
    with pytest.raises(ConfigError, match="not a docs path"):
        load_config(write(tmp_path, f"apis: [{{spec: a.yaml, docs: {{redoc: '{path}'}}}}]"))


def test_docs_unknown_key_lists_the_accepted_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "apis: [{spec: a.yaml, docs: {swagger: /s}}]"))
    assert "openapi_json, openapi_yaml, redoc, swagger_ui" in str(info.value)


def test_docs_pages_need_one_spec_route(tmp_path: Path) -> None:
    text = "apis: [{spec: a.yaml, docs: {openapi_json: false, openapi_yaml: false}}]"
    with pytest.raises(ConfigError, match="keep one of them on"):
        load_config(write(tmp_path, text))


def test_an_operations_rate_limit_is_checked_when_covet_yaml_loads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"operations\.login\.rate_limit"):
        config_from_mapping(
            {"apis": [{"spec": "x.yaml"}], "operations": {"login": {"rate_limit": "5 per fortnight"}}},
            base_dir=tmp_path,
        )
    config = config_from_mapping(
        {"apis": [{"spec": "x.yaml"}], "operations": {"login": {"rate_limit": "5/minute"}}},
        base_dir=tmp_path,
    )
    assert config.operations["login"].rate_limit == "5/minute"


def test_root_is_relative_to_the_config_and_handlers_import_from_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "rootpkg_for_config_test").mkdir(parents=True)
    (project / "rootpkg_for_config_test" / "__init__.py").write_text("")
    (project / "rootpkg_for_config_test" / "handlers.py").write_text(
        "async def hello() -> dict:\n    return {'from': 'root'}\n"
    )
    specs = project / "specs"
    specs.mkdir()
    (specs / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /hello:\n    get: {operationId: hello, responses: {'200': {description: ok}}}\n"
    )
    (specs / "covet.yaml").write_text(
        "apis: [{spec: api.yaml, handlers: rootpkg_for_config_test.handlers}]\nroot: ..\n"
        "server: {access_log: false}\n"
    )
    config = load_config(specs / "covet.yaml", environ={})
    assert config.root == project.resolve()
    try:
        assert TestClient(CovetApp(config)).get("/hello").json() == {"from": "root"}
    finally:
        sys.modules.pop("rootpkg_for_config_test.handlers", None)
        sys.modules.pop("rootpkg_for_config_test", None)
        if str(project.resolve()) in sys.path:
            sys.path.remove(str(project.resolve()))
