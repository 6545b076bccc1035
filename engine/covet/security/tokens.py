"""Issuing, refreshing and revoking JWTs (``tokens:`` in covet.yaml; docs/tokens-and-passwords.md).

    tokens:
      secret: ${file:/run/secrets/jwt}    # HMAC key, 32 bytes at least (HS256); or, for
      # private_key: ${file:/run/secrets/jwt.pem}   RS256 / ES256 / EdDSA, a PEM private key
      algorithm: HS256                   # HS256 HS384 HS512 RS256 ES256 EdDSA; never none
      issuer: https://api.example.com
      audience: blog
      access_ttl: 15m
      refresh_ttl: 14d
      kid: 2026-05                       # put in each token's header
      store: redis://127.0.0.1:6379/0    # memory:// (default), redis://..., database[:<name>]
      leeway: 30s

An access token carries ``sub iat nbf exp jti iss aud scope fam`` and ``token_use: access``; a
refresh token the same with ``token_use: refresh``. ``fam`` names the login both belong to:
every refresh token rotated from one login shares it. Refreshing spends the refresh token
(its ``jti`` is marked used in the store, atomically); presenting a spent one again means it
was copied, so the whole family is revoked and :class:`ReusedTokenError` raised (RFC 9700
§4.14.2, refresh token rotation).

Every failure is a :class:`TokenError`, never an HTTP error; the security step maps it to 401.
A token store that cannot answer raises :class:`~covet.errors.ProviderError` (503) instead.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jwt
from pydantic import Field, SecretStr, field_validator, model_validator

from covet._settings import Settings
from covet.errors import ConfigError, CovetError, UsageError

if TYPE_CHECKING:
    from covet.providers.tokens import TokenStore

__all__ = [
    "ExpiredTokenError",
    "InvalidTokenError",
    "ReusedTokenError",
    "RevokedTokenError",
    "TokenError",
    "TokenManager",
    "TokenPair",
    "TokenSettings",
]

logger = logging.getLogger("covet.security.tokens")

Algorithm = Literal["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"]
_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}  # RFC 7518 §3.2: key >= hash output
_RESERVED = frozenset(
    {"sub", "iat", "nbf", "exp", "jti", "iss", "aud", "scope", "fam", "token_use"}
)
_DAY = 86400.0


# -- errors -------------------------------------------------------------------------------------


class TokenError(CovetError):
    """A token cannot be accepted. The message says why, never what the token was."""


class InvalidTokenError(TokenError):
    """Malformed, badly signed, of a refused algorithm, or for another issuer, audience or use."""


class ExpiredTokenError(InvalidTokenError):
    """Past its ``exp`` (plus the leeway)."""


class RevokedTokenError(TokenError):
    """Revoked: logged out, or of a refresh-token family that was revoked."""


class ReusedTokenError(RevokedTokenError):
    """A refresh token presented a second time; its whole family is now revoked."""


# -- settings -----------------------------------------------------------------------------------


class TokenSettings(Settings):
    """The ``tokens:`` section of covet.yaml: how the app's own login issues JWTs.

    Leaving the section out leaves token issuing off; writing it requires a key.
    """

    secret: SecretStr | None = None
    """HMAC key for HS256/384/512: at least 32/48/64 bytes (``openssl rand -base64 48``)."""
    private_key: SecretStr | None = None
    """PEM private key for RS256, ES256 (P-256) or EdDSA (Ed25519)."""
    public_key: str | None = None
    """PEM public key; derived from ``private_key`` when left out."""
    algorithm: Algorithm = "HS256"
    issuer: str | None = None
    audience: str | list[str] | None = None
    """Put in ``aud``; a decoded token must name it (one of them, when a list)."""
    access_ttl: float = Field(default=15 * 60.0, gt=0)
    refresh_ttl: float = Field(default=14 * _DAY, gt=0)
    kid: str | None = None
    store: str = "memory://"
    leeway: float = Field(default=0.0, ge=0)
    """Seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""

    @field_validator("algorithm", mode="before")
    @classmethod
    def _no_none(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "none":
            raise ValueError(
                "algorithm 'none' is refused: an unsigned token can be forged by anyone; "
                "use HS256 with a secret, or RS256/ES256/EdDSA with a private_key"
            )
        return value

    @field_validator("access_ttl", "refresh_ttl", "leeway", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return _seconds(value)

    @model_validator(mode="after")
    def _keys(self) -> TokenSettings:
        hmac_bytes = _HMAC_BYTES.get(self.algorithm)
        if hmac_bytes is not None:
            if self.private_key is not None or self.public_key is not None:
                raise ValueError(
                    f"tokens.algorithm {self.algorithm} signs with tokens.secret; private_key "
                    "and public_key are for RS256, ES256 or EdDSA"
                )
            if self.secret is not None:
                _check_secret(self.secret, self.algorithm, hmac_bytes)
        elif self.secret is not None:
            raise ValueError(
                f"tokens.algorithm {self.algorithm} signs with tokens.private_key (PEM); a "
                "secret is only for HS256/HS384/HS512"
            )
        if self.model_fields_set and not self.configured:
            raise ValueError(_missing_key(self.algorithm))
        return self

    @property
    def configured(self) -> bool:
        """Whether a signing key is set (the app then offers the ``tokens`` provider)."""
        return self.secret is not None or self.private_key is not None


def _seconds(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower().endswith("d"):
        number = value.strip()[:-1]
        try:
            return float(number) * _DAY
        except ValueError:
            raise ValueError(f"{value!r} is not a duration; write e.g. 15m, 1h, 14d") from None
    from covet.config import parse_duration  # NOTE: covet.config imports this module

    return parse_duration(value) if isinstance(value, (int, float, str)) else value


def _check_secret(secret: SecretStr, algorithm: str, minimum: int) -> None:
    length = len(secret.get_secret_value().encode("utf-8"))
    if length < minimum:
        raise ValueError(
            f"tokens.secret is {length} bytes; {algorithm} needs at least {minimum} "
            f"(RFC 7518 §3.2); generate one with: openssl rand -base64 {minimum + minimum // 2}"
        )


def _missing_key(algorithm: str) -> str:
    if algorithm in _HMAC_BYTES:
        return (f"tokens needs a secret for {algorithm}: set tokens.secret "
                "(e.g. ${file:/run/secrets/jwt} or ${JWT_SECRET})")
    return (f"tokens needs a private_key for {algorithm}: set tokens.private_key to PEM text "
            "(e.g. ${file:/run/secrets/jwt.pem})")


# -- the manager --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a login or a refresh returns; :meth:`to_dict` is the OAuth 2 token response."""

    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds the access token is valid for."""
    refresh_expires_in: int
    token_type: str = "Bearer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }

    def __repr__(self) -> str:  # NOTE: tokens are credentials; keep them out of logs
        return f"TokenPair(token_type={self.token_type!r}, expires_in={self.expires_in})"


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
