"""Which codec serves a declared media type: one registry per app, consulted at compile time.

Lookup order for a declared type (parameters ignored): covet.yaml's ``media.codecs`` first
(they may replace a built-in), then the built-ins; within each, the exact type, then a suffix
range (``application/*+json``), then a type range (``text/*``). A declaration that is itself a
wildcard (``*/*``, ``application/*``) reads the body as raw bytes, and so does a type no codec
serves whose schema is a string (``format: binary``) or absent. Anything else has no codec:
the compiler refuses it at startup (:class:`~covet.errors.MediaCodecError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from covet.errors import ConfigError
from covet.media._codec import Codec, SchemaSite
from covet.media._codecs import FormCodec, JSONCodec, RawCodec, TextCodec
from covet.media._msgpack import MessagePackCodec
from covet.media._xml import XMLCodec

__all__ = ["CodecRegistry", "base_type", "build_registry", "default_registry"]


def base_type(media_type: str) -> str:
    """``media_type`` lower-case, without parameters."""
    return media_type.split(";", 1)[0].strip().lower()


class CodecRegistry:
    """Codecs keyed by media range, earlier entries first.

    Args:
        entries: ``(media range, codec)`` pairs; ranges are exact types, ``type/*+suffix`` or
            ``type/*``.
    """

    __slots__ = ("_exact", "_ranges", "raw")

    def __init__(self, entries: Sequence[tuple[str, Codec]]) -> None:
        self._exact: dict[str, Codec] = {}
        self._ranges: list[tuple[str, str, Codec]] = []
        self.raw: Codec = RawCodec()
        for media_range, codec in entries:
            key = base_type(media_range)
            kind, _, sub = key.partition("/")
            if "*" in sub:
                self._ranges.append((kind, sub.removeprefix("*"), codec))
            else:
                self._exact.setdefault(key, codec)
        # NOTE: suffix ranges (application/*+json) are more specific than type ranges (text/*)
        self._ranges.sort(key=lambda entry: entry[1] == "")

    def lookup(self, media_type: str) -> Codec | None:
        """The codec registered for a concrete media type, or None."""
        key = base_type(media_type)
        found = self._exact.get(key)
        if found is not None:
            return found
        kind, _, sub = key.partition("/")
        for range_kind, suffix, codec in self._ranges:
            if range_kind in (kind, "*") and (suffix == "" or sub.endswith(suffix)):
                return codec
        return None

    def for_media(self, media_type: str, site: SchemaSite) -> Codec | None:
        """The codec of a declared media type, bound to its schema; None if none serves it."""
        key = base_type(media_type)
        if "*" in key:
            return self.raw
        codec = self.lookup(key)
        if codec is None:
            return self.raw if _is_binary(site) else None
        bind = getattr(codec, "bind", None)
        return bind(site) if bind is not None else codec

    def media_types(self) -> tuple[str, ...]:
        """Every type and range the registry serves (for messages)."""
        ranges = tuple(f"{kind}/*{suffix}" for kind, suffix, _ in self._ranges)
        return (*self._exact, *ranges)


def _is_binary(site: SchemaSite) -> bool:
    """No schema, or a string schema: the body is bytes whatever the media type."""
    schema: Any = site.schema
    base = site.base
    for _ in range(16):
        if schema is None:
            return True
        if not isinstance(schema, Mapping):
            return False
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        schema, base, _pointer = site.spec.resolve(ref, base)
    declared: Any = schema.get("type")
    if declared is None:
        return not any(key in schema for key in ("properties", "items", "allOf", "oneOf", "anyOf"))
    if isinstance(declared, list):
        return set(declared) <= {"string", "null"}
    return bool(declared == "string")


def default_registry(
    *, max_depth: int = 64, strict_json: bool = True, max_form_fields: int = 1000,
    extra: Sequence[tuple[str, Codec]] = (),
) -> CodecRegistry:
    """The built-in codecs under these limits, after ``extra``."""
    json = JSONCodec(max_depth=max_depth, strict=strict_json)
    xml = XMLCodec(max_depth=max_depth)
    msgpack = MessagePackCodec(max_depth=max_depth)
    text = TextCodec()
    builtins: list[tuple[str, Codec]] = [
        *((m, json) for m in json.media_types),
        *((m, xml) for m in xml.media_types),
        *((m, msgpack) for m in msgpack.media_types),
        ("application/x-www-form-urlencoded", FormCodec(max_fields=max_form_fields)),
        *((m, text) for m in text.media_types),
        ("application/octet-stream", RawCodec()),
        # NOTE: multipart bodies stay raw bytes until the multipart codec lands (issue 10)
        ("multipart/*", RawCodec()),
    ]
    return CodecRegistry([*extra, *builtins])


def build_registry(
    codecs: Mapping[str, str], *, max_depth: int = 64, strict_json: bool = True,
    max_form_fields: int = 1000,
) -> CodecRegistry:
    """The app's registry: covet.yaml's ``media.codecs`` (imported once, here) and the built-ins.

    Raises:
        ConfigError: a codec that does not import, cannot be built without arguments, or has
            no ``decode``/``encode`` (located at ``/media/codecs/<media type>``).
    """
    extra = [(media_type, load_codec(media_type, ref)) for media_type, ref in codecs.items()]
    return default_registry(
        max_depth=max_depth, strict_json=strict_json, max_form_fields=max_form_fields, extra=extra
    )


def load_codec(media_type: str, ref: str) -> Codec:
    """Import ``module:Class`` and instantiate it (no arguments)."""
    from covet.binding import import_object
    from covet.spec.compiler import escape_pointer

    pointer = f"/media/codecs/{escape_pointer(media_type)}"
    try:
        target = import_object(ref)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"media.codecs: cannot import {ref!r} for {media_type}: {exc}; check the module path "
            "and covet.yaml's pythonpath",
            pointer=pointer,
        ) from exc
    try:
        codec = target() if isinstance(target, type) else target
    except Exception as exc:
        raise ConfigError(f"media.codecs: {ref!r} could not be built: {exc}", pointer=pointer) from exc
    missing = [name for name in ("decode", "encode") if not callable(getattr(codec, name, None))]
    if missing:
        raise ConfigError(
            f"media.codecs: {ref!r} has no {' or '.join(missing)}(); a codec has "
            "decode(bytes) -> value and encode(value) -> bytes (docs/media-types.md)",
            pointer=pointer,
        )
    return codec  # type: ignore[no-any-return]
