"""A compiled operation at request time: decode, validate, inject, call, serialize.

Built once per operation at startup from an ``Operation`` (what the spec says) and a ``Binding``
(what the handler takes). ``__call__`` only runs what was decided then.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from covet.binding import Binding
from covet.checks import Check, run_checks
from covet.errors import (
    BadRequestError,
    CovetError,
    HTTPError,
    NotAcceptableError,
    RequestValidationError,
    UnsupportedMediaTypeError,
)
from covet.media import DecodeError, JSONDecoder
from covet.providers.base import Provider, RequestScope
from covet.request import Request, parse_form
from covet.response import Response, bytes_response, dump_json
from covet.spec.compiler import MediaBody, Operation, RequestBodySpec, ResponseSpec

__all__ = ["Endpoint", "RouteEndpoint", "negotiate"]

logger = logging.getLogger("covet.endpoint")

_EMPTY: Mapping[str, Any] = {}
_BAD_REQUEST_CODES = frozenset({"parse", "maxDepth", "encoding", "duplicateKey"})
_MEDIA_TYPE = "mediaType"
_STOP_CODES = _BAD_REQUEST_CODES | {_MEDIA_TYPE}
"""Codes after which the body checks (which may query a database) do not run."""


class Endpoint:
    """The request-time twin of one :class:`Operation`."""

    __slots__ = (
        "_media_cache",
        "_validate_response",
        "binding",
        "body_spec",
        "checks",
        "default_status",
        "json",
        "label",
        "max_body_size",
        "max_depth",
        "max_form_fields",
        "needs_cookies",
        "needs_headers",
        "needs_query",
        "operation",
        "parameters",
        "providers",
        "responses",
        "scoped",
    )

    def __init__(
        self,
        operation: Operation,
        binding: Binding,
        *,
        max_body_size: int,
        max_depth: int,
        strict_json: bool = True,
        max_form_fields: int = 1000,
        validate_response: bool = False,
        providers: Mapping[str, Provider] | None = None,
        checks: tuple[Check, ...] = (),
    ) -> None:
        self.operation = operation
        self.binding = binding
        self.label = operation.label
        self.parameters = operation.parameters if operation.parameters.specs else None
        locations = {spec[1] for spec in operation.parameters.specs}
        self.needs_query = "query" in locations
        self.needs_headers = "header" in locations
        self.needs_cookies = "cookie" in locations
        self.body_spec = operation.request_body
        self.max_body_size = max_body_size
        self.max_depth = max_depth
        self.json = JSONDecoder(max_depth=max_depth, strict=strict_json)
        self.max_form_fields = max_form_fields
        self.default_status = operation.default_status
        self.responses = operation.responses
        self.providers = providers or {}
        self.checks = checks
        self.scoped = _scoped_names(binding, checks)
        self._validate_response = validate_response
        # PERF: media types per returned status, filled on first use (at most one per status).
        self._media_cache: dict[int, tuple[tuple[str, tuple[bytes, bytes]], ...]] = {}

    async def __call__(self, request: Request) -> Response:
        errors: list[dict[str, Any]] = []
        values: dict[str, Any]
        if self.parameters is not None:
            values, errors = self.parameters.decode(
                request.path_params,
                request.query if self.needs_query else _EMPTY,
                request.headers if self.needs_headers else _EMPTY,
                request.cookies if self.needs_cookies else _EMPTY,
            )
        else:
            values = {}
        body: Any = None
        if self.body_spec is not None:
            body = await self._read_body(self.body_spec, request, errors)
        if self.checks and not any(e.get("code") in _STOP_CODES for e in errors):
            return await self._run_scoped(values, body, request, errors)
        if errors:
            raise _validation_error(errors)
        return await self._run(values, body, request)

    async def _read_body(
        self, body_spec: RequestBodySpec, request: Request, errors: list[dict[str, Any]]
    ) -> Any:
        raw = await request.body()
        if not raw:
            if body_spec.required:
                errors.append(_detail("", "Request body is required", "missing"))
            return None
        content_type = request.content_type
        media = body_spec.select(content_type)
        if media is None:
            # NOTE: reported with the request's other errors (path, query, headers), as a 415.
            declared = ", ".join(m.media_type for m in body_spec.media)
            message = f"Content-Type {content_type or '(none)'!r} is not accepted here; send one of: {declared}"
            errors.append(_detail("", message, _MEDIA_TYPE, content_type))
            return None
        return self._parse_body(media, raw, errors)

    def _parse_body(self, media: MediaBody, raw: bytes, errors: list[dict[str, Any]]) -> Any:
        if media.kind == "json":
            try:
                value = self.json.decode(raw)
            except DecodeError as exc:
                errors.append(_detail("", f"Body: {exc.message}", exc.code))
                return None
        elif media.kind == "form":
            value = self._parse_form(media, raw, errors, self.max_form_fields)
            if value is None:
                return None
        else:
            return raw
        if media.validator is not None:
            errors.extend(media.validator.errors(value))
        return value

    @staticmethod
    def _parse_form(
        media: MediaBody, raw: bytes, errors: list[dict[str, Any]], max_fields: int
    ) -> Any:
        try:
            fields = parse_form(raw, max_fields)
        except UnicodeDecodeError:
            errors.append(_detail("", "Form body is not valid UTF-8 (after percent-decoding)", "encoding"))
            return None
        value, form_errors = media.form_decoder(fields)
        errors.extend(form_errors)
        return value

    async def _run(self, values: dict[str, Any], body: Any, request: Request) -> Response:
        if not self.scoped:
            return self.respond(await self._invoke(self._arguments(values, body, request)), request)
        return await self._run_scoped(values, body, request, [])

    async def _run_scoped(
        self, values: dict[str, Any], body: Any, request: Request, errors: list[dict[str, Any]]
    ) -> Response:
        """Enter the provider scopes, run the body checks, call, and exit knowing the outcome.

        The scopes are exited before the response is sent, so a failed commit becomes an error
        response rather than a false success.
        """
        scopes: list[RequestScope] = []
        provided: dict[str, Any] = {}
        try:
            for name in self.scoped:
                scope = self.providers[name].begin(name, request)
                provided[name] = await scope.enter()
                scopes.append(scope)
            if self.checks:
                errors = errors + await run_checks(self.checks, body, provided, request, errors)
            if errors:
                raise _validation_error(errors)
            kwargs = self._arguments(values, body, request)
            for arg, name in self.binding.providers:
                kwargs[arg] = provided[name]
            response = self.respond(await self._invoke(kwargs), request)
        except BaseException as exc:
            await _exit_scopes(scopes, ok=False)
            translated = self._translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        ok = response.status_code < 400
        if ok and request.poll_disconnected():
            # Nobody will read this response: undo the work rather than commit it unseen (a
            # client that gave up may well retry). Uvicorn does not cancel a handler whose
            # client left, so this is where a disconnect is noticed.
            logger.info("%s %s: the client went away; rolled back", request.method, request.path)
            ok = False
        try:
            await _exit_scopes(scopes, ok=ok)
        except BaseException as exc:  # a failed commit: the response must not claim success
            translated = self._translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        return response

    def _translate(self, exc: BaseException) -> BaseException | None:
        """A provider's own reading of an error its backend raised (e.g. a lost connection)."""
        if isinstance(exc, CovetError):
            return None
        for name in self.scoped:
            translate = getattr(self.providers[name], "translate", None)
            translated = translate(exc) if translate is not None else None
            if isinstance(translated, BaseException):
                return translated
        return None

    def _arguments(self, values: dict[str, Any], body: Any, request: Request) -> dict[str, Any]:
        binding = self.binding
        kwargs = values
        if binding.drop:
            for name in binding.drop:
                kwargs.pop(name, None)
        for name, convert in binding.converters:
            if name in kwargs:
                kwargs[name] = self._convert_argument(name, convert, kwargs[name])
        for name in binding.fill_none:
            kwargs.setdefault(name, None)
        if binding.body_arg is not None:
            kwargs[binding.body_arg] = self._convert_body(body)
        if binding.request_arg is not None:
            kwargs[binding.request_arg] = request
        return kwargs

    async def _invoke(self, kwargs: dict[str, Any]) -> Any:
        binding = self.binding
        if binding.is_async:
            return await binding.handler(**kwargs)
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, binding.handler, **kwargs)
        return await loop.run_in_executor(None, call)

    def _convert_argument(self, name: str, convert: Callable[[Any], Any], value: Any) -> Any:
        """Apply a handler annotation's converter (UUID, date...) after validation."""
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            spec = next(s for s in self.operation.parameters.specs if s[0] == name)
            raise RequestValidationError(
                details=[
                    {"field": spec[2], "location": spec[1], "pointer": f"/{spec[2]}",
                     "message": f"Cannot be read as the handler expects: {exc}", "code": "format",
                     "value": value}
                ]
            ) from None

    def _convert_body(self, body: Any) -> Any:
        convert = self.binding.body_converter
        if convert is None or body is None:
            return body
        try:
            return convert(body)
        except (TypeError, ValueError) as exc:
            # NOTE: the schema already passed; this is the model disagreeing with the spec.
            raise RequestValidationError(
                "Body does not fit the handler's model",
                details=[_detail("", str(exc).splitlines()[0], "model")],
            ) from exc

    def respond(self, result: Any, request: Request) -> Response:
        """Turn a handler's return value into a Response (DESIGN.md §5 conventions)."""
        if isinstance(result, Response):
            return result
        status = self.default_status
        headers: Mapping[str, str] | None = None
        if type(result) is tuple:
            result, status, *rest = result
            headers = rest[0] if rest else None
        if result is None:
            response = Response(None, status, headers)
        else:
            response = self._serialize(result, status, request)
            if headers:
                for name, value in headers.items():
                    response.set_header(name, value)
        return response

    def _serialize(self, result: Any, status: int, request: Request) -> Response:
        candidates = self._media_for(status)
        if len(candidates) > 1:
            media_type, header = negotiate(candidates, request.headers.get("accept"))
        elif candidates:
            media_type, header = candidates[0]
        else:
            media_type, header = _media_by_value(result)
        if media_type.endswith("json") or media_type in ("*/*", "application/*"):
            if self._validate_response:
                self._check_response(status, media_type, result)
            if media_type in ("*/*", "application/*"):
                media_type, header = _media_by_value(result)
                if media_type != "application/json":
                    return bytes_response(status, _as_bytes(result), header)
            return bytes_response(status, dump_json(result), header)
        if isinstance(result, (str, bytes)):
            return bytes_response(status, _as_bytes(result), header)
        raise TypeError(
            f"handler {self.binding.qualname} returned {type(result).__name__} for a "
            f"{media_type} response; return str/bytes or a Response"
        )

    def _media_for(self, status: int) -> tuple[tuple[str, tuple[bytes, bytes]], ...]:
        cached = self._media_cache.get(status)
        if cached is None:
            spec = _response_spec(self.responses, status)
            media_types = spec.media_types if spec is not None else ()
            cached = tuple((m, _content_type_header(m)) for m in media_types)
            if 100 <= status < 600:
                self._media_cache[status] = cached
        return cached

    def _check_response(self, status: int, media_type: str, result: Any) -> None:
        spec = _response_spec(self.responses, status)
        validator = spec.validators.get(media_type) if spec is not None else None
        if validator is None:
            return
        data = orjson.loads(dump_json(result))
        problems = validator.errors(data)
        if problems:
            logger.error(
                "response of %s does not match its schema: %s", self.operation.label, problems
            )
            raise HTTPError("Response validation failed", status=500, title="Internal Server Error")


def _scoped_names(binding: Binding, checks: tuple[Check, ...]) -> tuple[str, ...]:
    """The providers a request enters: the handler's, then the ones only the checks need."""
    names = [name for _arg, name in binding.providers]
    names += [name for check in checks for name in check.providers]
    return tuple(dict.fromkeys(names))


async def _exit_scopes(scopes: list[RequestScope], *, ok: bool) -> None:
    """Exit in reverse order; every scope is exited even when an earlier exit fails."""
    failure: BaseException | None = None
    for scope in reversed(scopes):
        try:
            await scope.exit(ok)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the others exit
            failure = failure or exc
            ok = False
    if failure is not None:
        raise failure


def _response_spec(responses: Mapping[str, ResponseSpec], status: int) -> ResponseSpec | None:
    return (
        responses.get(str(status))
        or responses.get(f"{status // 100}XX")
        or responses.get(f"{status // 100}xx")
        or responses.get("default")
    )


def _content_type_header(media_type: str) -> tuple[bytes, bytes]:
    value = media_type
    if media_type.startswith("text/") and "charset" not in media_type:
        value += "; charset=utf-8"
    return (b"content-type", value.encode("latin-1"))


_JSON = ("application/json", (b"content-type", b"application/json"))
_TEXT = ("text/plain", (b"content-type", b"text/plain; charset=utf-8"))
_OCTETS = ("application/octet-stream", (b"content-type", b"application/octet-stream"))


def _media_by_value(result: Any) -> tuple[str, tuple[bytes, bytes]]:
    if isinstance(result, str):
        return _TEXT
    if isinstance(result, bytes):
        return _OCTETS
    return _JSON


def _as_bytes(result: str | bytes) -> bytes:
    return result.encode("utf-8") if isinstance(result, str) else result


def negotiate(
    candidates: tuple[tuple[str, tuple[bytes, bytes]], ...], accept: str | None
) -> tuple[str, tuple[bytes, bytes]]:
    """Pick the declared media type the ``Accept`` header prefers (first declared on a tie).

    Raises:
        NotAcceptableError: the client accepts none of the declared types.
    """
    if not accept:
        return candidates[0]
    best: tuple[float, int] | None = None
    chosen = None
    for index, candidate in enumerate(candidates):
        quality = _quality(candidate[0], accept)
        if quality > 0 and (best is None or (quality, -index) > best):
            best, chosen = (quality, -index), candidate
    if chosen is None:
        declared = ", ".join(c[0] for c in candidates)
        raise NotAcceptableError(f"This operation can answer with: {declared}")
    return chosen


def _quality(media_type: str, accept: str) -> float:
    kind = media_type.split("/", 1)[0]
    best = 0.0
    best_specificity = -1
    for item in accept.split(","):
        value, *params = (p.strip() for p in item.split(";"))
        value = value.lower()
        if value == media_type:
            specificity = 2
        elif value == f"{kind}/*":
            specificity = 1
        elif value == "*/*":
            specificity = 0
        else:
            continue
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if specificity > best_specificity:
            best, best_specificity = quality, specificity
    return best


def _detail(pointer: str, message: str, code: str, value: Any = None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "field": pointer.lstrip("/").replace("/", "."),
        "location": "body",
        "pointer": pointer,
        "message": message,
        "code": code,
    }
    if value is not None:
        detail["value"] = value
    return detail


def _validation_error(errors: list[dict[str, Any]]) -> HTTPError:
    codes = {e.get("code") for e in errors}
    if not codes.isdisjoint(_BAD_REQUEST_CODES):
        return BadRequestError("The request could not be parsed", details=errors)
    if _MEDIA_TYPE in codes:
        media = next(e for e in errors if e.get("code") == _MEDIA_TYPE)
        return UnsupportedMediaTypeError(media["message"], details=errors)
    count = len(errors)
    return RequestValidationError(
        f"{count} problem{'s' if count != 1 else ''} with the request", details=errors
    )


class RouteEndpoint(Endpoint):
    """A code-first route (``app.route``): typed path parameters, same return conventions."""

    __slots__ = ("converters",)

    def __init__(
        self,
        template: str,
        binding: Binding,
        converters: Mapping[str, Callable[[str], Any]],
        *,
        max_body_size: int,
        providers: Mapping[str, Provider] | None = None,
    ) -> None:
        self.binding = binding
        self.label = template
        self.converters = tuple(converters.items())
        self.parameters = None
        self.needs_query = self.needs_headers = self.needs_cookies = False
        self.body_spec = None
        self.max_body_size = max_body_size
        self.max_depth = 0
        self.default_status = 200
        self.responses = {}
        self.providers = providers or {}
        self.checks = ()
        self.scoped = _scoped_names(binding, ())
        self._validate_response = False
        self._media_cache = {}

    async def __call__(self, request: Request) -> Response:
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        raw = request.path_params
        for name, convert in self.converters:
            try:
                values[name] = convert(raw[name])
            except ValueError as exc:
                errors.append(
                    {"field": name, "location": "path", "pointer": f"/{name}",
                     "message": str(exc), "code": "type", "value": raw[name]}
                )
        if errors:
            raise _validation_error(errors)
        request.path_params = values
        return await self._run(dict(values), None, request)
