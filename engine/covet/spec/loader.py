"""Load an OpenAPI document and every file its ``$ref``s reach, then validate it.

Loading reads each file once (PERF: DigitalOcean's spec pulls 1,508 files; 2,850 if its
``x-codeSamples`` were followed), follows only the ``$ref``s that are references (not those in
``x-*`` extensions or example data, see ``_refs.py``), checks that every one of them resolves,
and hands the loaded files to openapi-spec-validator so nothing is read twice. Positions are
not tracked while loading; ``SpecDocument.line_of`` computes them for errors only. See
docs/unsupported.md for what is refused and why.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from covet.errors import RefResolutionError, SpecError, UnsupportedSpecError
from covet.spec._files import line_finder, parse_file, parse_file_with_lines, read_file
from covet.spec._lines import JsonLines, YamlLines
from covet.spec._pointer import (
    MISSING,
    child_node,
    has_scheme,
    join_pointer,
    split_pointer,
    split_ref,
)
from covet.spec._refs import CyclicDataError, iter_refs
from covet.spec._versions import check_served_features, detect_version

if TYPE_CHECKING:
    from covet.spec.cache import SpecCache

__all__ = ["SpecDocument", "load_document", "load_spec"]


@dataclass(frozen=True, slots=True)
class SpecDocument:
    """A loaded OpenAPI document and every file it references.

    Attributes:
        path: absolute path of the root file.
        root: the parsed root document.
        version: the document's own ``openapi`` string, e.g. ``"3.0.4"``.
        dialect: the rules it is served with: ``"3.0"`` or ``"3.1"`` (3.2.x documents are
            validated as 3.2 and served with the 3.1 rules, see docs/unsupported.md).
        files: absolute path -> parsed content of every loaded file, the root included.
        digests: absolute path -> SHA-256 (hex) of the bytes each file was parsed from; what
            the spec cache keys on (``covet.spec.cache``).
    """

    path: str
    root: dict[str, Any]
    version: str
    dialect: str
    files: Mapping[str, Any]
    digests: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    _lines: dict[str, YamlLines | JsonLines | None] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def resolve(self, ref: str, base: str, *, at: str | None = None) -> tuple[Any, str, str]:
        """Resolve one ``$ref`` string written in the file ``base``.

        Args:
            ref: the ``$ref`` value, e.g. ``"#/components/schemas/Pet"`` or
                ``"paths/orders_{orderId}.yaml"``.
            base: absolute path of the file the ref is written in (a key of ``files``).
            at: JSON pointer of the object holding the ref in ``base``; used to locate errors.

        Returns:
            ``(target node, target file, target JSON pointer)``, the pointer in its
            canonical escaped form (``/paths/~1pets``, ``""`` for a whole file).

        Raises:
            RefResolutionError: the file was not loaded or the pointer leads nowhere.
            UnsupportedSpecError: a remote (``http(s)://``) or anchor (``#name``) reference.

        Example:
            >>> doc.resolve("#/components/schemas/Pet", doc.path)  # doctest: +SKIP
            ({'type': 'object', ...}, '/srv/api/openapi.yaml', '/components/schemas/Pet')
        """
        file_part, fragment = split_ref(ref)
        target = self._target_file(file_part, ref, base, at)
        if target not in self.files:
            raise self._ref_error(f"$ref {ref!r}: {target} is not part of this document", base, at)
        try:
            tokens = split_pointer(fragment)
        except ValueError:
            raise UnsupportedSpecError(
                f"unsupported: $ref {ref!r} uses a plain-name fragment ($anchor); "
                "use a JSON pointer such as '#/components/schemas/Name'",
                **self._where(base, at),
            ) from None
        node = self._walk(self.files[target], tokens, ref, target, base, at)
        return node, target, join_pointer(tokens)

    def deref(self, node: Any, base: str, pointer: str) -> tuple[Any, str, str]:
        """Follow ``{"$ref": ...}`` until a node that is not a reference.

        For the objects OpenAPI lets be a Reference (Parameter, RequestBody, Response,
        PathItem, Header...). A node that is not a reference comes back unchanged.

        Returns:
            ``(node, file, pointer)`` of the first non-reference node.

        Raises:
            RefResolutionError: a ref in the chain does not resolve, or the chain is a cycle.
        """
        chain: list[tuple[str, str]] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            if (base, pointer) in chain:
                raise self._cycle_error(chain, base, pointer)
            chain.append((base, pointer))
            node, base, pointer = self.resolve(node["$ref"], base, at=pointer)
        return node, base, pointer

    def line_of(self, file: str, pointer: str) -> int | None:
        """1-based line of the node at ``pointer`` in ``file`` (its key's line), if known.

        NOTE: computed lazily by parsing that one file again with a position-tracking parser,
        then cached; call it on error paths only.
        """
        if file not in self._lines:
            self._lines[file] = line_finder(file)
        finder = self._lines[file]
        try:
            tokens = split_pointer(pointer)
        except ValueError:
            return None
        return None if finder is None else finder.line_of(tokens)

    def _target_file(self, file_part: str, ref: str, base: str, at: str | None) -> str:
        if not file_part:
            return base
        if file_part.startswith("file:"):
            # NOTE: imported here: urllib.request (+ http.client, email) is ~0.5 MB a server
            # never needs unless a spec refers to a file: URI (bench/MEMORY.md)
            from urllib.request import url2pathname

            return os.path.normpath(url2pathname(urlsplit(file_part).path))
        if has_scheme(file_part):
            raise UnsupportedSpecError(
                f"unsupported: remote $ref {ref!r}; CovetPy never fetches over the network. "
                "Download it next to the spec and refer to it by a relative path",
                **self._where(base, at),
            )
        return os.path.normpath(os.path.join(os.path.dirname(base), file_part))

    def _walk(
        self, node: Any, tokens: list[str], ref: str, target: str, base: str, at: str | None
    ) -> Any:
        for depth, token in enumerate(tokens):
            child = child_node(node, token)
            if child is MISSING:
                parent = join_pointer(tokens[:depth]) or "the top level"
                raise self._ref_error(
                    f"$ref {ref!r} points to nothing: {target} has no {token!r} under {parent}",
                    base,
                    at,
                )
            node = child
        return node

    def _where(self, file: str, pointer: str | None) -> dict[str, Any]:
        line = None if pointer is None else self.line_of(file, pointer)
        return {"file": file, "pointer": pointer, "line": line}

    def _ref_error(self, message: str, base: str, at: str | None) -> RefResolutionError:
        return RefResolutionError(message, **self._where(base, at))

    def _cycle_error(self, chain: list[tuple[str, str]], base: str, pointer: str) -> SpecError:
        start = chain.index((base, pointer))
        loop = [*chain[start:], (base, pointer)]
        names = " -> ".join(f"{os.path.basename(f)}#{p}" for f, p in loop)
        return self._ref_error(
            f"$ref cycle: {names}; a reference must end at an object", base, pointer
        )


def load_document(path: str | os.PathLike[str]) -> Any:
    """Parse one YAML or JSON file with CovetPy's rules (YAML 1.2 scalars, string keys).

    ``.json`` files are parsed as JSON (orjson); anything else as YAML.

    Raises:
        SpecError: the file cannot be read or parsed (with file and line).

    Example:
        >>> load_document("specs/common.yaml")["components"]  # doctest: +SKIP
    """
    absolute = os.path.abspath(os.fspath(path))
    return parse_file(absolute, read_file(absolute))


def load_spec(
    path: str | os.PathLike[str], *, validate: bool = True, cache: SpecCache | None = None
) -> SpecDocument:
    """Load an OpenAPI 3.0/3.1 (or 3.2) document with all the files it references.

    Args:
        path: the root document.
        validate: run openapi-spec-validator over the loaded files (the default).
        cache: a :class:`~covet.spec.cache.SpecCache`: when every file is byte-for-byte the
            one a previous load parsed (and validated, if ``validate``), its result is reused
            instead of parsing and validating again; a fresh result is stored.

    Returns:
        The immutable :class:`SpecDocument`.

    Raises:
        UnsupportedSpecError: Swagger 2.0, another unsupported version, a remote ``$ref``...
        RefResolutionError: a ``$ref`` to a missing file or a missing pointer.
        SpecError: anything else wrong, with file, JSON pointer and line where known.

    Example:
        >>> doc = load_spec("specs/blog.yaml")  # doctest: +SKIP
        >>> doc.dialect
        '3.1'

    .. versionchanged:: 0.1
       ``cache``.
    """
    root_path = os.path.abspath(os.fspath(path))
    cached = None if cache is None else cache.load(root_path)
    if cached is not None and (cached.validated or not validate):
        return cached.doc
    doc = cached.doc if cached is not None else load_unvalidated(root_path)
    if validate:
        from covet.spec._verdict import validate_document  # NOTE: the library only if needed

        validate_document(doc)
    if cache is not None:
        cache.store(doc, validated=validate)
    return doc


def load_unvalidated(root_path: str, *, keep_lines: bool = False) -> SpecDocument:
    """``load_spec(root_path, validate=False)`` without a cache.

    With ``keep_lines``, each YAML file's node tree is kept from its one parse for
    ``SpecDocument.line_of`` (PERF: ``covet validate``'s findings need lines; a server's errors
    are rare enough to parse again, and the trees would double its memory).
    """
    data = read_file(root_path)
    root, lines = _parse(root_path, data, keep_lines)
    version, dialect = detect_version(root, root_path)
    files: dict[str, Any] = {root_path: root}
    digests = {root_path: digest_of(data)}
    doc = SpecDocument(
        root_path, root, version, dialect, MappingProxyType(files), MappingProxyType(digests)
    )
    if lines is not None:
        doc._lines[root_path] = lines
    _load_referenced_files(doc, files, digests, keep_lines)
    check_served_features(doc)
    return doc


def _parse(
    path: str, data: bytes, keep_lines: bool, referenced_from: str | None = None
) -> tuple[Any, YamlLines | JsonLines | None]:
    if keep_lines:
        return parse_file_with_lines(path, data, referenced_from=referenced_from)
    return parse_file(path, data, referenced_from=referenced_from), None


def digest_of(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as the spec cache compares them."""
    return hashlib.sha256(data).hexdigest()


def _load_referenced_files(
    doc: SpecDocument, files: dict[str, Any], digests: dict[str, str], keep_lines: bool
) -> None:
    """Read every file reachable through references, once each; then check every ref."""
    pending = [doc.path]
    refs: dict[tuple[str, str], str] = {}
    while pending:
        base = pending.pop()
        for ref, at in _refs_of(files[base], base):
            refs.setdefault((base, ref), at)
            target = doc._target_file(split_ref(ref)[0], ref, base, at)
            if target not in files:
                files[target] = _read_referenced(doc, target, ref, base, at, digests, keep_lines)
                pending.append(target)
    for (base, ref), at in refs.items():
        doc.deref({"$ref": ref}, base, at)  # resolves, and refuses $ref chains that loop


def _refs_of(tree: Any, file: str) -> list[tuple[str, str]]:
    try:
        return list(iter_refs(tree))
    except CyclicDataError as exc:
        finder = line_finder(file)
        raise SpecError(
            "a YAML alias contains itself, which makes the data infinite; "
            "OpenAPI recursion must be written with $ref",
            file=file,
            pointer=exc.pointer,
            line=None if finder is None else finder.line_of(split_pointer(exc.pointer)),
        ) from None
    except RecursionError:
        raise SpecError("the document is nested too deeply to load", file=file) from None


def _read_referenced(
    doc: SpecDocument, target: str, ref: str, base: str, at: str, digests: dict[str, str],
    keep_lines: bool,
) -> Any:
    try:
        data = read_file(target)
    except SpecError as exc:
        raise RefResolutionError(
            f"$ref {ref!r}: {exc.message}", file=base, pointer=at, line=doc.line_of(base, at)
        ) from None
    digests[target] = digest_of(data)
    value, lines = _parse(target, data, keep_lines, f"{base}#{at}")
    if lines is not None:
        doc._lines[target] = lines
    return value
