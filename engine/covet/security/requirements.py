"""OpenAPI's requirement semantics, evaluated against the credentials one request presents.

A requirement is a list of alternatives (OR); each alternative names schemes that must all pass
(AND), with the scopes each needs; an empty alternative (``{}``) makes authentication optional.
Every scheme the requirement names is tried at most once per request. Credentials presented for
any of them that do not verify are a 401 even when another alternative (or ``{}``) would pass:
a caller is never silently downgraded to anonymous.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from covet.errors import ForbiddenError, UnauthorizedError
from covet.request import Request
from covet.security.principal import Principal, Rejected

if TYPE_CHECKING:
    from covet.security.schemes import Authenticator

__all__ = ["Requirement", "evaluate"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One alternative: every (authenticator, needed scopes) of it must pass."""

    schemes: tuple[tuple[Authenticator, frozenset[str]], ...]


async def evaluate(
    request: Request,
    alternatives: Sequence[Requirement],
    authenticators: Sequence[Authenticator],
) -> Principal | None:
    """The principal of the first alternative the request satisfies (``None``: anonymous, allowed).

    Raises:
        UnauthorizedError: no alternative is met and some lack credentials, or credentials were
            rejected; one challenge per scheme the operation accepts.
        ForbiddenError: credentials verified but lack a scope every such alternative needs.
    """
    found: dict[str, Principal | None] = {}
    for authenticator in authenticators:
        try:
            found[authenticator.name] = await authenticator.authenticate(request)
        except Rejected as exc:
            raise _unauthorized(authenticators, exc.reason, failed=authenticator, error=exc.error) from None
    missing_scopes: list[tuple[Authenticator, frozenset[str]]] = []
    optional = False
    for alternative in alternatives:
        if not alternative.schemes:
            optional = True  # NOTE: tried last, so presented credentials are still used
            continue
        principals: dict[str, Principal] = {}
        short: list[tuple[Authenticator, frozenset[str]]] = []
        for authenticator, needed in alternative.schemes:
            principal = found.get(authenticator.name)
            if principal is None:
                break
            principals[authenticator.name] = principal
            lacking = needed - principal.scopes
            if lacking:
                short.append((authenticator, lacking))
        else:
            if not short:
                return _combined(principals, alternative)
            missing_scopes.extend(short)
    if optional:
        return None
    if missing_scopes:
        raise _forbidden(missing_scopes)
    raise _unauthorized(authenticators, "Authentication is required")


def _combined(principals: Mapping[str, Principal], alternative: Requirement) -> Principal:
    first = principals[alternative.schemes[0][0].name]
    if len(principals) > 1:
        first.also = dict(principals)
    return first


def _unauthorized(
    authenticators: Sequence[Authenticator],
    reason: str,
    *,
    failed: Authenticator | None = None,
    error: str = "invalid_token",
) -> UnauthorizedError:
    challenges = []
    for authenticator in authenticators:
        if authenticator is failed and authenticator.bearer:
            challenges.append(authenticator.challenge(error, reason))
        else:
            challenges.append(authenticator.challenge())
    return UnauthorizedError(reason, challenges=challenges)


def _forbidden(short: Sequence[tuple[Authenticator, frozenset[str]]]) -> ForbiddenError:
    needed = sorted({scope for _, lacking in short for scope in lacking})
    challenges = [
        authenticator.challenge("insufficient_scope", None, " ".join(sorted(lacking)))
        for authenticator, lacking in short
        if authenticator.bearer
    ]
    return ForbiddenError(
        f"The credentials lack the scope(s) this operation needs: {', '.join(needed)}",
        challenges=challenges,
        details=[{"field": "", "location": "header", "pointer": "", "code": "insufficientScope",
                  "message": f"Needs {' '.join(needed)}"}],
    )
