"""Who is calling: what an authenticator learned from the credentials of one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Principal", "Rejected"]


@dataclass(slots=True)
class Principal:
    """The caller as one scheme authenticated it (``ctx.auth``; ``request.context.auth``).

    Handlers of a secured operation may take ``claims``, ``token`` and ``scopes`` (and ``user``,
    from a configured ``user_loader``) by name.
    """

    scheme: str
    """The scheme's name in the spec (``bearerAuth``)."""
    subject: str | None
    """``sub`` of a token, the user of basic auth, the owner of an API key."""
    scopes: frozenset[str] = frozenset()
    """OAuth scopes of the token, or the roles of a basic/apiKey record."""
    claims: Mapping[str, Any] = field(default_factory=dict)
    """A JWT's verified claims, an introspection answer; ``{}`` for basic and apiKey."""
    token: str | None = field(default=None, repr=False)
    """The credential as presented (a bearer token, an API key); never logged."""
    record: Any = field(default=None, repr=False)
    """What a ``users``/``verify`` function returned for basic and apiKey schemes."""
    also: Mapping[str, Principal] = field(default_factory=dict)
    """With an AND requirement, every scheme's principal by scheme name (this one included)."""
    user: Any = field(default=None, repr=False)
    """What the scheme's ``user_loader`` returned, when the handler takes ``user``."""


class Rejected(Exception):
    """Credentials of a scheme were presented and do not verify: always a 401.

    Args:
        reason: for the client (``"The token has expired"``); never the credential itself.
        error: the RFC 6750 error code of bearer challenges (``invalid_token``).
    """

    def __init__(self, reason: str, error: str = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
