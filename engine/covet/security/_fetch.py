"""Fetching JSON from an identity provider (discovery, JWKS, introspection), off the event loop.

These calls are rare (startup, an unknown ``kid`` at most once a minute, an introspection cache
miss), so the standard library's client in a worker thread is enough; every call has a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from covet.errors import ProviderError

__all__ = ["fetch_json"]

_MAX_BYTES = 1024 * 1024


async def fetch_json(
    url: str,
    *,
    timeout: float,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    what: str = "identity provider",
) -> Any:
    """GET ``url`` (or POST ``form`` to it) and parse the JSON answer.

    Raises:
        ProviderError: unreachable, slow, not 2xx, or not JSON (a 503 at the edge; the message
            names ``what``, never the credentials sent).
    """
    return await asyncio.to_thread(_fetch, url, timeout, form, headers or {}, what)


def _fetch(
    url: str, timeout: float, form: Mapping[str, str] | None, headers: Mapping[str, str], what: str
) -> Any:
    # NOTE: imported here: most apps never fetch, and urllib.request is slow to import
    import urllib.error
    import urllib.request
    from urllib.parse import urlencode

    data = None if form is None else urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read(_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ProviderError(f"the {what} answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise ProviderError(f"the {what} is unreachable ({type(exc).__name__})") from None
    if len(body) > _MAX_BYTES:
        raise ProviderError(f"the {what} sent more than 1 MiB")
    try:
        return json.loads(body)
    except ValueError:
        raise ProviderError(f"the {what} did not answer JSON") from None
