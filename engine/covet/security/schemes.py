"""One authenticator per Security Scheme type, built at startup from the spec and ``auth:``.

    http bearer      Authorization: Bearer <JWT>       JWTVerifier (secret, PEM, JWKS, tokens:)
    http basic       Authorization: Basic <b64>        ``users`` loader + bcrypt (PasswordHasher)
    apiKey           header, query or cookie           ``verify`` function, or a table of hashes
    oauth2           Authorization: Bearer <token>     a JWT as above, or RFC 7662 introspection
    openIdConnect    Authorization: Bearer <JWT>       discovery -> issuer + jwks_uri

``authenticate(request)`` answers ``None`` when the request presents no credential for the
scheme, a :class:`Principal` when it presents a valid one, and raises :class:`Rejected` when it
presents one that does not verify (always a 401, even where authentication is optional).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import inspect
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from covet.errors import ConfigError, ProviderError, SpecError, UnsupportedSpecError
from covet.providers.base import Provider
from covet.request import Request
from covet.security._fetch import fetch_json
from covet.security._jwt import JWKSource, JWTVerifier
from covet.security.passwords import PasswordHasher
from covet.security.principal import Principal, Rejected
from covet.security.settings import SchemeSettings

__all__ = ["Authenticator", "build_authenticator", "scopes_of"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$")
_OIDC_ALGORITHMS = ("RS256", "ES256", "EdDSA")
_MAX_CACHE = 10_000


class Authenticator(Protocol):
    name: str
    bearer: bool
    """Its challenges are RFC 6750 ``Bearer`` ones (``error="insufficient_scope"`` on a 403)."""

    async def authenticate(self, request: Request) -> Principal | None: ...

    def challenge(self, error: str | None = None, description: str | None = None,
                  scope: str | None = None) -> str: ...

    async def open(self) -> None: ...


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _challenge(kind: str, realm: str, **params: str | None) -> str:
    parts = [f"realm={_quote(realm)}"]
    parts += [f"{key}={_quote(value)}" for key, value in params.items() if value is not None]
    return f"{kind} " + ", ".join(parts)


def scopes_of(claims: Mapping[str, Any], claim: str | None = None) -> frozenset[str]:
    """Scopes of a token: ``scope`` (space-separated, RFC 8693/9068) or ``scp`` (a list or a string)."""
    for name in (claim,) if claim else ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return frozenset(value.split())
        if isinstance(value, list):
            return frozenset(str(v) for v in value)
    return frozenset()


def _field(record: Any, *names: str) -> Any:
    for name in names:
        value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
        if value is not None:
            return value
    return None


def _record_scopes(record: Any) -> frozenset[str]:
    value = _field(record, "scopes", "roles")
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v) for v in value)
    return frozenset()


def _authorization(request: Request, kind: str) -> str | None:
    """The credentials of an ``Authorization: <kind> ...`` header (kind case-insensitive)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    given, _, credentials = header.strip().partition(" ")
    if given.lower() != kind:
        return None
    return credentials.strip()


class BearerAuthenticator:
    """A bearer token in the Authorization header (never the query string), checked by ``check``."""

    bearer = True

    def __init__(
        self,
        name: str,
        realm: str,
        check: Callable[[str], Awaitable[Principal]],
        opener: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self.realm = realm
        self._check = check
        self._opener = opener

    async def open(self) -> None:
        if self._opener is not None:
            await self._opener()

    async def authenticate(self, request: Request) -> Principal | None:
        token = _authorization(request, "bearer")
        if token is None:
            return None
        if not token:
            raise Rejected("The Authorization header has no token")
        return await self._check(token)

    def challenge(self, error: str | None = None, description: str | None = None,
                  scope: str | None = None) -> str:
        return _challenge("Bearer", self.realm, error=error, error_description=description, scope=scope)


class BasicAuthenticator:
    """``Authorization: Basic``: a user loader, then bcrypt (the same work for an unknown user)."""

    bearer = False

    def __init__(self, name: str, realm: str, users: Callable[[str], Awaitable[Any]],
                 hasher: PasswordHasher) -> None:
        self.name = name
        self.realm = realm
        self._users = users
        self._hasher = hasher

    async def open(self) -> None:
        return None

    async def authenticate(self, request: Request) -> Principal | None:
        encoded = _authorization(request, "basic")
        if encoded is None:
            return None
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Rejected("The Basic credentials are not base64 of UTF-8 'user:password'") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise Rejected("The Basic credentials are not 'user:password'")
        record = await self._users(username)
        stored = _field(record, "password_hash") if record is not None else None
        if not await self._hasher.verify(password, stored if isinstance(stored, str) else None):
            raise Rejected("Wrong username or password")
        subject = _field(record, "subject", "id", "username") or username
        return Principal(self.name, str(subject), _record_scopes(record), {}, None, record)

    def challenge(self, error: str | None = None, description: str | None = None,
                  scope: str | None = None) -> str:
        return _challenge("Basic", self.realm, charset="UTF-8")


class ApiKeyAuthenticator:
    """An API key in a header, the query or a cookie, as the scheme declares."""

    bearer = False

    def __init__(self, name: str, realm: str, location: str, key_name: str,
                 lookup: Callable[[str], Awaitable[Any]]) -> None:
        self.name = name
        self.realm = realm
        self.location = location
        self.key_name = key_name
        self._lookup = lookup
        self._header = key_name.lower()

    async def open(self) -> None:
        return None

    async def authenticate(self, request: Request) -> Principal | None:
        if self.location == "header":
            key = request.headers.get(self._header)
        elif self.location == "query":
            values = request.query.get(self.key_name)
            key = values[0] if values else None
        else:
            key = request.cookies.get(self.key_name)
        if key is None:
            return None
        if not key:
            raise Rejected("The API key is empty", error="invalid_key")
        record = await self._lookup(key)
        if record is None:
            raise Rejected("The API key is not valid", error="invalid_key")
        subject = _field(record, "subject", "id", "owner")
        return Principal(self.name, None if subject is None else str(subject),
                         _record_scopes(record), {}, key, record)

    def challenge(self, error: str | None = None, description: str | None = None,
                  scope: str | None = None) -> str:
        return _challenge("ApiKey", self.realm, **{"in": self.location, "name": self.key_name})


def hash_api_key(key: str) -> str:
    """The stored form of an API key: hex SHA-256 (keys are random, so no salt or bcrypt needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Introspector:
    """RFC 7662 token introspection, with answers cached by token (hashed) until they expire."""

    def __init__(self, name: str, settings: SchemeSettings) -> None:
        assert settings.introspection_url is not None
        self.name = name
        self.url = settings.introspection_url
        self.timeout = settings.timeout
        self.ttl = settings.cache_ttl
        self.scopes_claim = settings.scopes_claim
        self._headers: dict[str, str] = {}
        if settings.client_id is not None:
            secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
            basic = base64.b64encode(f"{settings.client_id}:{secret}".encode()).decode()
            self._headers["authorization"] = f"Basic {basic}"
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def __call__(self, token: str) -> Principal:
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = await fetch_json(
            self.url, timeout=self.timeout, form={"token": token, "token_type_hint": "access_token"},
            headers=self._headers, what=f"introspection endpoint of {self.name}",
        )
        if not isinstance(answer, Mapping) or answer.get("active") is not True:
            self._cache.pop(key, None)
            raise Rejected("The token is not active")
        expires = answer.get("exp")
        if isinstance(expires, (int, float)) and expires <= now:
            raise Rejected("The token has expired")
        until = now + self.ttl
        if isinstance(expires, (int, float)):
            until = min(until, float(expires))
        subject = answer.get("sub")
        principal = Principal(self.name, None if subject is None else str(subject),
                              scopes_of(answer, self.scopes_claim), dict(answer), token)
        if len(self._cache) >= _MAX_CACHE:
            self._prune(now)
        self._cache[key] = (until, principal)
        return principal

    def _prune(self, now: float) -> None:
        for key in [k for k, (until, _) in self._cache.items() if until <= now]:
            del self._cache[key]
        while len(self._cache) >= _MAX_CACHE:
            del self._cache[next(iter(self._cache))]


class Discovery:
    """An OpenID Provider's discovery document, fetched once (at startup, or on first use)."""

    def __init__(self, url: str, timeout: float, name: str) -> None:
        self.url = url
        self.timeout = timeout
        self.name = name
        self.document: Mapping[str, Any] | None = None

    async def load(self) -> Mapping[str, Any]:
        if self.document is None:
            document = await fetch_json(self.url, timeout=self.timeout, what=f"discovery document of {self.name}")
            if not isinstance(document, Mapping) or not isinstance(document.get("jwks_uri"), str) \
                    or not isinstance(document.get("issuer"), str):
                raise ProviderError(f"the discovery document of {self.name} has no issuer or jwks_uri")
            self.document = document
        return self.document

    def issuer(self) -> str | None:
        return None if self.document is None else str(self.document["issuer"])

    async def jwks_uri(self) -> str:
        return str((await self.load())["jwks_uri"])


def _jwt_check(name: str, verifier: JWTVerifier, scopes_claim: str | None,
               revoked: Callable[[Mapping[str, Any]], Awaitable[bool]] | None = None
               ) -> Callable[[str], Awaitable[Principal]]:
    async def check(token: str) -> Principal:
        claims = await verifier.verify(token)
        if revoked is not None and await revoked(claims):
            raise Rejected("The token has been revoked")
        subject = claims.get("sub")
        return Principal(name, None if subject is None else str(subject),
                         scopes_of(claims, scopes_claim), claims, token)

    return check


def _verifier(name: str, settings: SchemeSettings, where: tuple[str, str]) -> JWTVerifier:
    """A JWT verifier from the scheme's own keys (``secret``, ``public_key`` or ``jwks_url``)."""
    sources = [k for k in ("secret", "public_key", "jwks_url") if getattr(settings, k) is not None]
    if not sources:
        raise ConfigError(
            f"auth.{name} verifies JWTs: set one of secret, public_key, jwks_url (or tokens: true)",
            file=where[0], pointer=f"/auth/{name}",
        )
    if len(sources) > 1:
        raise ConfigError(f"auth.{name}: set only one of {', '.join(sources)}", pointer=f"/auth/{name}")
    if settings.algorithms is None:
        raise ConfigError(
            f"auth.{name}: list the accepted algorithms (e.g. algorithms: [HS256]); there is no default",
            pointer=f"/auth/{name}/algorithms",
        )
    hmac_only = all(a.startswith("HS") for a in settings.algorithms)
    if settings.secret is not None and not hmac_only:
        raise ConfigError(f"auth.{name}: an HMAC secret verifies only HS256/HS384/HS512",
                          pointer=f"/auth/{name}/algorithms")
    if settings.secret is None and any(a.startswith("HS") for a in settings.algorithms):
        raise ConfigError(f"auth.{name}: HS* algorithms need a secret, not a public key",
                          pointer=f"/auth/{name}/algorithms")
    if settings.secret is not None:
        needed = max(int(a[2:]) // 8 for a in settings.algorithms)
        if len(settings.secret.get_secret_value().encode()) < needed:
            raise ConfigError(
                f"auth.{name}: the secret is shorter than {needed} bytes, the output size of "
                f"{max(settings.algorithms)} (RFC 7518 §3.2)", pointer=f"/auth/{name}/secret",
            )
    jwks = JWKSource(settings.jwks_url, timeout=settings.timeout, name=name) if settings.jwks_url else None
    try:
        return JWTVerifier(
            algorithms=settings.algorithms,
            secret=settings.secret.get_secret_value().encode() if settings.secret else None,
            public_key=settings.public_key.get_secret_value() if settings.public_key else None,
            jwks=jwks, issuer=settings.issuer, audience=settings.audience,
            leeway=settings.leeway, required=settings.required_claims,
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"auth.{name}: the public key cannot be read ({type(exc).__name__})",
                          pointer=f"/auth/{name}/public_key") from None


def _callable(ref: str, what: str, pointer: str) -> Callable[..., Awaitable[Any]]:
    from covet.binding import import_object

    try:
        function = import_object(ref)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{what} {ref!r} cannot be imported: {exc}", pointer=pointer) from exc
    if not inspect.iscoroutinefunction(function):
        raise ConfigError(f"{what} {ref!r} must be an async function", pointer=pointer)
    return function  # type: ignore[no-any-return]


def _table_lookup(name: str, settings: SchemeSettings, providers: Mapping[str, Provider]
                  ) -> Callable[[str], Awaitable[Any]]:
    table = settings.table or ""
    if not _IDENTIFIER.match(table):
        raise ConfigError(f"auth.{name}.table {table!r} is not a table name", pointer=f"/auth/{name}/table")
    parameter = "db" if settings.database == "default" else settings.database
    provider = providers.get(parameter)
    if provider is None:
        raise ConfigError(
            f"auth.{name}.table needs the database {settings.database!r} (providers.database)",
            pointer=f"/auth/{name}/database",
        )
    from sqlalchemy import text

    query = text(f"SELECT subject, scopes FROM {table} WHERE key_hash = :key_hash")

    async def lookup(key: str) -> Any:
        scope = provider.begin(parameter, None)  # type: ignore[arg-type]
        session = await scope.enter()
        ok = False
        try:
            row = (await session.execute(query, {"key_hash": hash_api_key(key)})).first()
            ok = True
        finally:
            await scope.exit(ok)
        return None if row is None else {"subject": row[0], "scopes": row[1] or ""}

    return lookup


def build_authenticator(
    name: str,
    scheme: Mapping[str, Any],
    settings: SchemeSettings | None,
    *,
    providers: Mapping[str, Provider],
    hasher: PasswordHasher,
    tokens: Any = None,
    where: tuple[str, str] = ("", ""),
) -> Authenticator:
    """The authenticator of scheme ``name`` (its spec object and its ``auth.<name>`` settings).

    Args:
        tokens: the app's token manager, for ``tokens: true`` (verify and check revocation).

    Raises:
        ConfigError: the scheme is used but not configured, or configured incompletely.
        UnsupportedSpecError: a scheme type or variant CovetPy cannot enforce (named).
    """
    kind = str(scheme.get("type", ""))
    if settings is None:
        raise ConfigError(
            f"security scheme {name!r} ({kind}) is required by an operation but covet.yaml has no "
            f"auth.{name} entry saying how to verify it; CovetPy never leaves it open",
            pointer=f"/auth/{name}",
        )
    realm = settings.realm or name
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).lower()
        if http_scheme == "bearer":
            return BearerAuthenticator(name, realm, *_jwt_parts(name, settings, tokens, where))
        if http_scheme == "basic":
            if settings.users is None:
                raise ConfigError(f"auth.{name} (http basic) needs users: module:function",
                                  pointer=f"/auth/{name}/users")
            users = _callable(settings.users, f"auth.{name}.users", f"/auth/{name}/users")
            return BasicAuthenticator(name, realm, users, hasher)
        raise UnsupportedSpecError(
            f"security scheme {name!r}: http scheme {http_scheme!r} cannot be enforced (CovetPy "
            "verifies bearer and basic)", file=where[0], pointer=f"/components/securitySchemes/{name}",
        )
    if kind == "apiKey":
        location, key_name = scheme.get("in"), scheme.get("name")
        if location not in ("header", "query", "cookie") or not isinstance(key_name, str):
            raise SpecError(f"security scheme {name!r}: apiKey needs 'in' (header, query, cookie) and 'name'",
                            file=where[0], pointer=f"/components/securitySchemes/{name}")
        if (settings.verify is None) == (settings.table is None):
            raise ConfigError(f"auth.{name} (apiKey) needs exactly one of verify: module:function, table:",
                              pointer=f"/auth/{name}")
        lookup = (
            _callable(settings.verify, f"auth.{name}.verify", f"/auth/{name}/verify")
            if settings.verify is not None else _table_lookup(name, settings, providers)
        )
        return ApiKeyAuthenticator(name, realm, str(location), key_name, lookup)
    if kind == "oauth2":
        if settings.introspection_url is not None:
            return BearerAuthenticator(name, realm, Introspector(name, settings))
        return BearerAuthenticator(name, realm, *_jwt_parts(name, settings, tokens, where))
    if kind == "openIdConnect":
        url = settings.discovery_url or scheme.get("openIdConnectUrl")
        if not isinstance(url, str):
            raise SpecError(f"security scheme {name!r}: openIdConnect needs openIdConnectUrl",
                            file=where[0], pointer=f"/components/securitySchemes/{name}")
        discovery = Discovery(url, settings.timeout, name)
        jwks = JWKSource(discovery.jwks_uri, timeout=settings.timeout, name=name)
        verifier = JWTVerifier(
            algorithms=settings.algorithms or _OIDC_ALGORITHMS, jwks=jwks,
            issuer=settings.issuer or discovery.issuer, audience=settings.audience,
            leeway=settings.leeway, required=settings.required_claims,
        )

        async def open_oidc() -> None:
            await discovery.load()
            await verifier.open()

        async def check(token: str) -> Principal:
            await discovery.load()
            return await _jwt_check(name, verifier, settings.scopes_claim)(token)

        return BearerAuthenticator(name, realm, check, open_oidc)
    raise UnsupportedSpecError(
        f"security scheme {name!r} has type {kind!r}, which CovetPy cannot enforce "
        "(mutualTLS and others are refused rather than left open)",
        file=where[0], pointer=f"/components/securitySchemes/{name}",
    )


def _jwt_parts(name: str, settings: SchemeSettings, tokens: Any, where: tuple[str, str]
               ) -> tuple[Callable[[str], Awaitable[Principal]], Callable[[], Awaitable[None]] | None]:
    if settings.tokens:
        if tokens is None:
            raise ConfigError(f"auth.{name}.tokens is true but the tokens: section has no key",
                              pointer=f"/auth/{name}/tokens")
        return tokens.bearer_check(name, settings.scopes_claim), None
    verifier = _verifier(name, settings, where)
    return _jwt_check(name, verifier, settings.scopes_claim), verifier.open
