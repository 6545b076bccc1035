"""The per-operation step pipeline (DESIGN.md §12).

The compiler gives each operation a tuple of steps, built once at startup, in a fixed order:
authenticate/authorize, rate limit, strict query, cache lookup; then the endpoint decodes,
validates, calls the handler and responds. A step is ``async (request, ctx) -> Response | None``:
a response stops the chain and is sent as is; an :class:`~covet.errors.HTTPError` is rendered as
usual. An operation with no steps is served by the plain :class:`~covet.endpoint.Endpoint` and
pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from covet.request import Request
from covet.response import Response

if TYPE_CHECKING:
    from covet.binding import Binding
    from covet.config import ApiConfig, CovetConfig, OperationConfig
    from covet.providers.base import Provider
    from covet.spec.compiler import Operation

__all__ = ["STEP_ORDER", "Context", "Step", "StepFactory", "StepSetup"]

STEP_ORDER = ("security", "rate_limit", "strict_query", "cache")
"""The order steps run in; a step factory names its place (``Step.kind``)."""


class Context:
    """What the steps of one request learn, for the steps after them and for the handler.

    Attributes:
        auth: the authenticated caller (``covet.security``), or ``None``.
        headers: response headers every answer to this request carries, whether the handler's
            response or an error (``RateLimit``, ``RateLimit-Policy``...).
        after: callbacks run with the final response before it is sent (a cache store).
        done: callbacks run once the request is over, whatever happened (errors included):
            what a step must always undo (a cache lock, a waiter to wake).
    """

    __slots__ = ("after", "auth", "done", "headers")

    def __init__(self) -> None:
        self.auth: Any = None
        self.headers: dict[str, str] = {}
        self.after: list[Callable[[Request, Response], Awaitable[None]]] = []
        self.done: list[Callable[[], Awaitable[None]]] = []


class Step(Protocol):
    """One stage before the handler; ``kind`` is its name in :data:`STEP_ORDER`."""

    kind: str

    async def __call__(self, request: Request, ctx: Context) -> Response | None: ...


@dataclass(frozen=True, slots=True)
class StepSetup:
    """What a step factory may read when it compiles one operation's step."""

    operation: Operation
    binding: Binding
    config: CovetConfig
    api: ApiConfig
    operation_config: OperationConfig | None
    providers: Mapping[str, Provider]
    shared: dict[str, Any]
    """One dict per build, for what factories share across operations (authenticators, stores)."""


class StepFactory(Protocol):
    """Builds one kind of step for an operation, or ``None`` when it does not need one.

    Raises:
        SpecError: the spec asks for what the config does not provide (a secured operation
            whose scheme has no ``auth:`` entry): refused at startup, never silently open.
    """

    def __call__(self, setup: StepSetup) -> Step | None: ...
