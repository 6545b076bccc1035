"""The error responses CovetPy itself can answer, added to the served spec.

A client generated from the spec, or a fuzzer such as schemathesis, should meet no status the
document does not declare. CovetPy answers some statuses for any operation, whatever its
handler does; :func:`add_error_responses` declares them per operation, each referencing one
shared problem schema (DESIGN.md §6), unless the author declared that status or its range
(``4XX``). A ``default`` response does not count: it says nothing about which statuses occur.

| status | added where |
| --- | --- |
| 400 | every operation (a path not UTF-8 once percent-decoded, a malformed query or body) |
| 406 | an operation with a response of more than one media type (``Accept`` negotiation) |
| 413, 415 | an operation with a request body |
| 422 | an operation with parameters or a request body |
| 401 | an operation with a security requirement (its own or the root's) naming a scheme |
| 403 | such an operation whose requirement names scopes (or roles) |
| 429 | an operation with a rate limit (covet.yaml ``rate_limits`` / ``operations.<id>``) |
| 503 | every operation (a backend down or slow, or the server at ``max_concurrency``) |

``apis[].error_responses: false`` in covet.yaml turns this off. With an ``errors.renderer``
the bodies are the renderer's, whose schema CovetPy cannot know: the statuses are declared
without content then (``problem_bodies=False``), so the document promises nothing false.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["PROBLEM_SCHEMA", "Limited", "add_error_responses", "limited_operations", "statuses_for"]

_RESPONSES = "#/components/responses/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TITLES = {
    400: ("CovetBadRequest", "The request could not be parsed (path, query, headers or body)"),
    406: ("CovetNotAcceptable", "None of the response media types is acceptable (Accept)"),
    401: ("CovetUnauthorized", "Credentials are missing or invalid (see WWW-Authenticate)"),
    403: ("CovetForbidden", "The credentials lack a scope this operation requires"),
    413: ("CovetPayloadTooLarge", "The body (or a form's field count) is over the limit"),
    415: ("CovetUnsupportedMediaType", "The body's Content-Type is not one the operation takes"),
    422: ("CovetValidationFailed", "Parameters or body do not match their schemas"),
    429: ("CovetTooManyRequests", "A rate limit was reached; retry after Retry-After seconds"),
    503: ("CovetServiceUnavailable", "A backend is unavailable or the server is at capacity"),
}
_DETAIL = {
    "type": "object",
    "required": ["field", "location", "pointer", "message", "code"],
    "properties": {
        "field": {"type": "string"},
        "location": {"type": "string"},
        "pointer": {"type": "string"},
        "message": {"type": "string"},
        "code": {"type": "string"},
        "value": {},
    },
}
PROBLEM_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "description": "An error CovetPy answered (RFC 9457 problem details, docs/errors.md)",
    "required": ["type", "title", "status", "error", "detail", "details", "trace_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "details": {"type": "array", "items": _DETAIL},
        "trace_id": {"type": "string"},
    },
}


Limited = Callable[[Mapping[str, Any]], bool]
"""Whether CovetPy rate-limits an operation (given its Operation object)."""


def statuses_for(
    operation: Mapping[str, Any],
    path_item: Mapping[str, Any],
    components: Mapping[str, Any] | None = None,
    *,
    root_security: Any = None,
    limited: bool = False,
) -> list[int]:
    """The statuses CovetPy may answer for one operation, from what the document says of it."""
    statuses = [400]
    security = operation.get("security", root_security)
    if isinstance(security, list) and any(isinstance(r, Mapping) and r for r in security):
        statuses.append(401)
        if any(isinstance(r, Mapping) and any(r.values()) for r in security):
            statuses.append(403)
    if limited:
        statuses.append(429)
    has_body = "requestBody" in operation
    if has_body:
        statuses += [413, 415]
    if has_body or operation.get("parameters") or path_item.get("parameters"):
        statuses.append(422)
    if _negotiates(operation, components or {}):
        statuses.append(406)
    statuses.append(503)
    return sorted(statuses)


def limited_operations(config: Any) -> Limited:
    """Which operations ``config`` (a CovetConfig) rate-limits: all with ``rate_limits.default``,
    else those with ``operations.<id>.rate_limit``."""
    if config.rate_limits.default:
        return lambda _operation: True
    ids = frozenset(op_id for op_id, op in config.operations.items() if op.rate_limit is not None)
    return lambda operation: operation.get("operationId") in ids


def add_error_responses(
    document: dict[str, Any], limited: Limited | None = None, *, problem_bodies: bool = True
) -> dict[str, Any]:
    """``document`` (a bundle, not modified) with CovetPy's error responses declared.

    Args:
        limited: tells which operations have a rate limit (none when not given).
        problem_bodies: declare the problem+json body (False: an ``errors.renderer`` makes the
            bodies, so each response has a description and no content).

    Returns:
        A copy; the input is returned unchanged when it has no operations.
    """
    operations = list(_operations(document))
    if not operations:
        return document
    out = copy.deepcopy(document)
    components = out.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    responses = components.setdefault("responses", {})
    schema_name = _free_name(schemas, "CovetProblem")
    if problem_bodies:
        schemas[schema_name] = copy.deepcopy(dict(PROBLEM_SCHEMA))
    names: dict[int, str] = {}
    for path, method in operations:
        path_item = out["paths"][path]
        operation = path_item[method]
        declared = operation.setdefault("responses", {})
        statuses = statuses_for(
            operation, path_item, document.get("components"),
            root_security=document.get("security"),
            limited=limited is not None and limited(operation),
        )
        for status in statuses:
            if _declares(declared, status):
                continue
            if status not in names:
                names[status] = _free_name(responses, _TITLES[status][0])
                responses[names[status]] = _response(status, schema_name if problem_bodies else None)
            declared[str(status)] = {"$ref": f"#/components/responses/{names[status]}"}
    return out


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, item in paths.items():
        if not isinstance(item, Mapping) or "$ref" in item:
            continue
        for method in _METHODS:
            if isinstance(item.get(method), Mapping):
                yield path, method


def _declares(responses: Mapping[str, Any], status: int) -> bool:
    keys = {str(key).upper() for key in responses}
    return str(status) in keys or f"{status // 100}XX" in keys


def _negotiates(operation: Mapping[str, Any], components: Mapping[str, Any]) -> bool:
    responses = operation.get("responses")
    if not isinstance(responses, Mapping):
        return False
    shared = components.get("responses") if isinstance(components, Mapping) else None
    for response in responses.values():
        ref = response.get("$ref") if isinstance(response, Mapping) else None
        if isinstance(ref, str) and ref.startswith(_RESPONSES) and isinstance(shared, Mapping):
            response = shared.get(ref[len(_RESPONSES):])
        content = response.get("content") if isinstance(response, Mapping) else None
        if isinstance(content, Mapping) and len(content) > 1:
            return True
    return False


def _response(status: int, schema_name: str | None) -> dict[str, Any]:
    if schema_name is None:
        return {"description": _TITLES[status][1]}
    return {
        "description": _TITLES[status][1],
        "content": {
            "application/problem+json": {
                "schema": {"$ref": f"#/components/schemas/{schema_name}"}
            }
        },
    }


def _free_name(section: Mapping[str, Any], name: str) -> str:
    """``name``, or ``name_2``, ``name_3``... when the author already uses it."""
    candidate, n = name, 1
    while candidate in section:
        n += 1
        candidate = f"{name}_{n}"
    return candidate
