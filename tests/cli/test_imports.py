"""Serving imports only what serving needs: ``covet run`` never loads the linter or scaffolding,
nor (on SQLite) the MariaDB dialect the reference app's models use there, nor a few stdlib
modules only other paths need.

Each check runs in a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import covet.cli.new
import covet.cli.validate
from covet.lint import FORMATS, SEVERITIES
from covet.scaffold.project import NAME_RULE

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_SERVING = ("covet.lint", "covet.scaffold", "alembic")
# Each measured at 0.5-1.1 MB of RSS (bench/MEMORY.md): MariaDB's dialect (on SQLite) and
# html.entities (html.escape's package imports it). urllib.request is loaded by PyJWT (its JWKS
# client), which the reference app needs for its tokens; an app without security loads neither.
NOT_LOADED_BY_THE_REFERENCE_APP = {"sqlalchemy.dialects.mysql", "html.entities"}
NOT_LOADED_WITHOUT_SECURITY = {"jwt", "bcrypt", "cryptography", "urllib.request", "covet.security.schemes"}

PARSE_RUN = """
from covet.cli import build_parser
args = build_parser().parse_args(["run", "-c", "specs/covet.yaml"])
assert args.func.__module__ == "covet.cli.run", args.func
"""

COMPILE_APP = """
from covet.cli.run import app_factory
app = app_factory()
assert app.api.routes
"""


def loaded_modules(code: str, *, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    report = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code + report], cwd=ROOT, env={**os.environ, **(env or {})},
        capture_output=True, text=True, check=True, timeout=60,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def offending(modules: set[str]) -> list[str]:
    return sorted(
        name for name in modules
        if any(name == banned or name.startswith(banned + ".") for banned in NOT_FOR_SERVING)
    )


def test_building_the_parser_for_run_loads_no_linter_or_scaffolding() -> None:
    modules = loaded_modules(PARSE_RUN)
    assert "covet.cli.validate" in modules and "covet.cli.new" in modules  # parsers registered
    assert offending(modules) == []


def test_compiling_the_reference_app_loads_no_linter_or_scaffolding(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"}
    modules = loaded_modules(COMPILE_APP, env=env)
    assert "covet.app" in modules and "sqlalchemy.orm" in modules  # app, handlers, models
    assert offending(modules) == []
    assert sorted(modules & NOT_LOADED_BY_THE_REFERENCE_APP) == []


def test_the_check_fails_when_a_banned_module_is_loaded() -> None:
    modules = loaded_modules(PARSE_RUN + "import covet.lint\n")
    assert "covet.lint" in offending(modules)


@pytest.mark.parametrize(
    ("spelled_out", "original"),
    [
        (covet.cli.validate.FORMAT_NAMES, tuple(FORMATS)),
        (covet.cli.validate.SEVERITY_NAMES, SEVERITIES),
        (covet.cli.new.NAME_RULE, NAME_RULE),
    ],
    ids=["formats", "severities", "name-rule"],
)
def test_constants_spelled_out_for_the_parser_match_their_source(
    spelled_out: object, original: object
) -> None:
    assert spelled_out == original


UVICORN_FOR_RUN = """
import sys
from covet.cli.run import _import_uvicorn
uvicorn = _import_uvicorn(reload={reload})
assert "uvicorn.supervisors" in sys.modules and sys.modules.get("watchfiles", 1) is not None
print(uvicorn.supervisors.ChangeReload.__name__)
"""


def test_run_imports_uvicorn_without_watchfiles_which_handlers_can_still_import() -> None:
    modules = loaded_modules(UVICORN_FOR_RUN.format(reload=False))
    assert "uvicorn" in modules
    assert "watchfiles" not in modules and "anyio" not in modules
    assert "watchfiles" in loaded_modules(UVICORN_FOR_RUN.format(reload=False) + "import watchfiles")


def test_run_with_reload_imports_uvicorn_as_it_is() -> None:
    assert "watchfiles" in loaded_modules(UVICORN_FOR_RUN.format(reload=True))


def test_an_app_without_security_loads_no_jwt_bcrypt_or_urllib() -> None:
    code = (
        "from covet.app import CovetApp\n"
        "app = CovetApp.from_spec('tests/fixtures/apps/shop/openapi.yaml', "
        "'tests.fixtures.apps.shop.handlers', spec_validation='off')\n"
        "assert app.api.routes\n"
    )
    modules = loaded_modules(code)
    assert sorted(modules & NOT_LOADED_WITHOUT_SECURITY) == []
