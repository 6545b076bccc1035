"""JSON pointers (RFC 6901) and ``$ref`` strings, as plain string functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import unquote

__all__ = [
    "MISSING",
    "child_node",
    "child_pointer",
    "has_scheme",
    "join_pointer",
    "split_pointer",
    "split_ref",
]

# RFC 3986 scheme; two characters at least so that a Windows drive (``C:``) is not one.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def child_pointer(pointer: str, token: str | int) -> str:
    """``/paths`` + ``/users/{id}`` -> ``/paths/~1users~1{id}``."""
    return f"{pointer}/{escape_token(token)}"


def join_pointer(tokens: Iterable[str | int]) -> str:
    return "".join("/" + escape_token(token) for token in tokens)


def split_pointer(pointer: str) -> list[str]:
    """``/a~1b/c`` -> ``["a/b", "c"]``; the empty pointer is the whole document.

    Raises:
        ValueError: the pointer is neither empty nor starts with ``/``.
    """
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/', not {pointer[:1]!r}")
    return [unescape_token(token) for token in pointer[1:].split("/")]


def split_ref(ref: str) -> tuple[str, str]:
    """``common.yaml#/components/x%20y`` -> ``("common.yaml", "/components/x y")``.

    The file part is percent-decoded; braces and other characters are kept literally (file
    names such as ``orders_{orderId}.yaml`` are never treated as URI templates). The fragment is
    percent-decoded before it is read as a JSON pointer, as RFC 6901 section 6 says.
    """
    file_part, _, fragment = ref.partition("#")
    return unquote(file_part), unquote(fragment)


def has_scheme(file_part: str) -> bool:
    """``https://...``, ``urn:...``: a reference this loader cannot read from disk."""
    return bool(_SCHEME.match(file_part))


MISSING: Final = object()
"""What :func:`child_node` returns when there is no such child (``None`` is a value)."""


def child_node(node: Any, token: str) -> Any:
    """``node[token]`` for a mapping key or a list index given as a pointer token, or MISSING."""
    if isinstance(node, dict):
        return node.get(token, MISSING)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return MISSING
