"""Provider scopes around a handler call: enter, run the body checks, call, exit knowing the outcome.

A scope is exited before the response is sent, so a failed commit becomes an error response rather
than a false success, and a client that went away gets its work rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from covet.binding import Binding
from covet.checks import Check, run_checks
from covet.endpoint._body import validation_error
from covet.errors import CovetError
from covet.providers.base import Provider, RequestScope
from covet.request import Request
from covet.response import Response

__all__ = ["ProviderScopes", "scoped_names"]

logger = logging.getLogger("covet.endpoint")

Serve = Callable[[dict[str, Any]], Awaitable[Response]]
"""Given the provider values by name, build the arguments, call the handler and respond."""


class ProviderScopes:
    """The providers one operation enters per request, and the body checks that need them."""

    __slots__ = ("checks", "names", "providers")

    def __init__(
        self, names: tuple[str, ...], providers: Mapping[str, Provider], checks: tuple[Check, ...]
    ) -> None:
        self.names = names
        self.providers = providers
        self.checks = checks

    async def run(
        self, request: Request, body: Any, errors: list[dict[str, Any]], serve: Serve
    ) -> Response:
        scopes: list[RequestScope] = []
        provided: dict[str, Any] = {}
        try:
            for name in self.names:
                scope = self.providers[name].begin(name, request)
                provided[name] = await scope.enter()
                scopes.append(scope)
            if self.checks:
                errors = errors + await run_checks(self.checks, body, provided, request, errors)
            if errors:
                raise validation_error(errors)
            response = await serve(provided)
        except BaseException as exc:
            await exit_scopes(scopes, ok=False)
            translated = self.translate(exc)
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
            await exit_scopes(scopes, ok=ok)
        except BaseException as exc:  # a failed commit: the response must not claim success
            translated = self.translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        return response

    def translate(self, exc: BaseException) -> BaseException | None:
        """A provider's own reading of an error its backend raised (e.g. a lost connection)."""
        if isinstance(exc, CovetError):
            return None
        for name in self.names:
            translate = getattr(self.providers[name], "translate", None)
            translated = translate(exc) if translate is not None else None
            if isinstance(translated, BaseException):
                return translated
        return None


def scoped_names(binding: Binding, checks: tuple[Check, ...]) -> tuple[str, ...]:
    """The providers a request enters: the handler's, then the ones only the checks need."""
    names = [name for _arg, name in binding.providers]
    names += [name for check in checks for name in check.providers]
    return tuple(dict.fromkeys(names))


async def exit_scopes(scopes: list[RequestScope], *, ok: bool) -> None:
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
