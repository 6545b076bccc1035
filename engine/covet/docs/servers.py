"""The ``servers`` of a bundled document: where this app serves the api, first.

CovetPy mounts a spec's paths under the api's ``prefix`` whatever its own ``servers`` say, so:

- relative server URLs (``/``, ``/openapi``, ``v1``) describe where *this* app serves the api:
  they collapse into one entry, ``{"url": prefix or "/"}``, which keeps the first one's
  ``description`` (its ``variables`` are dropped: the mount URL has no templates);
- absolute server URLs (``https://api.example.com``, ``//host``, ``{scheme}://...``) describe
  other deployments of the same api: they are kept, in order, after the mount entry.

    >>> servers = [{"url": "/", "description": "Local"}, {"url": "https://api.example.com"}]
    >>> mount_servers(servers, "/v1")
    [{'url': '/v1', 'description': 'Local'}, {'url': 'https://api.example.com'}]
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["is_absolute_url", "mount_servers"]

_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//|\{)")


def is_absolute_url(url: str) -> bool:
    """True for a URL with a scheme or host (``https://x``, ``//x``, ``{scheme}://x``)."""
    return bool(_ABSOLUTE.match(url))


def mount_servers(servers: Any, prefix: str) -> list[dict[str, Any]]:
    """The document's ``servers`` for an api mounted at ``prefix`` (``""`` is the root).

    Args:
        servers: the document's own ``servers`` value (``None`` when absent).
        prefix: the mount prefix, ``""`` or ``/v1``.

    Returns:
        A new list: the mount entry first, then the absolute servers, copied.
    """
    mount: dict[str, Any] = {"url": prefix or "/"}
    others: list[dict[str, Any]] = []
    relative_seen = False
    for server in servers if isinstance(servers, list) else ():
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        if is_absolute_url(server["url"]):
            others.append(_copy(server))
        elif not relative_seen:
            relative_seen = True
            if isinstance(server.get("description"), str):
                mount["description"] = server["description"]
    return [mount, *others]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
