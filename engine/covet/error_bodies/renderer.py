"""Every error CovetPy answers, in the shape covet.yaml's ``errors:`` asks for.

One :class:`ErrorRenderer` per app, built once at startup by :func:`build_error_renderer`. It
renders the problem body (``format: problem``, the default) or calls the ``errors.renderer``
function with an :class:`ErrorInfo`, and it cannot fail:

- a renderer that raises, or returns what cannot be sent (not JSON-able, a bad media type),
  is logged and the problem body is sent instead (never a 500 about a 4xx);
- the error's own fields (``Allow``, ``WWW-Authenticate``, ``Retry-After``) are always sent;
- with ``validate_responses`` on, an error body of a routed operation is checked against the
  schema that operation declares for the status, as handler responses are: a mismatch is
  logged and answered 500 (that 500 is rendered but not checked again, so nothing loops).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson

from covet._problem import DEFAULT_MAX_DETAILS, ProblemRenderer
from covet.binding import import_object
from covet.error_bodies.info import ErrorInfo
from covet.errors import ConfigError, HTTPError
from covet.response import Response, dump_json
from covet.validation import SchemaValidator

if TYPE_CHECKING:  # NOTE: pydantic; covet validate of bare specs renders without it
    from covet.error_bodies.settings import ErrorsSettings

__all__ = [
    "ErrorRenderer",
    "RenderFunction",
    "build_error_renderer",
    "declared_validator",
    "media_type_of",
    "route_info",
]

logger = logging.getLogger("covet.error")

RenderFunction = Callable[[ErrorInfo], Any]
"""``errors.renderer``: ``ErrorInfo -> body``, ``(body, media_type)`` or None (the problem
body). A body is a JSON-able value (sent as JSON) or ``bytes`` (sent as they are)."""

DEFAULT_MEDIA_TYPE = "application/json"
_POINTER = "/errors/renderer"
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[\w.+-]+=[\w.+-]+)*$")


class ErrorRenderer(ProblemRenderer):
    """Renders each error as ``errors:`` says; the problem body when no renderer is set.

    Args:
        max_details: ``limits.max_error_details``.
        function: the imported ``errors.renderer``, or None for ``format: problem``.
        name: how logs name the renderer (its ``module:function``).
    """

    __slots__ = ("function", "name")

    def __init__(
        self,
        max_details: int = DEFAULT_MAX_DETAILS,
        function: RenderFunction | None = None,
        *,
        name: str = "",
    ) -> None:
        super().__init__(max_details)
        self.function = function
        self.name = name

    def render(self, exc: HTTPError, trace_id: str, route: Any = None) -> Response:
        """The response for ``exc`` (``route``: the endpoint it was routed to); never raises."""
        response = self.body_of(exc, trace_id, route)
        if route is not None:
            return self._checked(response, exc, trace_id, route)
        return response

    def body_of(self, exc: HTTPError, trace_id: str, route: Any = None) -> Response:
        """The configured body for ``exc``, unchecked; the problem body if the renderer fails."""
        if self.function is not None:
            response = self._custom(exc, trace_id, route)
            if response is not None:
                return response
        return super().render(exc, trace_id)

    def info(self, exc: HTTPError, trace_id: str, route: Any = None) -> ErrorInfo:
        """What the renderer is given about ``exc`` (strings clipped, values JSON-safe)."""
        title, detail, details = self.parts(exc)
        operation_id, template = route_info(route)
        return ErrorInfo(
            exc.status, title, detail, tuple(details), trace_id, operation_id, template,
            MappingProxyType({name.lower(): value for name, value in exc.headers.items()}),
        )

    def custom_body(self, exc: HTTPError, trace_id: str, route: Any = None) -> Response | None:
        """What ``errors.renderer`` makes of ``exc``: None when there is no renderer or it
        returned None (the problem body then); raises whatever the renderer raised."""
        function = self.function
        if function is None:
            return None
        result = function(self.info(exc, trace_id, route))
        return None if result is None else _response(result, exc)

    def _custom(self, exc: HTTPError, trace_id: str, route: Any) -> Response | None:
        try:
            return self.custom_body(exc, trace_id, route)
        except Exception as failure:  # the error path must answer, whatever the renderer did
            logger.error(
                "errors.renderer %s failed on a %s error (trace_id=%s); the problem body was "
                "sent instead", self.name, exc.status, trace_id, exc_info=failure,
            )
            return None

    def _checked(self, response: Response, exc: HTTPError, trace_id: str, route: Any) -> Response:
        """``validate_responses``: the error body against the schema ``route`` declares."""
        respond = getattr(route, "respond", None)
        if respond is None or not getattr(respond, "validate", False):
            return response
        media_type = media_type_of(response)
        validator = declared_validator(respond.responses, exc.status, media_type)
        if validator is None:
            return response
        try:
            problems = validator.errors(orjson.loads(response.body))
        except orjson.JSONDecodeError:
            problems = [{"message": f"the {media_type} body is not JSON"}]
        if not problems:
            return response
        logger.error(
            "the %s error body of %s does not match its schema (trace_id=%s): %s",
            exc.status, getattr(route, "label", "?"), trace_id, problems,
        )
        failure = HTTPError("Response validation failed", status=500, title="Internal Server Error")
        return self.body_of(failure, trace_id, route)


def build_error_renderer(
    settings: ErrorsSettings, max_details: int, *, check_responses: bool = False
) -> ProblemRenderer:
    """The app's renderer; ``errors.renderer`` is imported here, once.

    Args:
        settings: covet.yaml's ``errors:``.
        max_details: ``limits.max_error_details``.
        check_responses: some operation validates its responses (``validate_responses``), so
            error bodies are checked too.

    Returns:
        A plain :class:`ProblemRenderer` for ``format: problem`` when nothing is checked (the
        request path is exactly what it was without ``errors:``), else an :class:`ErrorRenderer`.

    Raises:
        ConfigError: the renderer cannot be imported, or is not a function of one argument
            (located at ``/errors/renderer``).
    """
    if settings.renderer is None:
        return ErrorRenderer(max_details) if check_responses else ProblemRenderer(max_details)
    return ErrorRenderer(max_details, import_renderer(settings.renderer), name=settings.renderer)


def import_renderer(ref: str) -> RenderFunction:
    """Import ``module:function`` and check it can be called with one ``ErrorInfo``."""
    try:
        function = import_object(ref)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"errors.renderer: cannot import {ref!r}: {exc}; check the module path and "
            "covet.yaml's pythonpath",
            pointer=_POINTER,
        ) from exc
    if not callable(function):
        raise ConfigError(f"errors.renderer: {ref!r} is not callable", pointer=_POINTER)
    if inspect.iscoroutinefunction(function):
        raise ConfigError(
            f"errors.renderer: {ref!r} is async; an error renderer is a plain function "
            "(ErrorInfo -> body)",
            pointer=_POINTER,
        )
    try:
        inspect.signature(function).bind(None)
    except TypeError as exc:
        raise ConfigError(
            f"errors.renderer: {ref!r} cannot be called with one argument (an ErrorInfo): {exc}",
            pointer=_POINTER,
        ) from None
    except ValueError:  # NOTE: some builtins have no signature; calling them will tell
        pass
    return function  # type: ignore[no-any-return]


def route_info(route: Any) -> tuple[str | None, str | None]:
    """``(operation_id, route template)`` of an endpoint, or ``(None, None)``."""
    if route is None:
        return None, None
    return getattr(route, "operation_id", None), getattr(route, "template", None)


def declared_validator(
    responses: Mapping[str, Any], status: int, media_type: str
) -> SchemaValidator | None:
    """The validator of the response declared for ``status`` (``404``, ``4XX``, ``default``)
    for ``media_type``, else of its first JSON media type; None when nothing is declared."""
    spec = (
        responses.get(str(status))
        or responses.get(f"{status // 100}XX")
        or responses.get(f"{status // 100}xx")
        or responses.get("default")
    )
    validators: Mapping[str, SchemaValidator] = getattr(spec, "validators", None) or {}
    if not validators:
        return None
    found = validators.get(media_type)
    return found if found is not None else next(iter(validators.values()))


def _response(result: Any, exc: HTTPError) -> Response:
    body, media_type = result, DEFAULT_MEDIA_TYPE
    if type(result) is tuple:
        if len(result) != 2 or not isinstance(result[1], str):
            raise TypeError("an errors.renderer returns body or (body, media_type: str)")
        body, media_type = result
        if not _MEDIA_TYPE.match(media_type):
            raise ValueError(f"{media_type!r} is not a media type (type/subtype)")
    payload = body if isinstance(body, bytes) else dump_json(body)
    return Response(payload, exc.status, exc.headers, media_type=media_type)


def media_type_of(response: Response) -> str:
    """The response's media type, lower-case, without parameters (``""`` when none)."""
    for name, value in response.raw_headers:
        if name == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""
