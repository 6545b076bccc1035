"""The ``media:`` section of covet.yaml: codecs for media types CovetPy does not ship.

    media:
      codecs:
        application/cbor: myapp.cbor:CborCodec     # a class: instantiated once, no arguments

See docs/media-types.md and :class:`covet.media.Codec`.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from covet._settings import Settings

__all__ = ["MediaSettings"]

_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+*-]+$")


class MediaSettings(Settings):
    """Extra codecs by media type (or range, e.g. ``application/*+cbor``)."""

    codecs: dict[str, str] = Field(default_factory=dict)
    """media type -> ``"package.module:Class"`` (a :class:`~covet.media.Codec`)."""

    @field_validator("codecs")
    @classmethod
    def _references(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for media_type, ref in value.items():
            key = media_type.strip().lower()
            if not _MEDIA_TYPE.match(key):
                raise ValueError(f"{media_type!r} is not a media type (type/subtype)")
            if not _REF.match(ref):
                raise ValueError(
                    f"{ref!r} for {media_type} is not 'package.module:Class' (e.g. myapp.cbor:CborCodec)"
                )
            out[key] = ref
        return out
