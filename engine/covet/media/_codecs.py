"""The built-in codecs that need no schema: JSON (orjson), plain text, raw bytes; and form.

JSON keeps the request path it had before codecs (``JSONDecoder``: depth limit, duplicate
keys) and responses keep ``dump_json``: the codec only names them.
"""

from __future__ import annotations

from typing import Any

from covet.media._codec import Codec, SchemaSite
from covet.media._json import DecodeError, JSONDecoder
from covet.response import dump_json

__all__ = ["FormCodec", "JSONCodec", "RawCodec", "TextCodec"]


class JSONCodec(JSONDecoder):
    """``application/json`` and ``+json``: orjson under the request limits.

    PERF: a JSONDecoder itself, so decoding a JSON body is the one call it was before codecs.
    """

    __slots__ = ("media_types",)

    def __init__(self, *, max_depth: int = 64, strict: bool = True) -> None:
        super().__init__(max_depth=max_depth, strict=strict)
        self.media_types: tuple[str, ...] = ("application/json", "application/*+json")

    def encode(self, value: Any) -> bytes:
        return dump_json(value)


class TextCodec:
    """``text/*``: a request body is a UTF-8 ``str``; a response ``str`` or ``bytes``."""

    __slots__ = ("media_types",)

    def __init__(self) -> None:
        self.media_types: tuple[str, ...] = ("text/plain", "text/*")

    def decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("Text body is not valid UTF-8", "encoding") from None

    def encode(self, value: Any) -> bytes:
        return _as_bytes(value, "text")


class RawCodec:
    """``application/octet-stream``, wildcards and string-schema types: bytes as they are."""

    __slots__ = ("media_types",)

    def __init__(self) -> None:
        self.media_types: tuple[str, ...] = ("application/octet-stream", "*/*")

    def decode(self, raw: bytes) -> bytes:
        return raw

    def encode(self, value: Any) -> bytes:
        return _as_bytes(value, "binary")


def _as_bytes(value: Any, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"a {what} response needs str or bytes, not {type(value).__name__}")


class FormCodec:
    """``application/x-www-form-urlencoded``: fields typed by the schema (style, explode).

    Unbound (no schema) it decodes to ``{name: text}`` (a repeated name: a list of texts).
    """

    __slots__ = ("fields", "max_fields", "media_types")

    def __init__(self, *, max_fields: int = 1000, fields: Any = None) -> None:
        self.media_types: tuple[str, ...] = ("application/x-www-form-urlencoded",)
        self.max_fields = max_fields
        self.fields = fields

    def bind(self, site: SchemaSite) -> Codec:
        if site.schema is None or site.compiler is None or site.direction != "request":
            return self
        from covet.validation import build_form_decoder

        decoder = build_form_decoder(
            site.schema, base=site.base, pointer=site.pointer, compiler=site.compiler,
            encoding=site.media.get("encoding"),
        )
        return FormCodec(max_fields=self.max_fields, fields=decoder)

    def decode(self, raw: bytes) -> Any:
        from covet.request import parse_form

        try:
            form = parse_form(raw, self.max_fields)
        except UnicodeDecodeError:
            raise DecodeError("Form body is not valid UTF-8 (after percent-decoding)", "encoding") from None
        if self.fields is None:
            return {name: values[-1] if len(values) == 1 else values for name, values in form.items()}
        # NOTE: the field decoder leaves text that does not coerce as text: the schema check
        # reports it, once, with the rest of the body's errors.
        value, _errors = self.fields(form)
        return value

    def encode(self, value: Any) -> bytes:
        from urllib.parse import urlencode

        if not isinstance(value, dict):
            raise TypeError(f"a form response needs a dict, not {type(value).__name__}")
        return urlencode(value, doseq=True).encode("ascii")
