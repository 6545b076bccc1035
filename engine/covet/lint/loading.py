"""Load one spec for linting: every loading problem becomes a finding, not an exception.

``load_spec`` stops at the first ``$ref`` that does not resolve, which is right for a server and
wrong for CI. When it does, the document is loaded again here, tolerantly, so that every
unresolved ``$ref`` is reported and the rest of the document can still be checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from covet.errors import RefResolutionError, SpecError, UnsupportedSpecError
from covet.lint.collector import Collector, rule_for_error
from covet.spec import SpecDocument, load_document
from covet.spec._files import parse_file, read_file
from covet.spec._pointer import has_scheme, split_ref
from covet.spec._refs import CyclicDataError, iter_refs
from covet.spec._versions import check_served_features, detect_version
from covet.spec.cache import SpecCache
from covet.spec.loader import load_unvalidated

__all__ = ["LoadedSpec", "load_for_lint"]


@dataclass(frozen=True, slots=True)
class LoadedSpec:
    """A document that loaded far enough to be checked.

    Attributes:
        doc: the loaded document (files whose refs failed are missing from ``doc.files``).
        trusted: every ``$ref`` resolved and openapi-spec-validator accepted it.
    """

    doc: SpecDocument
    trusted: bool


def load_for_lint(path: str, out: Collector, cache: SpecCache | None = None) -> LoadedSpec | None:
    """Load and validate ``path``; None when nothing more can be checked in it.

    With a ``cache``, a document whose files all match an entry the validator accepted is
    neither parsed nor validated again (``covet.spec.cache``).
    """
    path = os.path.abspath(path)
    if not _readable(path, out):
        return None
    cached = None if cache is None else cache.load(path)
    if cached is not None and cached.validated:
        return LoadedSpec(cached.doc, trusted=True)
    try:
        doc = cached.doc if cached is not None else load_unvalidated(path, keep_lines=True)
    except SpecError as exc:
        if not _in_referenced_part(exc, path):
            out.add_error(exc, None if isinstance(exc, UnsupportedSpecError) else "spec-invalid")
            return None
        partial = _load_tolerantly(path, out)
        return None if partial is None else LoadedSpec(partial, trusted=False)
    trusted = _validate(doc, out)
    if trusted and cache is not None:
        cache.store(doc, validated=True)
    return LoadedSpec(doc, trusted=trusted)


def _in_referenced_part(exc: SpecError, path: str) -> bool:
    """A broken $ref, or a referenced file that does not parse: the rest can still be checked."""
    if isinstance(exc, UnsupportedSpecError):
        return False
    return isinstance(exc, RefResolutionError) or exc.file not in (None, path)


def _readable(path: str, out: Collector) -> bool:
    try:
        with open(path, "rb"):
            pass
    except IsADirectoryError:
        out.add("spec-unreadable", f"{path} is a directory, not a spec file", file=path)
        return False
    except OSError as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
        out.add("spec-unreadable", f"cannot read the spec: {reason}", file=path)
        return False
    return True


def _validate(doc: SpecDocument, out: Collector) -> bool:
    from covet.spec._verdict import validate_document  # NOTE: the library only if needed

    try:
        validate_document(doc)
    except SpecError as exc:
        out.add_error(exc, None if isinstance(exc, UnsupportedSpecError) else "spec-invalid")
        return False
    return True


def _load_tolerantly(path: str, out: Collector) -> SpecDocument | None:
    try:
        root = load_document(path)
        version, dialect = detect_version(root, path)
    except SpecError as exc:  # NOTE: load_spec got past this point once; the file changed since
        out.add_error(exc, None if isinstance(exc, UnsupportedSpecError) else "spec-invalid")
        return None
    files: dict[str, Any] = {path: root}
    doc = SpecDocument(path, root, version, dialect, MappingProxyType(files))
    refs = _load_reachable(doc, files, out)
    _check_refs(doc, refs, out)
    try:
        check_served_features(doc)
    except UnsupportedSpecError as exc:
        out.add_error(exc, doc=doc)
        return None
    except SpecError:
        pass  # NOTE: a broken $ref on the way, already reported
    return doc


def _load_reachable(
    doc: SpecDocument, files: dict[str, Any], out: Collector
) -> list[tuple[str, str, str]]:
    """Read every file the refs reach, once; returns ``(base, ref, pointer)`` of every ref."""
    pending, unreadable = [doc.path], set()
    refs: list[tuple[str, str, str]] = []
    while pending:
        base = pending.pop()
        for ref, at in _refs_in(files[base], base, out):
            refs.append((base, ref, at))
            target = _target_file(ref, base)
            if target is None or target in files or target in unreadable:
                continue
            try:
                data = read_file(target)
            except SpecError:
                unreadable.add(target)
                continue
            try:
                files[target] = parse_file(target, data, referenced_from=f"{base}#{at}")
            except SpecError as exc:
                unreadable.add(target)
                out.add_error(exc, "spec-invalid")
                continue
            pending.append(target)
    return refs


def _refs_in(tree: Any, file: str, out: Collector) -> list[tuple[str, str]]:
    try:
        return list(iter_refs(tree))
    except CyclicDataError as exc:
        out.add("spec-invalid", "a YAML alias contains itself; write recursion with $ref",
                file=file, pointer=exc.pointer)
    except RecursionError:
        out.add("spec-invalid", "the document is nested too deeply to load", file=file)
    return []


def _check_refs(doc: SpecDocument, refs: list[tuple[str, str, str]], out: Collector) -> None:
    """One finding per place a broken ref is written; each distinct ref is resolved once."""
    problems: dict[tuple[str, str], SpecError | None] = {}
    for base, ref, at in refs:
        key = (base, ref)
        if key not in problems:
            problems[key] = _problem(doc, base, ref, at)
        problem = problems[key]
        if problem is not None:
            out.add(rule_for_error(problem), problem.message, file=base, pointer=at, doc=doc)


def _problem(doc: SpecDocument, base: str, ref: str, at: str) -> SpecError | None:
    target = _target_file(ref, base)
    if target is not None and target not in doc.files:
        return RefResolutionError(f"$ref {ref!r}: file not found or unreadable: {target}")
    try:
        doc.deref({"$ref": ref}, base, at)
    except SpecError as exc:
        # A broken link further down a chain is reported where it is written.
        return exc if (exc.file, exc.pointer) == (base, at) else None
    return None


def _target_file(ref: str, base: str) -> str | None:
    """The file a ref names (as the loader computes it); None for a remote reference."""
    file_part = split_ref(ref)[0]
    if not file_part:
        return base
    if file_part.startswith("file:"):
        from urllib.request import url2pathname  # NOTE: ~10 ms of imports, rarely needed

        return os.path.normpath(url2pathname(urlsplit(file_part).path))
    if has_scheme(file_part):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(base), file_part))
