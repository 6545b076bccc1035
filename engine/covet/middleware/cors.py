"""CORS for one api (``apis[].cors`` in covet.yaml), answered before routing.

    apis:
      - spec: openapi.yaml
        prefix: /v1
        cors:
          allow_origins: ["https://app.example.com", "https://*.example.com"]
          allow_methods: [GET, POST, DELETE]
          allow_headers: [authorization, x-tenant]
          allow_credentials: true
          expose_headers: [x-request-id]
          max_age: 600

A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered here:
204 with the CORS headers, or 403 problem+json without them, before routing, authentication or
rate limits ever see it. Every other response of the api, errors included, gets
``Access-Control-Allow-Origin`` (and the rest) on ``http.response.start`` when the origin is
allowed, and ``Vary: Origin`` whenever the answer depends on the origin. See
docs/cors-and-headers.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator, model_validator

from covet._problem import ProblemRenderer
from covet._settings import Settings
from covet._trace import trace_id_of
from covet.asgi import send_response
from covet.errors import ForbiddenError
from covet.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CorsMiddleware", "CorsPolicy", "CorsSettings"]

_DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
"""Request headers a browser may send cross-origin without asking (Fetch's CORS-safelisted)."""
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.*-]+)(?::(?P<port>\d{1,5}))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"


class CorsSettings(Settings):
    """Which cross-origin browser requests one api answers.

    Attributes:
        allow_origins: exact origins (``https://app.example.com``, scheme and host and an
            optional port, no path), patterns with one leading ``*`` label
            (``https://*.example.com`` matches any subdomain, at any depth, never the apex
            or ``https://evil-example.com``), or ``"*"`` for any origin.
        allow_methods: methods a preflight may ask for; ``"*"`` allows any.
        allow_headers: request headers a preflight may ask for, beyond the CORS-safelisted
            ones (``accept``, ``accept-language``, ``content-language``, ``content-type``);
            ``"*"`` allows any.
        allow_credentials: let the browser send cookies and ``Authorization``; refused
            together with ``allow_origins: ["*"]``.
        expose_headers: response headers the page's script may read.
        max_age: seconds a browser may cache a preflight answer.

    Methods are upper-cased and header names lower-cased at load; origins are lower-cased.
    """

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = _DEFAULT_METHODS
    allow_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    expose_headers: tuple[str, ...] = ()
    max_age: int = Field(default=600, ge=0)

    @field_validator("allow_origins", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("allow_origins")
    @classmethod
    def _origin_shapes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_normalise_origin(origin) for origin in value))

    @field_validator("allow_methods", mode="before")
    @classmethod
    def _methods(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, list | tuple):
            return value
        return tuple(dict.fromkeys(_token(str(method), "method").upper() for method in value))

    @field_validator("allow_headers", "expose_headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, list | tuple):
            return value
        return tuple(dict.fromkeys(_token(str(name), "header name").lower() for name in value))

    @model_validator(mode="after")
    def _no_credentials_for_anyone(self) -> CorsSettings:
        if self.allow_credentials and "*" in self.allow_origins:
            raise ValueError(
                'allow_origins "*" with allow_credentials: true would let any site act with '
                "the user's cookies; list the origins (or patterns such as "
                "https://*.example.com), or turn allow_credentials off"
            )
        return self


def _token(value: str, what: str) -> str:
    value = value.strip()
    if value != "*" and not _TOKEN.fullmatch(value):
        raise ValueError(f"{value!r} is not a {what}; write e.g. GET or x-tenant, or '*'")
    return value


def _normalise_origin(origin: str) -> str:
    text = origin.strip().lower().rstrip("/")
    if text in ("*", "null"):
        return text
    match = _ORIGIN.fullmatch(text)
    host = match.group("host") if match else ""
    wildcard = "*" in host
    if (
        match is None
        or (wildcard and (not host.startswith("*.") or "*" in host[1:] or host.count(".") < 2))
        or (match.group("port") is not None and int(match.group("port")) > 65535)
    ):
        raise ValueError(
            f"{origin!r} is not an origin; write scheme://host[:port] with no path "
            "(https://app.example.com), a pattern with one leading '*' label "
            "(https://*.example.com), or '*'"
        )
    if match.group("port") == _DEFAULT_PORTS.get(match.group("scheme")):
        return text.rsplit(":", 1)[0]  # as a browser writes it: https://a.example, not :443
    return text


def _pattern(origins: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for every ``*`` origin: a leading ``*`` is one or more DNS labels."""
    parts = []
    for origin in origins:
        if "*" not in origin or origin == "*":
            continue
        scheme, rest = origin.split("://*", 1)
        parts.append(f"{re.escape(scheme)}://{_LABEL}(?:\\.{_LABEL})*{re.escape(rest)}")
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """One api's CORS settings compiled for the request path: sets, one regex, encoded headers."""

    any_origin: bool
    origins: frozenset[str]
    pattern: re.Pattern[str] | None
    any_method: bool
    methods: frozenset[str]
    any_header: bool
    headers: frozenset[str]
    credentials: bool
    vary: bool
    """The answer depends on ``Origin``: anything but ``"*"`` (which never has credentials)."""
    preflight_headers: tuple[tuple[bytes, bytes], ...]
    """Constant headers of a successful preflight (not the origin, nor what is echoed)."""
    response_headers: tuple[tuple[bytes, bytes], ...]
    """Constant headers added to an allowed origin's response (not the origin itself)."""

    @classmethod
    def compile(cls, settings: CorsSettings) -> CorsPolicy:
        any_origin = "*" in settings.allow_origins
        credentials = settings.allow_credentials
        common: list[tuple[bytes, bytes]] = []
        if credentials:
            common.append((b"access-control-allow-credentials", b"true"))
        preflight = list(common)
        if "*" not in settings.allow_methods:
            preflight.append(
                (b"access-control-allow-methods", ", ".join(settings.allow_methods).encode())
            )
        if "*" not in settings.allow_headers:
            allowed = sorted(_SAFELISTED_HEADERS | set(settings.allow_headers))
            preflight.append((b"access-control-allow-headers", ", ".join(allowed).encode()))
        preflight.append((b"access-control-max-age", str(settings.max_age).encode()))
        response = list(common)
        if settings.expose_headers:
            response.append(
                (b"access-control-expose-headers", ", ".join(settings.expose_headers).encode())
            )
        return cls(
            any_origin=any_origin,
            origins=frozenset(o for o in settings.allow_origins if "*" not in o),
            pattern=_pattern(settings.allow_origins),
            any_method="*" in settings.allow_methods,
            methods=frozenset(settings.allow_methods),
            any_header="*" in settings.allow_headers,
            headers=_SAFELISTED_HEADERS | frozenset(settings.allow_headers),
            credentials=credentials,
            vary=not any_origin,
            preflight_headers=tuple(preflight),
            response_headers=tuple(response),
        )

    def allows(self, origin: str) -> bool:
        if self.any_origin or origin in self.origins:
            return True
        return self.pattern is not None and self.pattern.fullmatch(origin) is not None

    def allow_origin_value(self, origin: bytes) -> bytes:
        """What ``Access-Control-Allow-Origin`` says: ``*``, or the origin when it matters."""
        return origin if self.vary else b"*"


_VARY = (b"vary", b"Origin")


class CorsMiddleware:
    """Answer preflights and add CORS headers for the apis that configure ``cors``.

    Args:
        policies: ``(prefix, policy or None)`` for every mounted api; the longest prefix that
            matches a path decides, so an api without ``cors`` under another's prefix gets none.
        problems: renders a refused preflight.

    Built by the app from covet.yaml (not a ``middleware:`` entry); absent when no api sets
    ``cors``.
    """

    __slots__ = ("app", "policies", "problems")

    def __init__(
        self,
        app: ASGIApp,
        policies: Sequence[tuple[str, CorsPolicy | None]],
        problems: ProblemRenderer,
    ) -> None:
        self.app = app
        self.policies = tuple(sorted(policies, key=lambda item: len(item[0]), reverse=True))
        self.problems = problems

    def policy_for(self, path: str) -> CorsPolicy | None:
        for prefix, policy in self.policies:
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                return policy
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = self.policy_for(scope["path"]) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        origin = b""
        request_method = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                request_method = value
        if origin and request_method is not None and scope["method"] == "OPTIONS":
            await self._preflight(policy, origin, request_method, scope, send)
            return
        await self.app(scope, receive, self._sender(policy, origin, send))

    def _sender(self, policy: CorsPolicy, origin: bytes, send: Send) -> Send:
        added: list[tuple[bytes, bytes]] = [_VARY] if policy.vary else []
        if policy.any_origin and not policy.vary:
            added += [(b"access-control-allow-origin", b"*"), *policy.response_headers]
        elif origin and policy.allows(origin.decode("latin-1")):
            added += [(b"access-control-allow-origin", origin), *policy.response_headers]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name == b"access-control-allow-origin" for name, _ in headers):
                    headers += added
                elif policy.vary:  # the handler answered CORS itself; the cache still must know
                    headers.append(_VARY)
                message["headers"] = headers
            await send(message)

        return send_with_cors

    async def _preflight(
        self, policy: CorsPolicy, origin: bytes, method: bytes, scope: Scope, send: Send
    ) -> None:
        problems = []
        if not policy.allows(origin.decode("latin-1")):
            problems.append(_detail("Origin", f"{origin.decode('latin-1')} may not call this API"))
        if not policy.any_method and method.decode("latin-1") not in policy.methods:
            problems.append(
                _detail("Access-Control-Request-Method", f"{method.decode('latin-1')} is not allowed")
            )
        requested = _requested_headers(scope)
        if not policy.any_header:
            names = (name.strip().lower() for name in requested.split(","))
            refused = [name for name in names if name and name not in policy.headers]
            if refused:
                problems.append(
                    _detail("Access-Control-Request-Headers", f"{', '.join(refused)} not allowed")
                )
        if problems:
            error = ForbiddenError("The cross-origin request is not allowed", details=problems)
            response = self.problems.render(error, trace_id_of(scope))
            if policy.vary:
                response.raw_headers.append(_VARY)
            await send_response(response, scope, send)
            return
        headers = [
            (b"access-control-allow-origin", policy.allow_origin_value(origin)),
            *policy.preflight_headers,
        ]
        if policy.any_method:
            headers.append((b"access-control-allow-methods", method))
        if policy.any_header and requested:
            headers.append((b"access-control-allow-headers", requested.encode("latin-1")))
        if policy.vary:
            headers.append(_VARY)
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _requested_headers(scope: Scope) -> str:
    values = [v for k, v in scope["headers"] if k == b"access-control-request-headers"]
    return b",".join(values).decode("latin-1")


def _detail(header: str, message: str) -> dict[str, Any]:
    return {"field": header, "location": "header", "pointer": "", "code": "cors", "message": message}
