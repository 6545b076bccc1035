"""CovetPy: a declarative, spec-first API engine.

    from covet import CovetApp
    app = CovetApp.from_config("specs/covet.yaml")

Documented sub-packages: ``covet.testing`` (TestClient), ``covet.config``, ``covet.errors``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from covet.errors import (
    BadRequestError,
    BindingError,
    ConfigError,
    ConflictError,
    CovetError,
    ForbiddenError,
    HTTPError,
    MethodNotAllowedError,
    NotAcceptableError,
    NotFoundError,
    PayloadTooLargeError,
    ProviderError,
    RefResolutionError,
    RequestValidationError,
    RouteConflictError,
    ServiceUnavailableError,
    SpecError,
    TooManyRequestsError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    UnsupportedSpecError,
    UsageError,
)

if TYPE_CHECKING:
    from covet.app import CovetApp
    from covet.config import CovetConfig, load_config
    from covet.providers.database import BaseRepository, Page, UTCDateTime
    from covet.request import Request
    from covet.response import (
        FileResponse,
        HTMLResponse,
        JSONResponse,
        PlainTextResponse,
        Response,
        StreamingResponse,
    )

# PERF: the app, the config models (pydantic) and the responses are imported on first use, not
# by ``import covet``: every ``covet.*`` import runs this file, and ``covet validate`` needs
# none of them (they were ~0.2 s of its 0.5 s budget, bench/VALIDATE.md).
_LAZY = {
    "CovetApp": "covet.app",
    "CovetConfig": "covet.config",
    "load_config": "covet.config",
    "Request": "covet.request",
    **dict.fromkeys(
        ("FileResponse", "HTMLResponse", "JSONResponse", "PlainTextResponse", "Response",
         "StreamingResponse"),
        "covet.response",
    ),
    # the database conveniences load SQLAlchemy, which an app without a database never imports
    **dict.fromkeys(("BaseRepository", "Page", "UTCDateTime"), "covet.providers.database"),
}

__version__ = "0.1.0"

__all__ = [
    "BadRequestError",
    "BaseRepository",
    "BindingError",
    "ConfigError",
    "ConflictError",
    "CovetApp",
    "CovetConfig",
    "CovetError",
    "FileResponse",
    "ForbiddenError",
    "HTMLResponse",
    "HTTPError",
    "JSONResponse",
    "MethodNotAllowedError",
    "NotAcceptableError",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "PlainTextResponse",
    "ProviderError",
    "RefResolutionError",
    "Request",
    "RequestValidationError",
    "Response",
    "RouteConflictError",
    "ServiceUnavailableError",
    "SpecError",
    "StreamingResponse",
    "TooManyRequestsError",
    "UTCDateTime",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "UnsupportedSpecError",
    "UsageError",
    "__version__",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'covet' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
