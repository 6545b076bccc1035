"""The provider contract: what the app opens at startup and injects into handlers.

    class Provider(Protocol):
        names                 # handler parameter names it can supply ("db", "analytics"...)
        async open()          # lifespan startup: create pools, check reachability
        async close()         # lifespan shutdown: dispose everything
        begin(name, request)  # per request: a RequestScope whose value is injected
        async health()        # one HealthReport per backend, for /health

A :class:`RequestScope` is entered before the handler runs and exited after the response is
known, with ``ok`` telling whether to keep its work (a non-error response) or undo it (an
exception or a 4xx/5xx response). A backend that cannot serve raises ``ProviderError``, which
clients see as a 503 with the standard error body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from covet.request import Request

__all__ = ["ConstantScope", "HealthReport", "Provider", "RequestScope"]


class RequestScope(Protocol):
    """One request's use of a provider (a database session, say)."""

    async def enter(self) -> Any:
        """The value injected into the handler parameter."""

    async def exit(self, ok: bool) -> None:
        """Finish: keep the work when ``ok`` (commit), else undo it (rollback); always release."""


class ConstantScope:
    """A request scope whose value is the same object every time; nothing to undo. A provider
    of one shared object (``tokens``, ``cache``, ``settings``) keeps one, so a request
    allocates nothing for it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    async def enter(self) -> Any:
        return self.value

    async def exit(self, ok: bool) -> None:
        return None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The state of one backend, as ``GET /health`` shows it."""

    name: str
    kind: str
    ok: bool
    latency_ms: float
    required: bool = True
    error: str | None = None


@runtime_checkable
class Provider(Protocol):
    names: Sequence[str]

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def begin(self, name: str, request: Request) -> RequestScope: ...

    async def health(self) -> list[HealthReport]: ...
