"""The codec contract: one media type's bytes to a value and back (DESIGN.md §12).

A codec is chosen for each declared media type when the spec compiles, never per request. A
codec whose mapping depends on the schema (XML's ``xml`` objects, form fields) has a ``bind``
that returns a codec specialised for one schema; that happens at compile time too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from covet.media._json import DecodeError

__all__ = ["BindableCodec", "Codec", "DecodeError", "SchemaSite"]


@runtime_checkable
class Codec(Protocol):
    """Decodes request bodies of its media types and encodes response values.

    Example:
        >>> class CsvCodec:
        ...     media_types = ("text/csv",)
        ...     def decode(self, raw: bytes) -> list[list[str]]:
        ...         return [line.split(",") for line in raw.decode().splitlines()]
        ...     def encode(self, value: object) -> bytes:
        ...         return "\\n".join(",".join(map(str, row)) for row in value).encode()
        >>> isinstance(CsvCodec(), Codec)
        True
    """

    media_types: tuple[str, ...]

    def decode(self, raw: bytes) -> Any:
        """The value of a request body.

        Raises:
            DecodeError: the body is malformed (``code`` is the error detail's, e.g. ``parse``);
                answered as a 400.
        """
        ...

    def encode(self, value: Any) -> bytes:
        """A handler's return value as a response body (``TypeError`` if it cannot be)."""
        ...


@dataclass(frozen=True, slots=True)
class SchemaSite:
    """Where a media type is declared, for codecs that map by schema (given to ``bind``).

    ``spec`` is the loaded ``SpecDocument`` (its ``resolve(ref, base)`` follows ``$ref``s),
    ``schema`` the media type's schema (``$ref``s unresolved), ``base`` the file it is in and
    ``pointer`` its JSON pointer; ``media`` is the whole Media Type object (``encoding``...).
    """

    spec: Any
    schema: Any
    base: str
    pointer: str
    media: Mapping[str, Any]
    direction: str
    """``request`` or ``response``."""
    compiler: Any = None
    """The operation's ``SchemaCompiler`` (the form codec builds its field decoder with it)."""


@runtime_checkable
class BindableCodec(Codec, Protocol):
    """A codec that specialises itself for one schema at compile time."""

    def bind(self, site: SchemaSite) -> Codec:
        """The codec for the media type declared at ``site`` (raises SpecError, located)."""
        ...
