"""Media types: codecs that decode request bodies and encode responses, and negotiation.

    _codec        the Codec protocol (decode/encode; ``bind`` for schema-mapped codecs)
    _codecs       JSON (orjson), form, text, raw bytes
    _xml          XML on lxml (safe parser), mapped by OpenAPI's ``xml`` objects
    _msgpack      MessagePack on ormsgpack
    _registry     the per-app registry keyed by media range; covet.yaml's ``media.codecs``
    _negotiation  ``Accept`` parsing and the per-response negotiator
    _problems     error bodies as problem+xml / MessagePack when the client asks for them
    settings      the ``media:`` section of covet.yaml (docs/media-types.md)
"""

from __future__ import annotations

from covet.media._codec import BindableCodec, Codec, SchemaSite
from covet.media._codecs import FormCodec, JSONCodec, RawCodec, TextCodec
from covet.media._json import DecodeError, JSONDecoder
from covet.media._msgpack import MessagePackCodec
from covet.media._negotiation import Negotiator, Offer, accept_of, parse_accept
from covet.media._problems import ErrorFormats
from covet.media._registry import CodecRegistry, base_type, build_registry, default_registry
from covet.media._xml import XMLCodec

__all__ = [
    "BindableCodec",
    "Codec",
    "CodecRegistry",
    "DecodeError",
    "ErrorFormats",
    "FormCodec",
    "JSONCodec",
    "JSONDecoder",
    "MessagePackCodec",
    "Negotiator",
    "Offer",
    "RawCodec",
    "SchemaSite",
    "TextCodec",
    "XMLCodec",
    "accept_of",
    "base_type",
    "build_registry",
    "default_registry",
    "parse_accept",
]
