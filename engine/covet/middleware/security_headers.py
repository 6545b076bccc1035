"""Security headers on every response (``security_headers:`` in covet.yaml).

    security_headers:
      content_type_options: true          # X-Content-Type-Options: nosniff (default on)
      frame_options: DENY                 # X-Frame-Options (default DENY; SAMEORIGIN; null: off)
      referrer_policy: no-referrer        # Referrer-Policy (default no-referrer; null: off)
      content_security_policy: "default-src 'none'; frame-ancestors 'none'"   # default off
      hsts: {max_age: 31536000, include_subdomains: true, preload: false}      # default off

On by default (``enabled: false`` turns the layer off): the headers are encoded once at startup
and appended on ``http.response.start``; a header the handler already set is left as it is (the
docs pages set their own Content-Security-Policy). HSTS is off by default: it only means
something over HTTPS and, once a browser has seen it, cannot be taken back before ``max_age``.
See docs/cors-and-headers.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from covet._settings import Settings
from covet.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HstsSettings", "SecurityHeadersMiddleware", "SecurityHeadersSettings"]

_REFERRER_POLICIES = frozenset({
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
    "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
})
_PRELOAD_MIN_AGE = 31536000
"""hstspreload.org accepts a domain whose max-age is at least a year."""


class HstsSettings(Settings):
    """``Strict-Transport-Security``: browsers use only HTTPS for ``max_age`` seconds."""

    max_age: int = Field(default=_PRELOAD_MIN_AGE, ge=0)
    include_subdomains: bool = False
    preload: bool = False

    @model_validator(mode="after")
    def _preload_rules(self) -> HstsSettings:
        if self.preload and (not self.include_subdomains or self.max_age < _PRELOAD_MIN_AGE):
            raise ValueError(
                "hsts.preload needs include_subdomains: true and max_age of at least "
                f"{_PRELOAD_MIN_AGE} (one year), as the browsers' preload list requires"
            )
        return self

    def value(self) -> str:
        parts = [f"max-age={self.max_age}"]
        if self.include_subdomains:
            parts.append("includeSubDomains")
        if self.preload:
            parts.append("preload")
        return "; ".join(parts)


class SecurityHeadersSettings(Settings):
    """Headers added to every response that does not set them itself.

    Attributes:
        enabled: ``false`` removes the layer (and every header below).
        content_type_options: ``X-Content-Type-Options: nosniff``.
        frame_options: ``X-Frame-Options``, ``DENY`` or ``SAMEORIGIN``; ``null``: not sent.
        referrer_policy: ``Referrer-Policy``; ``null``: not sent.
        content_security_policy: ``Content-Security-Policy`` for API responses; the docs
            pages send their own, made for them.
        hsts: ``Strict-Transport-Security``; ``true`` for one year, or its settings.
    """

    enabled: bool = True
    content_type_options: bool = True
    frame_options: Literal["DENY", "SAMEORIGIN"] | None = "DENY"
    referrer_policy: str | None = "no-referrer"
    content_security_policy: str | None = None
    hsts: HstsSettings | None = None

    @field_validator("frame_options", mode="before")
    @classmethod
    def _frame_case(cls, value: Any) -> Any:
        if value is False:
            return None
        return value.upper() if isinstance(value, str) else value

    @field_validator("referrer_policy")
    @classmethod
    def _referrer(cls, value: str | None) -> str | None:
        if value is None:
            return None
        policies = [part.strip().lower() for part in value.split(",")]
        unknown = [part for part in policies if part not in _REFERRER_POLICIES]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not a Referrer-Policy; "
                f"write one of {', '.join(sorted(_REFERRER_POLICIES))}"
            )
        return ", ".join(policies)

    @field_validator("content_security_policy")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = " ".join(value.split())
        if not text.isascii():
            raise ValueError("content_security_policy must be ASCII (a header value)")
        return text or None

    @field_validator("hsts", mode="before")
    @classmethod
    def _hsts_switch(cls, value: Any) -> Any:
        if value is True:
            return {}
        return None if value is False else value

    def encoded(self) -> tuple[tuple[bytes, bytes], ...]:
        """The headers to send, encoded once; empty when nothing is on."""
        if not self.enabled:
            return ()
        headers: list[tuple[str, str]] = []
        if self.content_type_options:
            headers.append(("x-content-type-options", "nosniff"))
        if self.frame_options is not None:
            headers.append(("x-frame-options", self.frame_options))
        if self.referrer_policy is not None:
            headers.append(("referrer-policy", self.referrer_policy))
        if self.content_security_policy is not None:
            headers.append(("content-security-policy", self.content_security_policy))
        if self.hsts is not None:
            headers.append(("strict-transport-security", self.hsts.value()))
        return tuple((name.encode(), value.encode("latin-1")) for name, value in headers)


class SecurityHeadersMiddleware:
    """Append pre-encoded headers to ``http.response.start``, unless the response has them.

    Args:
        headers: ``(name, value)`` pairs, names lower-case (:meth:`SecurityHeadersSettings.encoded`).

    Built by the app from covet.yaml (not a ``middleware:`` entry).
    """

    __slots__ = ("app", "headers", "names")

    def __init__(self, app: ASGIApp, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.app = app
        self.headers = headers
        self.names = frozenset(name for name, _ in headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self.headers
        names = self.names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # NOTE: ASGI response header names are lower-case, so a set lookup finds what
                # the handler set; its own value wins. PERF: a plain loop, no set built, for
                # the usual response that sets none of them (bench/inprocess.py: ~1 µs a
                # request for the whole layer, the half of it the bare send wrapper).
                headers = message.get("headers", ())
                for name, _ in headers:
                    if name in names:
                        present = {name for name, _ in headers}
                        message["headers"] = [*headers, *(h for h in ours if h[0] not in present)]
                        break
                else:
                    message["headers"] = [*headers, *ours]
            await send(message)

        await self.app(scope, receive, send_with_headers)
