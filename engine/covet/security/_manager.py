"""The :class:`TokenManager` of ``covet.security.tokens`` (kept apart so PyJWT loads only when
an app issues or verifies its own tokens)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import jwt

from covet.errors import ConfigError, UsageError
from covet.security.tokens import (
    _RESERVED,
    ExpiredTokenError,
    InvalidTokenError,
    ReusedTokenError,
    RevokedTokenError,
    TokenPair,
    TokenSettings,
    _missing_key,
)

if TYPE_CHECKING:
    from covet.providers.tokens import TokenStore

__all__ = ["TokenManager"]

logger = logging.getLogger("covet.security.tokens")


class TokenManager:
    """Issue, decode, refresh (with rotation and reuse detection) and revoke JWTs.

    Args:
        settings: the ``tokens:`` section; it must hold a key.
        store: where revocations live; by default the one ``settings.store`` names (a
            ``database`` store needs the app's databases: see
            :func:`covet.providers.tokens.provider.token_providers`).

    Raises:
        ConfigError: no key, or a key that does not suit the algorithm.

    Example:
        >>> tokens = TokenManager(TokenSettings(secret=secret, issuer="https://api.example.com"))
        >>> await tokens.open()
        >>> pair = tokens.issue(str(user.id), scopes=["posts:write"])
        >>> claims = await tokens.verify(pair.access_token)        # decode + revocation check
        >>> pair = await tokens.refresh(pair.refresh_token)        # the old one is now spent
        >>> await tokens.revoke(pair.access_token)                 # logout: the whole login
    """

    def __init__(self, settings: TokenSettings, store: TokenStore | None = None) -> None:
        if not settings.configured:
            raise ConfigError(_missing_key(settings.algorithm), pointer="/tokens")
        self.settings = settings
        self._signing, self._verifying = _keys(settings)
        if store is None:
            from covet.providers.tokens import store_from_url

            store = store_from_url(settings.store)
        self.store: TokenStore = store
        self._aud = settings.audience
        self._algorithms = [settings.algorithm]
        self._headers = {"kid": settings.kid} if settings.kid else None

    async def open(self) -> None:
        await self.store.open()

    async def close(self) -> None:
        await self.store.close()

    # -- issuing ------------------------------------------------------------------------------

    def issue(
        self,
        subject: str,
        scopes: Iterable[str] = (),
        extra_claims: Mapping[str, Any] | None = None,
    ) -> TokenPair:
        """A new access token and refresh token for ``subject``, starting a new family.

        Args:
            subject: the ``sub`` claim (a user id, as a string).
            scopes: granted scopes; the ``scope`` claim, space-separated.
            extra_claims: more claims for both tokens (``{"role": "admin"}``); they may not
                replace the registered ones.

        Raises:
            UsageError: ``extra_claims`` names a claim the manager sets itself.
        """
        extra = dict(extra_claims or {})
        clash = _RESERVED.intersection(extra)
        if clash:
            raise UsageError(
                f"extra_claims may not set {', '.join(sorted(clash))}: the token manager sets "
                "them; pass the subject and scopes as arguments"
            )
        return self._pair(str(subject), " ".join(scopes), extra, _new_id())

    def _pair(self, subject: str, scope: str, extra: dict[str, Any], family: str) -> TokenPair:
        now = int(time.time())
        settings = self.settings
        access_ttl, refresh_ttl = int(settings.access_ttl), int(settings.refresh_ttl)
        base = {**extra, "sub": subject, "iat": now, "nbf": now, "fam": family}
        if settings.issuer is not None:
            base["iss"] = settings.issuer
        if self._aud is not None:
            base["aud"] = self._aud
        if scope:
            base["scope"] = scope
        access = {**base, "exp": now + access_ttl, "jti": _new_id(), "token_use": "access"}
        refresh = {**base, "exp": now + refresh_ttl, "jti": _new_id(), "token_use": "refresh"}
        return TokenPair(
            access_token=self._encode(access, "at+jwt"),
            refresh_token=self._encode(refresh, "rt+jwt"),
            expires_in=access_ttl,
            refresh_expires_in=refresh_ttl,
        )

    def _encode(self, claims: dict[str, Any], typ: str) -> str:
        headers = {"typ": typ, **(self._headers or {})}
        return jwt.encode(claims, self._signing, algorithm=self.settings.algorithm, headers=headers)

    # -- reading ------------------------------------------------------------------------------

    def decode(
        self, token: str, expected_use: Literal["access", "refresh"] = "access"
    ) -> dict[str, Any]:
        """The claims of ``token`` once its signature, algorithm, issuer, audience, times and
        use are checked; no store lookup (see :meth:`verify`).

        Raises:
            ExpiredTokenError: past ``exp`` plus the leeway.
            InvalidTokenError: anything else wrong with it.
        """
        return self._decode(token, expected_use, verify_exp=True)

    async def verify(
        self, token: str, expected_use: Literal["access", "refresh"] = "access"
    ) -> dict[str, Any]:
        """:meth:`decode`, then one store lookup: is its ``jti`` revoked?

        Raises:
            RevokedTokenError: it was revoked (logout).
            ExpiredTokenError, InvalidTokenError: as :meth:`decode`.
            ProviderError: the token store cannot answer.
        """
        claims = self.decode(token, expected_use)
        if await self.is_revoked(claims["jti"]):
            raise RevokedTokenError("the token has been revoked")
        return claims

    async def is_revoked(self, jti: str) -> bool:
        """Whether the token ``jti`` was revoked (one store lookup)."""
        return await self.store.contains(jti)

    def _decode(self, token: str, expected_use: str, *, verify_exp: bool) -> dict[str, Any]:
        settings = self.settings
        try:
            header = jwt.get_unverified_header(token)
            if settings.kid is not None and header.get("kid", settings.kid) != settings.kid:
                raise InvalidTokenError("the token names a key id this server does not use")
            claims: dict[str, Any] = jwt.decode(
                token,
                self._verifying,
                algorithms=self._algorithms,
                audience=self._aud,
                issuer=settings.issuer,
                leeway=settings.leeway,
                options={
                    "require": ["exp", "iat", "nbf", "jti", "sub", "fam", "token_use"],
                    "verify_exp": verify_exp,
                },
            )
        except jwt.ExpiredSignatureError:
            raise ExpiredTokenError("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidTokenError("the token is not valid yet (nbf or iat in the future)") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"the token is not valid: {_reason(exc)}") from None
        if claims["token_use"] != expected_use:
            use = claims["token_use"]
            raise InvalidTokenError(f"this token is for {use}, not {expected_use}")
        return claims

    # -- refreshing and revoking --------------------------------------------------------------

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for the refresh token's subject, scopes and family; the old one is spent.

        Raises:
            ReusedTokenError: it was spent already (a copy is in use): the family is revoked,
                including the newest refresh token rotated from it.
            RevokedTokenError: it, or its family, was revoked.
            ExpiredTokenError, InvalidTokenError: as :meth:`decode`.
            ProviderError: the token store cannot answer.
        """
        claims = self.decode(refresh_token, "refresh")
        jti, family = claims["jti"], claims["fam"]
        store = self.store
        if await store.family_revoked(family) or await store.contains(jti):
            raise RevokedTokenError("the refresh token has been revoked")
        if not await store.mark_used(jti, family, claims["exp"] + self.settings.leeway):
            await store.revoke_family(family, self._family_expiry())
            # NOTE: the subject and family only; never the token
            logger.warning(
                "refresh token reused for subject %r: family %s revoked", claims["sub"], family
            )
            raise ReusedTokenError(
                "the refresh token was already used; every token of this login is revoked"
            )
        extra = {name: value for name, value in claims.items() if name not in _RESERVED}
        return self._pair(claims["sub"], claims.get("scope", ""), extra, family)

    async def revoke(self, token: str) -> None:
        """Log out: revoke ``token`` (access or refresh) and the refresh family of its login.

        An expired token is accepted (there is nothing left to revoke but its family); a token
        this manager did not sign is not.

        Raises:
            InvalidTokenError: not a token of this manager.
            ProviderError: the token store cannot answer.
        """
        try:
            claims = self._decode(token, "access", verify_exp=False)
        except InvalidTokenError:
            claims = self._decode(token, "refresh", verify_exp=False)
        await self.revoke_jti(claims["jti"], claims["exp"])
        await self.store.revoke_family(claims["fam"], self._family_expiry())

    async def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Revoke the token ``jti`` until ``expires_at`` (its ``exp``; the leeway is added)."""
        await self.store.add(jti, expires_at + self.settings.leeway)

    def _family_expiry(self) -> float:
        # NOTE: no refresh token of the family issued up to now outlives this
        return time.time() + self.settings.refresh_ttl + self.settings.leeway


def _new_id() -> str:
    return secrets.token_urlsafe(16)


def _reason(exc: jwt.InvalidTokenError) -> str:
    """PyJWT's reason, which names a claim or a check, never a value of the token."""
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "its algorithm is not allowed"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "the signature does not verify"
    if isinstance(exc, jwt.DecodeError):
        return "it is not a well-formed JWT"
    return str(exc).rstrip(".").lower() or type(exc).__name__


def _keys(settings: TokenSettings) -> tuple[Any, Any]:
    """The signing and verifying keys, checked against the algorithm."""
    if settings.secret is not None:
        secret = settings.secret.get_secret_value().encode("utf-8")
        return secret, secret
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    expected: dict[str, tuple[type[Any], ...]] = {
        "RS256": (rsa.RSAPrivateKey,),
        "ES256": (ec.EllipticCurvePrivateKey,),
        "EdDSA": (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey),
    }
    if settings.private_key is None:  # not configured: TokenManager refused it already
        raise ConfigError(_missing_key(settings.algorithm), pointer="/tokens")
    try:
        private = serialization.load_pem_private_key(
            settings.private_key.get_secret_value().encode("utf-8"), password=None
        )
        public: Any = (
            serialization.load_pem_public_key(settings.public_key.encode("utf-8"))
            if settings.public_key
            else private.public_key()
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"tokens.private_key/public_key is not a usable unencrypted PEM key: {type(exc).__name__}",
            pointer="/tokens/private_key",
        ) from None
    algorithm = settings.algorithm
    if not isinstance(private, expected[algorithm]):
        raise ConfigError(
            f"tokens.private_key is a {type(private).__name__.lstrip('_')}, which cannot sign "
            f"{algorithm}",
            pointer="/tokens/private_key",
        )
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name != "secp256r1":
        raise ConfigError("ES256 needs a P-256 (secp256r1) key", pointer="/tokens/private_key")
    try:
        jwt.decode(jwt.encode({"probe": 1}, private, algorithm=algorithm), public, [algorithm])
    except (jwt.PyJWTError, TypeError, ValueError):
        raise ConfigError(
            "tokens.public_key is not the public half of tokens.private_key; leave it out to "
            "derive it", pointer="/tokens/public_key",
        ) from None
    return private, public
