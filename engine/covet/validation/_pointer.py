"""JSON pointer (RFC 6901) escaping, shared by the compiler and the error details."""

from __future__ import annotations


def escape(part: str | int) -> str:
    """One pointer segment: ``a/b`` -> ``a~1b``."""
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """The inverse of :func:`escape`."""
    return part.replace("~1", "/").replace("~0", "~")


def last_segment(pointer: str) -> str:
    """``/components/schemas/Pet`` -> ``Pet`` (unescaped)."""
    return unescape(pointer.rsplit("/", 1)[-1])
