"""Do the error bodies CovetPy sends match the error schemas the spec declares?

For each 4xx an operation declares (``"404"``, ``"422"``, ``"4XX"``) with a JSON schema, a sample
of the error CovetPy raises with that status (a 422 with one field detail, a 404 with none, a 401
with its challenge...) is rendered by the app's renderer, exactly as a request would get it, and
validated against that schema. ``covet validate`` reports each mismatch (``error-body-mismatch``);
the app logs them as a warning at startup (``errors.check``).

``default`` responses are not checked: they describe whatever else an operation answers, 2xx
included, so a problem body is not necessarily what they promise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from covet._problem import ProblemRenderer
from covet.error_bodies.renderer import ErrorRenderer, media_type_of
from covet.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    HTTPError,
    MethodNotAllowedError,
    NotAcceptableError,
    NotFoundError,
    PayloadTooLargeError,
    RequestValidationError,
    SpecError,
    TooManyRequestsError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from covet.response import Response
from covet.spec.compiler import Operation, escape_pointer
from covet.validation import SchemaCompiler, SchemaValidator

__all__ = ["ErrorBodyChecker", "Mismatch", "log_mismatches", "sample_error"]

logger = logging.getLogger("covet.error")

SAMPLE_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
_REASONS_SHOWN = 3


def _field(location: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": "email", "location": location, "pointer": "/email", "code": code,
            "message": message, **extra}


_SAMPLES: Mapping[int, Callable[[], HTTPError]] = {
    400: lambda: BadRequestError(
        "The body is not valid JSON",
        details=[{"field": "", "location": "body", "pointer": "", "code": "parse",
                  "message": "Not valid JSON: unexpected character: line 1 column 2"}],
    ),
    401: lambda: UnauthorizedError(
        "Credentials are missing or invalid", challenges=['Bearer realm="api"']
    ),
    403: lambda: ForbiddenError("The credentials lack a required scope"),
    404: lambda: NotFoundError("No route matches /sample"),
    405: lambda: MethodNotAllowedError(
        "DELETE is not allowed on /sample; allowed: GET", headers={"allow": "GET"}
    ),
    406: lambda: NotAcceptableError("This operation can answer with: application/json"),
    409: lambda: ConflictError(
        "A unique value is already taken",
        details=[_field("body", "unique", "email is already taken", value="a@example.com")],
    ),
    413: lambda: PayloadTooLargeError(
        "The body is larger than 1048576 bytes",
        details=[{"field": "", "location": "body", "pointer": "", "code": "maxBodySize",
                  "message": "The body is larger than 1048576 bytes"}],
    ),
    415: lambda: UnsupportedMediaTypeError(
        "Content-Type text/plain is not accepted here",
        details=[{"field": "", "location": "header", "pointer": "", "code": "mediaType",
                  "message": "Content-Type text/plain is not one of: application/json"}],
    ),
    422: lambda: RequestValidationError(
        "1 problem with the request",
        details=[_field("body", "format", "'not-an-email' is not a 'email'", value="not-an-email")],
    ),
    429: lambda: TooManyRequestsError("Rate limit reached: 5/minute", retry_after=30),
}


def sample_error(status: int) -> HTTPError:
    """The error CovetPy raises with ``status``, as a sample: a 400, 409, 413, 415 or 422
    with one field detail; a 401 with its ``WWW-Authenticate``; any other with no details."""
    make = _SAMPLES.get(status)
    if make is not None:
        return make()
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Client Error"
    return HTTPError(title, status=status, title=title)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One declared error response the body CovetPy would send does not satisfy."""

    operation: str
    """The operation's label (its operationId, else ``METHOD /path``)."""
    status: str
    """The declared key: ``"422"``, ``"4XX"``."""
    file: str
    pointer: str
    """Where the operation declares the response (``.../responses/422``)."""
    declared: str
    """The media type whose schema was checked."""
    sent: str
    """The ``Content-Type`` the sample was sent with."""
    reasons: tuple[str, ...]
    renderer: str
    """The ``errors.renderer`` that rendered it; ``""`` for the problem body."""

    def message(self) -> str:
        """The finding's text: what does not match, and the fix."""
        shown = "; ".join(self.reasons[:_REASONS_SHOWN])
        more = len(self.reasons) - _REASONS_SHOWN
        if more > 0:
            shown += f"; and {more} more"
        media = "" if self.sent == self.declared else (
            f", sent as {self.sent or 'no media type'} where the spec declares {self.declared}"
        )
        if self.renderer:
            return (
                f"{self.operation}: the {self.status} error body errors.renderer "
                f"{self.renderer} returns does not match the schema the spec declares for it "
                f"({shown}){media}; fix the renderer so it returns the declared shape "
                "(docs/errors.md)"
            )
        return (
            f"{self.operation}: the {self.status} error body CovetPy sends "
            f"(application/problem+json) does not match the schema the spec declares for it "
            f"({shown}){media}; add an errors: renderer to covet.yaml "
            "(errors: {renderer: 'module:function'}) that returns the declared shape "
            "(docs/errors.md)"
        )


@dataclass(frozen=True, slots=True)
class _SampleRoute:
    """What a renderer is told of the route the sample error was raised on."""

    operation_id: str | None
    template: str


class ErrorBodyChecker:
    """Checks the operations of one spec document against one renderer.

    Args:
        doc: the loaded spec (a ``SpecDocument``), for ``$ref`` resolution.
        compiler: its schema compiler (one per document; its translations are shared).
        renderer: the app's renderer (``covet.error_bodies.build_error_renderer``).
    """

    def __init__(self, doc: Any, compiler: SchemaCompiler, renderer: ProblemRenderer) -> None:
        self.doc = doc
        self.compiler = compiler
        self.renderer = renderer
        # PERF: specs $ref one error schema from hundreds of operations; compile it once.
        self._validators: dict[tuple[str, str], SchemaValidator | None] = {}

    def check(self, operation: Operation) -> list[Mismatch]:
        """Every declared 4xx of ``operation`` the sample body does not satisfy."""
        responses = operation.spec.get("responses")
        if not isinstance(responses, Mapping):
            return []
        found = []
        for key, raw in responses.items():
            status = _sample_status(str(key))
            if status is None:
                continue
            pointer = f"{operation.pointer}/responses/{escape_pointer(str(key))}"
            mismatch = self._check_response(operation, str(key), status, raw, pointer)
            if mismatch is not None:
                found.append(mismatch)
        return found

    def _check_response(
        self, operation: Operation, key: str, status: int, raw: Any, pointer: str
    ) -> Mismatch | None:
        response, file, at = self.doc.deref(raw, operation.file, pointer)
        content = response.get("content") if isinstance(response, Mapping) else None
        schemas = _json_schemas(content, at)
        if not schemas:
            return None
        sent_body, sent, failure, custom = self._sample(operation, status)
        declared = sent if sent in schemas else next(iter(schemas))
        schema, schema_pointer = schemas[declared]
        validator = self._validator(schema, file, schema_pointer)
        if validator is None:
            return None
        reasons = [failure] if failure else _problems(validator, sent_body, sent)
        if not reasons:
            return None
        name = self.renderer.name if custom and isinstance(self.renderer, ErrorRenderer) else ""
        return Mismatch(
            operation.label, key, operation.file, pointer, declared, sent, tuple(reasons), name
        )

    def _sample(
        self, operation: Operation, status: int
    ) -> tuple[bytes, str, str | None, bool]:
        """``(body, media type, failure, custom)`` of the sample: ``failure`` says how the
        renderer failed; ``custom`` whether ``errors.renderer`` made the body."""
        exc = sample_error(status)
        route = _SampleRoute(operation.operation_id, operation.path)
        response: Response | None = None
        renderer = self.renderer
        if isinstance(renderer, ErrorRenderer):
            try:
                response = renderer.custom_body(exc, SAMPLE_TRACE_ID, route)
            except Exception as failure:  # noqa: BLE001 - reported as the finding
                return b"", "", f"the renderer raised {type(failure).__name__}: {failure}", True
        if response is not None:
            return response.body, media_type_of(response), None, True
        response = ProblemRenderer.render(renderer, exc, SAMPLE_TRACE_ID)
        return response.body, media_type_of(response), None, False

    def _validator(self, schema: Any, file: str, pointer: str) -> SchemaValidator | None:
        ref = schema.get("$ref") if isinstance(schema, Mapping) and len(schema) == 1 else None
        key = (file, ref if isinstance(ref, str) else pointer)
        if key in self._validators:
            return self._validators[key]
        try:
            validator: SchemaValidator | None = self.compiler.validator(
                schema, base=file, pointer=pointer, direction="response", location="response"
            )
        except SpecError:  # NOTE: a broken schema is its own finding (or startup error)
            validator = None
        self._validators[key] = validator
        return validator


def _sample_status(key: str) -> int | None:
    """The status sampled for a declared key: ``"422"`` -> 422, ``"4XX"`` -> 400, else None."""
    if key in ("4XX", "4xx"):
        return 400
    if len(key) == 3 and key.isdigit() and key[0] == "4":
        return int(key)
    return None


def _json_schemas(content: Any, pointer: str) -> dict[str, tuple[Any, str]]:
    """Media type -> (schema, its pointer) for each JSON media type with a schema."""
    if not isinstance(content, Mapping):
        return {}
    schemas = {}
    for media_type, media in content.items():
        name = str(media_type).split(";", 1)[0].strip().lower()
        schema = media.get("schema") if isinstance(media, Mapping) else None
        if schema is not None and (name == "application/json" or name.endswith("+json")):
            at = f"{pointer}/content/{escape_pointer(str(media_type))}/schema"
            schemas[name] = (schema, at)
    return schemas


def _problems(validator: SchemaValidator, body: bytes, media_type: str) -> list[str]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return [f"the {media_type or 'sent'} body is not JSON"]
    errors = validator.errors(data)
    # NOTE: a missing required member says more about the declared shape than the extra ones
    errors.sort(key=lambda error: error.get("code") not in ("required", "type"))
    return [f"{error.get('pointer') or '/'}: {error.get('message', '')}" for error in errors]


_LOGGED = 20


def log_mismatches(mismatches: Sequence[Mismatch]) -> None:
    """Startup's half of the check (``errors.check``): one warning per mismatch, at most 20."""
    for mismatch in mismatches[:_LOGGED]:
        logger.warning("%s", mismatch.message())
    if len(mismatches) > _LOGGED:
        logger.warning(
            "and %d more error responses whose declared schema CovetPy's error bodies do not "
            "match ('covet validate' lists them all; errors.check: false silences this)",
            len(mismatches) - _LOGGED,
        )
