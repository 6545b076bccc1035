"""What an ``errors.renderer`` is told about one error: :class:`ErrorInfo`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ErrorInfo"]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """One error CovetPy is about to answer, as an ``errors.renderer`` receives it.

    Every string is already bounded and every ``value`` JSON-safe (the same clipping as the
    problem body: at most ``limits.max_error_details`` details, then one ``moreErrors``
    summary), so a renderer may put them in its body as they are.

    Attributes:
        status: the HTTP status (404, 422, 401...).
        title: the status's short title (``"Validation failed"``, ``"Not Found"``).
        detail: a sentence about this occurrence.
        details: field errors, each ``{field, location, pointer, code, message[, value]}``;
            empty for errors about no field (404, 405, 401...).
        trace_id: the request's trace id (``traceparent``, ``X-Request-ID`` or generated).
        operation_id: the operation the request was routed to, when there is one and it has
            an operationId; None for a 404, a 405, and errors of the edge middleware.
        route: the route template it was routed to (``/users/{id}``), or None.
        headers: the fields sent with this error (``allow``, ``www-authenticate``,
            ``retry-after``), lower-case names; they are sent whatever the renderer returns.

    Example:
        >>> def render(info: ErrorInfo) -> dict[str, object]:
        ...     # the RealWorld (Conduit) shape: {"errors": {"body": ["..."]}}
        ...     return {"errors": {"body": [d["message"] for d in info.details] or [info.detail]}}
    """

    status: int
    title: str
    detail: str
    details: tuple[Mapping[str, Any], ...] = ()
    trace_id: str = ""
    operation_id: str | None = None
    route: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def problem(self) -> dict[str, Any]:
        """The DESIGN.md §6 problem body of this error, as a dict (to wrap or extend)."""
        return {
            "type": "about:blank", "title": self.title, "status": self.status,
            "error": self.title, "detail": self.detail,
            "details": [dict(detail) for detail in self.details], "trace_id": self.trace_id,
        }
