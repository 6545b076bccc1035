"""``tokens: true`` on a bearer scheme: verify with the app's own :class:`TokenManager` (its key,
issuer, audience), then one revocation lookup in its token store (logout works at once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from covet.errors import ConfigError
from covet.providers.base import Provider
from covet.security.principal import Principal, Rejected
from covet.security.schemes import scopes_of
from covet.security.tokens import ExpiredTokenError, RevokedTokenError, TokenError

__all__ = ["TokenCheck", "token_manager_for"]


def token_manager_for(config: Any, providers: Mapping[str, Provider]) -> TokenCheck:
    """The check of ``tokens: true``, on the ``tokens`` provider's manager.

    Raises:
        ConfigError: ``tokens:`` in covet.yaml holds no key, so there is no manager.
    """
    provider = providers.get("tokens")
    manager = getattr(provider, "manager", None)
    if manager is None:
        raise ConfigError(
            "auth.<scheme>.tokens: true verifies with the tokens: section, which has no key; "
            "set tokens.secret (or tokens.private_key)", pointer="/tokens",
        )
    return TokenCheck(manager)


class TokenCheck:
    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def bearer_check(self, name: str, scopes_claim: str | None) -> Callable[[str], Awaitable[Principal]]:
        manager = self.manager

        async def check(token: str) -> Principal:
            try:
                claims = await manager.verify(token, "access")
            except ExpiredTokenError:
                raise Rejected("The token has expired") from None
            except RevokedTokenError:
                raise Rejected("The token has been revoked") from None
            except TokenError:
                raise Rejected("The token is not valid here") from None
            return Principal(name, str(claims["sub"]), scopes_of(claims, scopes_claim), claims, token)

        return check
