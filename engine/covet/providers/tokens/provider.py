"""The ``tokens`` and ``passwords`` providers: the app's TokenManager and PasswordHasher,
injected into handlers by parameter name::

    async def login(body: Login, db: AsyncSession, tokens: TokenManager,
                    passwords: PasswordHasher) -> dict: ...

:func:`token_providers` builds both from covet.yaml's ``tokens:`` and ``passwords:`` sections;
``tokens`` only when a key is configured (a handler asking for it otherwise is a startup
binding error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from covet.providers.base import ConstantScope, HealthReport, Provider
from covet.providers.tokens import store_from_url
from covet.request import Request
from covet.security.passwords import PasswordHasher, PasswordSettings
from covet.security.tokens import TokenManager, TokenSettings

if TYPE_CHECKING:
    from covet.providers.database import DatabaseManager

__all__ = ["PasswordProvider", "TokenProvider", "token_providers"]



class TokenProvider:
    """Injects the :class:`TokenManager` as ``tokens``; opens and closes its store.

    Example:
        >>> provider = TokenProvider(TokenManager(TokenSettings(secret=secret)))
        >>> await provider.open()
        >>> tokens = await provider.begin("tokens", request).enter()
    """

    names: Sequence[str] = ("tokens",)

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager
        self._scope = ConstantScope(manager)  # PERF: one shared scope, no allocation per request

    async def open(self) -> None:
        await self.manager.open()

    async def close(self) -> None:
        await self.manager.close()

    def begin(self, name: str, request: Request | None = None) -> ConstantScope:
        return self._scope

    async def health(self) -> list[HealthReport]:
        return [await self.manager.store.health()]


class PasswordProvider:
    """Injects the :class:`PasswordHasher` as ``passwords``; no backend to open or check."""

    names: Sequence[str] = ("passwords",)

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._scope = ConstantScope(hasher)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def begin(self, name: str, request: Request | None = None) -> ConstantScope:
        return self._scope

    async def health(self) -> list[HealthReport]:
        return []


def token_providers(
    tokens: TokenSettings,
    passwords: PasswordSettings,
    databases: DatabaseManager | None = None,
) -> list[Provider]:
    """The ``passwords`` provider, and the ``tokens`` one when ``tokens:`` holds a key.

    Args:
        tokens: ``CovetConfig.tokens``.
        passwords: ``CovetConfig.passwords``.
        databases: the database provider's manager, for ``tokens.store: database[:<name>]``;
            put these providers after the database provider, so it is open first.

    Raises:
        ConfigError: a key or store URL that cannot be used.
    """
    providers: list[Provider] = [PasswordProvider(PasswordHasher(passwords))]
    if tokens.configured:
        store = store_from_url(tokens.store, databases=databases)
        providers.append(TokenProvider(TokenManager(tokens, store)))
    return providers
