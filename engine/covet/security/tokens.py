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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from covet._settings import Settings
from covet.errors import CovetError

if TYPE_CHECKING:
    from covet.security._manager import TokenManager

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


def __getattr__(name: str) -> Any:
    # NOTE: the manager (and PyJWT with it) loads on first use: covet.config imports this
    # module for TokenSettings, and an app without tokens should not pay for PyJWT.
    if name == "TokenManager":
        from covet.security._manager import TokenManager

        return TokenManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

