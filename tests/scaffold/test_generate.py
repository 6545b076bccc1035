"""generate_handlers: the stubs it writes import, and bind to every operation of their spec."""

from __future__ import annotations

import inspect
import json
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from covet._naming import python_name
from covet.app import CovetApp
from covet.errors import UsageError
from covet.scaffold.generate import generate_handlers
from covet.spec import load_spec
from covet.spec.compiler import compile_operations
from tests.spec.corpus import require_corpus

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SPEC = ROOT / "specs" / "openapi.yaml"
CORPUS_DOCS = [
    "swagger-petstore/src/main/resources/openapi.yaml",
    "apis-guru/APIs/httpbin.org/0.9.2/openapi.yaml",  # no operationIds: the suggested ones are added
    "redocly-museum/openapi.yaml",
    "apis-guru/APIs/nexmo.com/application/1.0.2/openapi.yaml",
    "adyen-openapi/yaml/CheckoutService-v71.yaml",
    "redocly-openapi-starter/openapi/openapi.yaml",  # multi-file
    "bump-train-travel-api/openapi.yaml",
    "learn-openapis-org/examples/v3.1/tictactoe.yaml",
]
_SUGGESTED = re.compile(r"^(\w+) (\S+) has no operationId.*'operationId: (\w+)'")


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for generated modules, which are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("generated_"):
            del sys.modules[name]


def bind(spec: Path, module_dir: Path) -> tuple[CovetApp, ModuleType]:
    """Generate stubs for ``spec`` as a fresh module and compile an app with them."""
    name = f"generated_{uuid.uuid4().hex[:12]}"
    generate_handlers(spec, module_dir / f"{name}.py")
    app = CovetApp.from_spec(spec, name, spec_validation="off", auth=auth_for(spec))
    app.compile()
    return app, sys.modules[name]


_VERIFIERS = "tests.fixtures.apps.secured.handlers"


def auth_for(spec: Path) -> dict[str, Any]:
    """An ``auth:`` entry for every security scheme of ``spec``: secured operations need one."""
    schemes = (load_spec(spec).root.get("components") or {}).get("securitySchemes") or {}
    auth: dict[str, Any] = {}
    for name, scheme in schemes.items():
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "apiKey":
            auth[name] = {"verify": f"{_VERIFIERS}:check_key"}
        elif kind == "http" and http == "basic":
            auth[name] = {"users": f"{_VERIFIERS}:find_user"}
        elif kind == "openIdConnect":
            auth[name] = {"discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
        else:
            auth[name] = {"secret": "k" * 32, "algorithms": ["HS256"]}
    return auth


def assert_every_operation_bound_with_exact_parameters(app: CovetApp, module: ModuleType) -> None:
    operations = app.api.operations
    assert operations, "the spec has no operations"
    for operation in operations:
        assert operation.operation_id is not None
        handler = getattr(module, python_name(operation.operation_id))
        spec_names = {spec[0] for spec in operation.parameters.specs}
        expected = spec_names | ({"body"} if operation.request_body and "body" not in spec_names else set())
        assert set(inspect.signature(handler).parameters) == expected, operation.label
    bound = {r.handler for r in app.api.routes if r.operation_id}
    assert all(h.startswith(f"{module.__name__}:") for h in bound)


def with_suggested_ids(spec: Path, tmp_path: Path) -> Path:
    """A JSON copy of a one-file spec with the operationIds that generate suggests."""
    result = generate_handlers(spec)
    root = json.loads(json.dumps(load_spec(spec).root))
    for warning in result.warnings:
        match = _SUGGESTED.match(warning)
        assert match is not None, warning
        method, template, operation_id = match.groups()
        root["paths"][template][method.lower()]["operationId"] = operation_id
    copy = tmp_path / f"{spec.stem}-with-ids.json"
    copy.write_text(json.dumps(root))
    return copy


def test_stubs_for_the_reference_spec_bind_to_every_operation(module_dir: Path) -> None:
    app, module = bind(REFERENCE_SPEC, module_dir)
    assert_every_operation_bound_with_exact_parameters(app, module)


@pytest.mark.parametrize("document", CORPUS_DOCS)
def test_stubs_for_corpus_specs_bind_to_every_operation(document: str, module_dir: Path, tmp_path: Path) -> None:
    spec = require_corpus() / document
    if generate_handlers(spec).warnings:
        spec = with_suggested_ids(spec, tmp_path)
    app, module = bind(spec, module_dir)
    assert_every_operation_bound_with_exact_parameters(app, module)


def test_sync_keeps_a_hand_edited_function_and_adds_only_the_missing_ones(module_dir: Path) -> None:
    out = module_dir / "generated_blog.py"
    generated = generate_handlers(REFERENCE_SPEC, out)
    text = out.read_text()
    stub_body = re.compile(
        r'(async def list_users\(.*?""".*?"""\n)    raise NotImplementedError\(.*?\n    \)\n', re.DOTALL
    )
    edited = stub_body.sub(r'\1    return {"items": []}  # edited by hand\n', text, count=1)
    without = _drop_function(_drop_function(edited, "create_user"), "add_comment")
    out.write_text(without)

    result = generate_handlers(REFERENCE_SPEC, out, sync=True)

    assert result.added == ("create_user", "add_comment")
    assert set(result.kept) == set(generated.added) - {"create_user", "add_comment"}
    synced = out.read_text()
    assert synced.startswith(without)
    assert synced.count('return {"items": []}  # edited by hand') == 1
    app = CovetApp.from_spec(
        REFERENCE_SPEC, "generated_blog", spec_validation="off", auth=auth_for(REFERENCE_SPEC)
    )
    assert_every_operation_bound_with_exact_parameters(app, sys.modules["generated_blog"])


def _drop_function(source: str, name: str) -> str:
    """``source`` without the generated function ``name``."""
    start = source.index(f"async def {name}(")
    end = source.find("\n\n\nasync def ", start)
    if end == -1:
        return source[:start].rstrip("\n") + "\n"
    return source[:start] + source[end + 3 :]


def test_sync_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    out = tmp_path / "handlers.py"
    generate_handlers(REFERENCE_SPEC, out, sync=True)  # a missing file is simply written
    first = out.read_text()
    result = generate_handlers(REFERENCE_SPEC, out, sync=True)
    assert (result.added, out.read_text()) == ((), first)


def test_an_existing_file_is_never_replaced_without_sync(tmp_path: Path) -> None:
    out = tmp_path / "handlers.py"
    out.write_text("# mine\n")
    with pytest.raises(UsageError, match="already exists; add --sync"):
        generate_handlers(REFERENCE_SPEC, out)
    assert out.read_text() == "# mine\n"


def test_sync_without_out_is_refused() -> None:
    with pytest.raises(UsageError, match="--sync needs --out"):
        generate_handlers(REFERENCE_SPEC, sync=True)


def test_out_folders_are_created(tmp_path: Path) -> None:
    result = generate_handlers(REFERENCE_SPEC, tmp_path / "pkg" / "handlers.py")
    assert result.out is not None and result.out.is_file()
    operations = compile_operations(load_spec(REFERENCE_SPEC))
    assert result.added == tuple(python_name(op.operation_id or "") for op in operations)
