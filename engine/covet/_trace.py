"""The trace id of a request: from ``traceparent`` or ``X-Request-ID``, else generated once."""

from __future__ import annotations

import os
import re

from covet.types import Scope

__all__ = ["SCOPE_KEY", "trace_id_of"]

SCOPE_KEY = "covet.trace_id"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def trace_id_of(scope: Scope) -> str:
    """The request's id; computed on first use and kept in the scope.

    PERF: nothing calls this on a successful request unless a middleware that needs the id
    (request_id, access_log) is configured, so the common path pays nothing.
    """
    existing = scope.get(SCOPE_KEY)
    if existing is not None:
        return str(existing)
    trace_id = None
    for name, value in scope.get("headers", ()):
        if name == b"traceparent":
            match = _TRACEPARENT.match(value.decode("latin-1").strip().lower())
            if match and match.group(1) != "0" * 32:
                trace_id = match.group(1)
                break
        elif name == b"x-request-id" and trace_id is None:
            candidate = value.decode("latin-1").strip()
            if _SAFE_ID.match(candidate):
                trace_id = candidate
    if trace_id is None:
        trace_id = os.urandom(8).hex()
    scope[SCOPE_KEY] = trace_id
    return trace_id
