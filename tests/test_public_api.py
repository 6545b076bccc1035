"""The top-level names are a reviewed artifact: adding or removing one must change this test."""

from __future__ import annotations

import subprocess
import sys

import covet

EXPECTED = {
    "BadRequestError", "BindingError", "ConfigError", "CovetApp", "CovetConfig", "CovetError",
    "FileResponse", "HTMLResponse", "HTTPError", "JSONResponse", "MethodNotAllowedError",
    "NotAcceptableError", "NotFoundError", "PayloadTooLargeError", "PlainTextResponse",
    "ProviderError", "RefResolutionError", "Request", "RequestValidationError", "Response",
    "RouteConflictError", "SpecError", "StreamingResponse", "UnsupportedMediaTypeError",
    "UnsupportedSpecError", "UsageError", "__version__", "load_config",
    # the named errors of DESIGN.md §12
    "ConflictError", "ForbiddenError", "ServiceUnavailableError", "TooManyRequestsError",
    "UnauthorizedError",
    # the database conveniences (docs/database.md), loaded on first use
    "BaseRepository", "Page", "UTCDateTime",
}


def test_exported_names_are_exactly_the_reviewed_list() -> None:
    assert set(covet.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in covet.__all__:
        assert hasattr(covet, name), name


def test_import_covet_loads_no_sqlalchemy_until_a_database_name_is_used() -> None:
    code = (
        "import sys, covet; assert 'sqlalchemy' not in sys.modules; "
        "covet.UTCDateTime; assert 'sqlalchemy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
