"""The ``spec_cache:`` section of covet.yaml.

    spec_cache:
      enabled: true                 # false: parse and validate every spec on every start
      directory: .covet/spec-cache  # default: $XDG_CACHE_HOME/covet/specs (~/.cache/covet/specs)

``COVET_SPEC_CACHE=off`` (or a directory) in the environment wins over both. See
docs/config.md and ``covet.spec.cache``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import PrivateAttr

from covet._settings import Settings

__all__ = ["SpecCacheSettings"]


class SpecCacheSettings(Settings):
    """Where the spec cache lives, and whether it is used."""

    enabled: bool = True
    directory: Path | None = None
    """Relative to covet.yaml's directory; None: the user's cache directory."""
    _source_digest: str = PrivateAttr("")

    @property
    def source_digest(self) -> str:
        """SHA-256 of covet.yaml's text as written (part of every entry's key); "" if unknown."""
        return self._source_digest

    def with_source(self, text: str) -> SpecCacheSettings:
        """A copy that keys its entries on covet.yaml's ``text`` (``load_config`` calls this)."""
        copy = self.model_copy()
        copy._source_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return copy
