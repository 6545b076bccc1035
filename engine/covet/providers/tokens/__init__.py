"""Token stores: what the token manager remembers about JWTs it issued (docs/tokens-and-passwords.md).

A JWT is valid by its signature alone; what a store adds is the little state that revocation
needs, each entry kept only as long as the token it is about could still be presented:

    class TokenStore(Protocol):
        async add(jti, expires_at)                     # revoke one token (logout)
        async contains(jti) -> bool                    # is it revoked? one lookup
        async mark_used(jti, family, expires_at) -> bool   # a refresh token spent; False if it
                                                           # already was (atomic: one winner)
        async revoke_family(family, expires_at)        # every refresh token of a login
        async family_revoked(family) -> bool
        async open() / close() / health()

``expires_at`` is a Unix time (seconds); the entry may be forgotten after it.

The ``tokens.store`` URL picks the implementation (:data:`TOKEN_STORES`): ``memory://`` (the
default; one process only), ``redis://host:port/db`` (shared by every worker and machine) or
``database`` / ``database:<name>`` (a table in a database of ``providers.database``).

:mod:`covet.providers.tokens.provider` holds the ``tokens`` and ``passwords`` providers that
inject the TokenManager and the PasswordHasher into handlers (:func:`token_providers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from covet.errors import ConfigError
from covet.providers.base import HealthReport

if TYPE_CHECKING:
    from covet.providers.database import DatabaseManager

__all__ = ["TOKEN_STORES", "TokenStore", "store_from_url"]


@runtime_checkable
class TokenStore(Protocol):
    """Revoked tokens, spent refresh tokens and revoked refresh-token families, with expiry."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def health(self) -> HealthReport: ...

    async def add(self, jti: str, expires_at: float) -> None:
        """Remember ``jti`` as revoked until ``expires_at``."""

    async def contains(self, jti: str) -> bool:
        """Whether ``jti`` is revoked (and not yet expired)."""

    async def mark_used(self, jti: str, family: str, expires_at: float) -> bool:
        """Record refresh token ``jti`` of ``family`` as spent; ``False`` if it already was.

        Atomic: of two concurrent calls for one ``jti``, exactly one gets ``True``.
        """

    async def revoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every refresh token of ``family`` until ``expires_at``."""

    async def family_revoked(self, family: str) -> bool:
        """Whether ``family`` is revoked (and not yet expired)."""


TOKEN_STORES: Mapping[str, str] = {
    "memory": "covet.providers.tokens.memory:MemoryTokenStore",
    "redis": "covet.providers.tokens.redis:RedisTokenStore",
    "rediss": "covet.providers.tokens.redis:RedisTokenStore",
    "database": "covet.providers.tokens.database:DatabaseTokenStore",
}
"""URL scheme -> ``"module:class"`` of the store that serves it (imported only when chosen)."""


def store_from_url(
    url: str, *, databases: DatabaseManager | None = None, pointer: str = "/tokens/store"
) -> TokenStore:
    """The store ``url`` names, not yet opened.

    Args:
        url: ``memory://``, ``redis://host:port/db`` or ``database`` / ``database:<name>``.
        databases: the app's databases, for a ``database`` store.
        pointer: where ``url`` is in covet.yaml, for the error.

    Raises:
        ConfigError: an unknown scheme, or a ``database`` store without that database.
    """
    scheme = url.split(":", 1)[0].lower()
    target = TOKEN_STORES.get(scheme)
    if target is None:
        raise ConfigError(
            f"tokens.store {_redacted(url)!r} is not a token store URL; use one of "
            "memory://, redis://host:6379/0, database, database:<name>",
            pointer=pointer,
        )
    factory = _import(target)
    if scheme == "memory":
        return factory()  # type: ignore[no-any-return]
    if scheme.startswith("redis"):
        return factory(url)  # type: ignore[no-any-return]
    name = url.partition(":")[2] or "default"
    if databases is None or name not in databases.configs:
        known = ", ".join(databases.configs) if databases else "none"
        raise ConfigError(
            f"tokens.store {url!r} names database {name!r}, which providers.database does not "
            f"declare (declared: {known})",
            pointer=pointer,
        )
    return factory(databases, name)  # type: ignore[no-any-return]


def _import(target: str) -> Any:
    from importlib import import_module

    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def _redacted(url: str) -> str:
    """``url`` without a password (``redis://:secret@host`` -> ``redis://:***@host``)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
