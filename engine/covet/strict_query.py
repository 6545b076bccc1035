"""The strict-query step: a query parameter the operation does not declare is a 400.

    apis: [{spec: openapi.yaml, strict_query: true}]     # every operation of that api
    operations: {listItems: {strict_query: false}}       # covet.yaml, per operation
    # or in the spec, on an operation:  x-covet-strict-query: true

Off by default: OpenAPI lets clients send parameters an operation does not declare. When on,
each undeclared key is one detail with code ``unknownParameter`` (no ``value``: an undeclared
parameter may well be a token), answered before the declared parameters are validated, as
Connexion's ``strict_validation`` does. What counts as declared: covet.validation._query_keys,
plus the query keys of the operation's ``apiKey`` security schemes. An operation it is off for
has no step and pays nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from covet.endpoint import Context, StepSetup
from covet.errors import BadRequestError, SpecError
from covet.request import Request
from covet.response import Response
from covet.types import MISSING
from covet.validation._errors import make_detail
from covet.validation._query_keys import QueryKeys

__all__ = ["EXTENSION", "UNKNOWN_PARAMETER", "StrictQueryStep", "strict_query_step"]

logger = logging.getLogger("covet.strict_query")

EXTENSION = "x-covet-strict-query"
UNKNOWN_PARAMETER = "unknownParameter"


class StrictQueryStep:
    """Refuses a request whose query has a key no parameter of the operation reads."""

    kind = "strict_query"
    __slots__ = ("keys",)

    def __init__(self, keys: QueryKeys) -> None:
        self.keys = keys

    async def __call__(self, request: Request, ctx: Context) -> Response | None:
        query = request.query
        if not query:
            return None
        unknown = self.keys.unknown(query)
        if unknown:
            raise _unknown_error(unknown)
        return None


def _unknown_error(unknown: list[str]) -> BadRequestError:
    details = [
        make_detail(
            "query", (name,), UNKNOWN_PARAMETER,
            f"Query parameter '{name}' is not declared by this operation", MISSING,
        )
        for name in unknown
    ]
    listed = ", ".join(f"'{name}'" for name in unknown)
    noun = "parameter" if len(unknown) == 1 else "parameters"
    return BadRequestError(f"Undeclared query {noun}: {listed}", details=details)


def strict_query_step(setup: StepSetup) -> StrictQueryStep | None:
    """The step of one operation, or None when strict query validation is off for it.

    Raises:
        SpecError: ``x-covet-strict-query`` is not a boolean (located at it).
    """
    if not _is_strict(setup):
        return None
    operation = setup.operation
    keys = operation.parameters.query_keys.with_names(_api_key_names(operation.security_schemes))
    if keys.open:
        logger.warning(
            "%s: strict_query does nothing here: an exploded form object parameter without "
            "declared properties reads every query key (declare its properties)", operation.label,
        )
        return None
    return StrictQueryStep(keys)


def _is_strict(setup: StepSetup) -> bool:
    """``operations.<id>.strict_query``, else the spec's extension, else the api's setting."""
    configured = setup.operation_config.strict_query if setup.operation_config else None
    if configured is not None:
        return configured
    operation = setup.operation
    if EXTENSION in operation.spec:
        value = operation.spec[EXTENSION]
        if not isinstance(value, bool):
            raise SpecError(
                f"{EXTENSION} must be true or false, not {value!r}",
                file=operation.file, pointer=f"{operation.pointer}/{EXTENSION}",
            )
        return value
    return setup.api.strict_query


def _api_key_names(schemes: Any) -> list[str]:
    return [
        str(scheme["name"]) for scheme in schemes.values()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "query" and "name" in scheme
    ]
