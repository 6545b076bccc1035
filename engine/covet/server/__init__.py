"""How ``covet run`` serves HTTP: uvicorn's httptools protocol with CovetPy's server limits.

``http_protocol(limits)`` is what ``covet run`` passes to uvicorn as its ``http=`` class.
"""

from __future__ import annotations

import functools
from typing import Any

from covet.server._protocol import CovetHttpProtocol, HttpLimits

__all__ = ["CovetHttpProtocol", "HttpLimits", "http_protocol"]


def http_protocol(limits: HttpLimits) -> Any:
    """The protocol factory for ``uvicorn.Config(http=...)``; picklable, for ``--workers N``."""
    return functools.partial(CovetHttpProtocol, limits=limits)
