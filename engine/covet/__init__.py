"""CovetPy: a declarative, spec-first API engine.

    from covet import CovetApp
    app = CovetApp.from_config("specs/covet.yaml")

Documented sub-packages: ``covet.testing`` (TestClient), ``covet.config``, ``covet.errors``.
"""

from __future__ import annotations

from covet.app import CovetApp
from covet.config import CovetConfig, load_config
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
from covet.request import Request
from covet.response import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)

__version__ = "0.1.0"

__all__ = [
    "BadRequestError",
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
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "UnsupportedSpecError",
    "UsageError",
    "__version__",
    "load_config",
]
