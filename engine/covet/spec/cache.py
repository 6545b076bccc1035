"""The spec cache: an unchanged spec is neither parsed nor validated again on restart.

Validating Adyen's Checkout spec with openapi-spec-validator costs ~0.45 s (0.3 s of it importing
the validator) and parsing its 778 KB of YAML ~0.17 s; a server restarted with the same files,
or ``covet validate`` run again on them, needs neither. One entry per root document holds:

- the SHA-256 of every file the document was parsed from (the root and every file a ``$ref``
  reached), the fingerprint of the code that produced the entry (CovetPy's version and its
  ``covet/spec`` sources, openapi-spec-validator's, jsonschema-rs's and the Python version) and
  a caller's context (the app passes the SHA-256 of covet.yaml's bytes);
- the parsed content of those files, and whether the validator accepted them.

An entry is used only when all of that matches, every file re-read and re-hashed: any change
to any input is a miss, and the document is loaded (and validated) from scratch. Only successes
are stored; an invalid spec is checked afresh every time, so its error is always current.

NOTE: nothing secret is written. The entry holds the spec files' data, which the app serves
at ``/openapi.json`` anyway, and hashes; covet.yaml is hashed as written (``${VAR}``
placeholders, never their values), and its content is not stored.

The format is ``marshal`` (JSON data only: dicts, lists, strings, numbers, ``inf``/``nan``
included, which JSON cannot hold; loads Adyen's parsed spec in ~5 ms). ``marshal`` builds no
objects but those and runs no code; a file that does not read back as the expected shape, for
whatever reason (truncated, another Python, tampered), is ignored and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from covet.spec.loader import SpecDocument, digest_of

__all__ = ["CachedSpec", "SpecCache", "default_cache_dir", "spec_cache_from_env"]

_FORMAT = 1
_SUFFIX = ".covet-spec"
ENV_VAR = "COVET_SPEC_CACHE"
"""``off`` disables the cache; any other value is the directory to keep it in."""
_OFF = ("off", "0", "false", "no", "none")
# Packages whose code decides what an entry holds: a new version of any is a miss.
_PRODUCERS = ("openapi_spec_validator", "jsonschema_rs")


@dataclass(frozen=True, slots=True)
class CachedSpec:
    """An entry that matched: the document, and whether the validator accepted it."""

    doc: SpecDocument
    validated: bool


class SpecCache:
    """Entries in one directory, one file per root document (and context).

    Args:
        directory: where entries live; created (mode 0700) on the first store.
        context: bytes that must also match, e.g. covet.yaml's; a different context is another
            entry.

    Example:
        >>> cache = SpecCache(default_cache_dir())
        >>> doc = load_spec("specs/blog.yaml", cache=cache)  # doctest: +SKIP
    """

    __slots__ = ("_context", "directory")

    def __init__(self, directory: str | os.PathLike[str], *, context: bytes = b"") -> None:
        self.directory = Path(directory)
        self._context = hashlib.sha256(context).hexdigest()

    def load(self, path: str) -> CachedSpec | None:
        """The entry for the root document ``path`` if every input still matches, else None."""
        entry = self._read(path)
        if entry is None or not _inputs_match(entry):
            return None
        files: dict[str, Any] = dict(entry["files"])
        doc = SpecDocument(
            path, files[path], entry["version"], entry["dialect"], MappingProxyType(files),
            MappingProxyType(dict(entry["digests"])),
        )
        return CachedSpec(doc, validated=entry["validated"] is True)

    def store(self, doc: SpecDocument, *, validated: bool) -> None:
        """Record ``doc`` (loaded from the bytes its ``digests`` name); errors are ignored.

        NOTE: a cache that cannot be written (read-only home, full disk) only costs speed.
        """
        if set(doc.digests) != set(doc.files):
            return  # NOTE: not loaded by load_spec (e.g. a tolerant lint load): nothing to key on
        entry = {
            "format": _FORMAT, "producer": producer_fingerprint(), "context": self._context,
            "root": doc.path, "version": doc.version, "dialect": doc.dialect,
            "digests": dict(doc.digests), "files": dict(doc.files), "validated": validated,
        }
        try:
            data = marshal.dumps(entry)
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(self._file(doc.path), data)
        except (OSError, ValueError):
            return

    def _file(self, path: str) -> Path:
        name = hashlib.sha256(f"{path}\0{self._context}".encode()).hexdigest()[:40]
        return self.directory / (name + _SUFFIX)

    def _read(self, path: str) -> dict[str, Any] | None:
        try:
            entry = marshal.loads(self._file(path).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not _well_formed(entry, path, self._context):
            return None
        return entry  # type: ignore[no-any-return]


def _well_formed(entry: Any, path: str, context: str) -> bool:
    """The shape (and identity) this version writes; anything else is a corrupt or foreign file."""
    if not isinstance(entry, dict):
        return False
    digests, files = entry.get("digests"), entry.get("files")
    return (
        entry.get("format") == _FORMAT
        and entry.get("producer") == producer_fingerprint()
        and entry.get("context") == context
        and entry.get("root") == path
        and isinstance(entry.get("version"), str)
        and isinstance(entry.get("dialect"), str)
        and isinstance(entry.get("validated"), bool)
        and isinstance(digests, dict)
        and isinstance(files, dict)
        and path in files
        and set(digests) == set(files)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items())
    )


def _inputs_match(entry: Mapping[str, Any]) -> bool:
    """Every file of the entry, read again now, has the bytes it was parsed from."""
    for file, digest in entry["digests"].items():
        try:
            with open(file, "rb") as stream:
                if digest_of(stream.read()) != digest:
                    return False
        except OSError:
            return False
    return True


def _write_atomically(target: Path, data: bytes) -> None:
    """Readers see the old entry or the new one, never half of one (several workers start)."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@cache
def producer_fingerprint() -> str:
    """What produced an entry: Python, CovetPy (version and spec-loading sources), the validator.

    NOTE: file sizes and mtimes, not contents: this runs on every start, and a development
    checkout of CovetPy changes its sources without changing its version.
    """
    from covet import __version__

    parts = [sys.version, __version__, *_stats(Path(__file__).parent.glob("*.py"))]
    for name in _PRODUCERS:
        spec = importlib.util.find_spec(name)  # NOTE: finds, does not import (0.3 s)
        parts += _stats([Path(spec.origin)]) if spec and spec.origin else [f"{name}:absent"]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _stats(paths: Any) -> list[str]:
    out = []
    for path in sorted(paths):
        try:
            info = path.stat()
        except OSError:
            continue
        out.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
    return out


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/covet/specs``, else ``~/.cache/covet/specs``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "covet" / "specs"


def spec_cache_from_env(
    directory: str | os.PathLike[str] | None = None,
    *,
    enabled: bool = True,
    context: bytes = b"",
    environ: Mapping[str, str] | None = None,
) -> SpecCache | None:
    """The cache to use: None when disabled (``enabled`` false or ``COVET_SPEC_CACHE=off``).

    ``COVET_SPEC_CACHE=<dir>`` overrides ``directory``, which defaults to
    :func:`default_cache_dir`.
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not enabled or value.lower() in _OFF:
        return None
    return SpecCache(value or directory or default_cache_dir(), context=context)

