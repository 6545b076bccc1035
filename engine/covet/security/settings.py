"""The ``auth:`` section of covet.yaml: how each security scheme of the spec verifies credentials.

Keyed by the scheme's name in ``components.securitySchemes``; which keys apply depends on the
scheme's type in the spec (checked when the operations are compiled, see
:func:`covet.security.schemes.build_authenticator`)::

    auth:
      bearerAuth:                      # type: http, scheme: bearer (a JWT)
        secret: ${file:/run/secrets/jwt}   # HMAC key, 32 bytes at least; or public_key / jwks_url
        algorithms: [HS256]
        issuer: https://api.example.com
        audience: blog
        leeway: 30s
        user_loader: handlers.auth:load_user
      basicAuth:                       # type: http, scheme: basic
        users: handlers.auth:find_user     # async (username) -> record with password_hash, or None
      apiKeyAuth:                      # type: apiKey (header, query or cookie)
        verify: handlers.auth:check_key    # async (key) -> record, or None
        # or keys in a table of SHA-256 hashes: table: api_keys, database: default
      oauth:                           # type: oauth2; JWT access tokens as above, or opaque ones:
        introspection_url: https://idp.example.com/introspect
        client_id: resource-server
        client_secret: ${IDP_SECRET}
      oidc:                            # type: openIdConnect; discovery from the spec's
        audience: blog                 # openIdConnectUrl unless discovery_url is set
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator

from covet._settings import Settings

__all__ = ["ALLOWED_ALGORITHMS", "SchemeSettings"]

ALLOWED_ALGORITHMS = frozenset(
    {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
     "ES256", "ES384", "ES512", "EdDSA"}
)
"""Every algorithm a JWT scheme may list; ``none`` is not among them, ever."""


def _seconds(value: Any) -> Any:
    from covet.config import parse_duration  # NOTE: covet.config imports this module

    return parse_duration(value) if isinstance(value, (int, float, str)) else value


class SchemeSettings(Settings):
    """How one security scheme verifies (``auth.<scheme name>``)."""

    # -- JWTs: http bearer, oauth2 with JWT access tokens, openIdConnect ----------------------
    secret: SecretStr | None = None
    """HMAC key of HS256/384/512 tokens; at least 32 bytes (RFC 7518 §3.2)."""
    public_key: SecretStr | None = None
    """PEM public key of RS*/PS*/ES*/EdDSA tokens (``${file:/path/key.pem}``)."""
    jwks_url: str | None = None
    """A JWKS to take keys from by ``kid`` (fetched at startup, refreshed on an unknown kid)."""
    tokens: bool = False
    """Verify with the ``tokens:`` section (the app's own token manager): its key, issuer,
    audience and revocation store."""
    algorithms: list[str] | None = None
    """The allowlist; required unless ``tokens`` or OIDC discovery supplies it."""
    issuer: str | None = None
    audience: str | list[str] | None = None
    leeway: float = Field(default=0.0, ge=0)
    """Seconds of clock skew allowed on ``exp``/``nbf``/``iat``."""
    required_claims: list[str] = Field(default_factory=lambda: ["exp"])
    scopes_claim: str | None = None
    """Claim holding the token's scopes; default ``scope`` (space-separated) then ``scp``."""
    # -- openIdConnect ---------------------------------------------------------------------
    discovery_url: str | None = None
    """Overrides the spec's ``openIdConnectUrl``."""
    # -- oauth2 opaque tokens (RFC 7662) -----------------------------------------------------
    introspection_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    cache_ttl: float = Field(default=300.0, ge=0)
    """Seconds an introspection answer is reused at most (never past the token's ``exp``)."""
    # -- http basic ------------------------------------------------------------------------
    users: str | None = None
    """``module:function``: async (username) -> record (mapping or object with
    ``password_hash``, optional ``subject``/``id`` and ``scopes``/``roles``), or None."""
    # -- apiKey ----------------------------------------------------------------------------
    verify: str | None = None
    """``module:function``: async (key) -> record (``subject``, optional ``scopes``), or None."""
    table: str | None = None
    """A database table of hashed keys: columns ``key_hash`` (hex SHA-256), ``subject``,
    ``scopes`` (space-separated, may be null)."""
    database: str = "default"
    # -- every scheme ----------------------------------------------------------------------
    user_loader: str | None = None
    """``module:function``: async (principal, [provider values by name]) -> the ``user`` a
    handler may take, or None (then the request is a 401)."""
    realm: str | None = None
    """The ``realm`` of this scheme's ``WWW-Authenticate`` challenge."""
    timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for a JWKS, discovery document or introspection answer."""

    @field_validator("leeway", "cache_ttl", "timeout", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        return _seconds(value)

    @field_validator("algorithms")
    @classmethod
    def _allowlist(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("algorithms must list at least one algorithm (e.g. [HS256])")
        refused = [a for a in value if a not in ALLOWED_ALGORITHMS]
        if refused:
            raise ValueError(
                f"algorithm(s) {', '.join(map(repr, refused))} refused; allowed: "
                f"{', '.join(sorted(ALLOWED_ALGORITHMS))} ('none' never is)"
            )
        return value

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError(
                "the HMAC secret is shorter than 32 bytes; RFC 7518 §3.2 requires a key at "
                "least as long as the hash (e.g. `openssl rand -base64 48`)"
            )
        return value
