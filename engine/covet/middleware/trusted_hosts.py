"""Serve only the hosts named in covet.yaml (``trusted_hosts:``); any other ``Host`` is a 400.

    trusted_hosts: ["api.example.com", "*.example.com", "localhost", "127.0.0.1", "[::1]"]

The check runs before anything else (a request for a host the app does not serve never reaches
CORS, the user's middleware or a handler), so URLs built from ``Host`` and DNS-rebinding pages
cannot reach the app. The port is ignored; ``*.example.com`` matches any subdomain at any depth,
not ``example.com`` itself and not ``evil-example.com``. Unset (the default) turns the check off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from covet._problem import ProblemRenderer
from covet._trace import trace_id_of
from covet.asgi import send_response
from covet.errors import BadRequestError, ConfigError
from covet.types import ASGIApp, Receive, Scope, Send

__all__ = ["TrustedHostsMiddleware", "compile_trusted_hosts"]

_NAME = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]")


def compile_trusted_hosts(hosts: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """``(exact names, wildcard suffixes)`` for ``hosts``; ``None`` when ``"*"`` allows any.

    Raises:
        ConfigError: an entry is not a host name, an IP address or ``*.`` + a name.
    """
    exact: set[str] = set()
    suffixes: list[str] = []
    for index, entry in enumerate(hosts):
        host = entry.strip().lower().rstrip(".")
        if host == "*":
            return None
        if host.count(":") > 1 and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address, written as a Host header carries it
        wildcard = host.startswith("*.")
        name = host[2:] if wildcard else host
        if not (_NAME.fullmatch(name) or (not wildcard and _IPV6.fullmatch(name))):
            raise ConfigError(
                f"trusted_hosts entry {entry!r} is not a host; write a name or an address "
                "without scheme, port or path (api.example.com, 127.0.0.1, [::1]), "
                "'*.example.com' for its subdomains, or '*' for any",
                pointer=f"/trusted_hosts/{index}",
            )
        if wildcard:
            suffixes.append("." + name)
        else:
            exact.add(host)
    return frozenset(exact), tuple(dict.fromkeys(suffixes))


class TrustedHostsMiddleware:
    """Answer 400 problem+json to a request whose host is not trusted.

    Args:
        exact: host names and addresses, lower-case, without port.
        suffixes: ``.example.com`` for each ``*.example.com``.
        problems: renders the 400.

    The host is the ``Host`` header without its port (two ``Host`` headers, or none, are a
    400 too); a server that passes an absolute-form target (``GET http://h/ HTTP/1.1``) in
    ``raw_path`` has that authority checked instead, as RFC 9112 §3.2.2 says it wins.
    Built by the app from covet.yaml (not a ``middleware:`` entry).
    """

    __slots__ = ("app", "exact", "problems", "suffixes")

    def __init__(
        self,
        app: ASGIApp,
        exact: frozenset[str],
        suffixes: tuple[str, ...],
        problems: ProblemRenderer,
    ) -> None:
        self.app = app
        self.exact = exact
        self.suffixes = suffixes
        self.problems = problems

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _host_of(scope)
        if host is not None:
            name = _without_port(host.lower())
            if name in self.exact or (self.suffixes and name.endswith(self.suffixes)):
                await self.app(scope, receive, send)
                return
        await self._refuse(scope, receive, send, host)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, host: str | None) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting is an HTTP 403
            await send({"type": "websocket.close", "code": 1008})
            return
        detail = {
            "field": "Host", "location": "header", "pointer": "", "code": "trustedHost",
            "message": "Send the request to one of the host names this server answers to",
        }
        if host is None:
            error = BadRequestError("The request needs exactly one Host header", details=[detail])
        else:
            error = BadRequestError(
                "The Host header names a host this server does not serve",
                details=[{**detail, "value": host}],
            )
        await send_response(self.problems.render(error, trace_id_of(scope)), scope, send)


def _host_of(scope: Scope) -> str | None:
    raw: bytes | None = scope.get("raw_path")
    if raw and raw[:1] != b"/" and b"://" in raw[:16]:
        authority = raw.split(b"://", 1)[1].split(b"/", 1)[0].split(b"?", 1)[0]
        return authority.rsplit(b"@", 1)[-1].decode("latin-1")
    found: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"host":
            if found is not None:
                return None
            found = value
    return found.decode("latin-1") if found is not None else None


def _without_port(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.split(":", 1)[0].rstrip(".")
