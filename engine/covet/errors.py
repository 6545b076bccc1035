"""The whole CovetPy exception tree.

    CovetError
    ├── SpecError (ValueError)            startup: a spec, config or binding problem; never HTTP
    │   ├── UnsupportedSpecError          a valid document that uses what CovetPy does not serve
    │   ├── RefResolutionError            a $ref that cannot be resolved
    │   ├── RouteConflictError            two templates that are the same route
    │   ├── BindingError                  operationId -> handler, or handler parameter -> source
    │   ├── NoCodecError                  a declared media type no codec serves
    │   └── ConfigError                   covet.yaml: unknown key, bad value, missing variable
    ├── HTTPError                         request time; rendered as application/problem+json
    │   ├── BadRequestError           400 (unparseable body, bad encoding)
    │   ├── UnauthorizedError         401 (+ WWW-Authenticate: one challenge per scheme)
    │   ├── ForbiddenError            403 (authenticated, not allowed; insufficient scope)
    │   ├── NotFoundError             404
    │   ├── MethodNotAllowedError     405 (+ Allow)
    │   ├── NotAcceptableError        406
    │   ├── ConflictError             409 (a unique value already taken)
    │   ├── PayloadTooLargeError      413
    │   ├── UnsupportedMediaTypeError 415
    │   ├── RequestValidationError    422 (every detail of the request at once)
    │   ├── TooManyRequestsError      429 (+ Retry-After)
    │   └── ServiceUnavailableError   503 (+ Retry-After)
    ├── ProviderError                     a backend failed; 503 at the edge
    └── UsageError (TypeError)            the Python API was misused

Startup errors carry where they come from (``file``, ``line``, ``pointer``); request errors carry
``status``, ``title``, ``detail`` and ``details`` (a list of field errors, DESIGN.md §6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "BadRequestError",
    "BindingError",
    "ConfigError",
    "ConflictError",
    "CovetError",
    "ForbiddenError",
    "HTTPError",
    "MethodNotAllowedError",
    "NoCodecError",
    "NotAcceptableError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ProviderError",
    "RefResolutionError",
    "RequestValidationError",
    "RouteConflictError",
    "ServiceUnavailableError",
    "SpecError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "UnsupportedSpecError",
    "UsageError",
]


class CovetError(Exception):
    """Root of every error CovetPy raises on purpose."""


class SpecError(CovetError, ValueError):
    """A problem found at startup in a spec, a config file or a binding.

    Args:
        message: what is wrong and how to fix it.
        file: the file it was found in, when known.
        pointer: the JSON pointer inside that file (``/paths/~1users/get``), when known.
        line: the 1-based line in that file, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        pointer: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.pointer = pointer
        self.line = line

    @property
    def location(self) -> str:
        """``file:line#pointer``, with whatever parts are known."""
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.pointer is not None:
            where += f"#{self.pointer}"
        return where

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message


class UnsupportedSpecError(SpecError):
    """A valid document that uses a feature CovetPy does not serve (see docs/unsupported.md)."""


class RefResolutionError(SpecError):
    """A ``$ref`` whose target file or pointer does not exist."""


class RouteConflictError(SpecError):
    """Two route templates that match the same requests."""


class BindingError(SpecError):
    """An operation without a handler, or a handler parameter nothing can supply."""


class NoCodecError(SpecError):
    """A media type the spec declares with a structured schema that no codec serves."""


class ConfigError(SpecError):
    """covet.yaml is wrong: an unknown key, a bad value, an unset variable."""


class HTTPError(CovetError):
    """An error answered to the client as ``application/problem+json`` (or in the shape
    covet.yaml's ``errors.renderer`` returns: docs/errors.md).

    Args:
        detail: a human sentence about this occurrence (defaults to the title).
        details: field errors, each ``{field, location, pointer, message, code[, value]}``.
        headers: extra response headers (``Allow``, ``Retry-After``...).
    """

    status: int = 500
    title: str = "Internal Server Error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        title: str | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.detail = detail or self.title
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.detail)


class BadRequestError(HTTPError):
    status = 400
    title = "Bad Request"


class _ChallengeError(HTTPError):
    """An error whose ``challenges`` are sent as ``WWW-Authenticate``, joined as RFC 7235 §4.1
    allows (one per scheme the operation accepts)."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        challenges: Sequence[str] = (),
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        headers = dict(headers or {})
        if challenges:
            headers["www-authenticate"] = ", ".join(challenges)
        super().__init__(detail, details=details, headers=headers)
        self.challenges = tuple(challenges)


class UnauthorizedError(_ChallengeError):
    """401: no credentials, or credentials that do not verify.

    Args:
        challenges: ``Bearer realm="api", error="invalid_token"``, one per accepted scheme.
    """

    status = 401
    title = "Unauthorized"


class ForbiddenError(_ChallengeError):
    """403: the caller is known and not allowed (a missing scope, not the owner).

    Args:
        challenges: for bearer schemes, ``Bearer error="insufficient_scope", scope="..."``
            (RFC 6750 §3.1).
    """

    status = 403
    title = "Forbidden"


class NotFoundError(HTTPError):
    status = 404
    title = "Not Found"


class MethodNotAllowedError(HTTPError):
    status = 405
    title = "Method Not Allowed"


class NotAcceptableError(HTTPError):
    status = 406
    title = "Not Acceptable"


class ConflictError(HTTPError):
    status = 409
    title = "Conflict"


class PayloadTooLargeError(HTTPError):
    status = 413
    title = "Payload Too Large"


class UnsupportedMediaTypeError(HTTPError):
    status = 415
    title = "Unsupported Media Type"


class RequestValidationError(HTTPError):
    status = 422
    title = "Validation failed"


class _RetryAfterError(HTTPError):
    """An error that says, in whole seconds, when to try again (``Retry-After``)."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int = 1,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.retry_after = max(0, int(retry_after))
        headers = dict(headers or {})
        headers["retry-after"] = str(self.retry_after)
        super().__init__(detail, details=details, headers=headers)


class TooManyRequestsError(_RetryAfterError):
    """429: a rate limit was reached; ``retry_after`` whole seconds until it resets."""

    status = 429
    title = "Too Many Requests"

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, retry_after=retry_after, details=details, headers=headers)


class ServiceUnavailableError(_RetryAfterError):
    """503: a backend this request needs is down or too slow; retry after ``retry_after`` s."""

    status = 503
    title = "Service Unavailable"


class ProviderError(CovetError):
    """A backend (database, cache, storage...) failed; clients see a 503."""


class UsageError(CovetError, TypeError):
    """The Python API was used in a way it does not support."""
