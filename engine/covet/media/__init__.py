"""Media types: decoding request bodies (and, later, encoding responses) by codec.

Today this holds the JSON decoder that request bodies and ``content`` parameters share; the
codec registry of DESIGN.md §12 grows here.
"""

from __future__ import annotations

from covet.media._json import DecodeError, JSONDecoder

__all__ = ["DecodeError", "JSONDecoder"]
