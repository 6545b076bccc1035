"""Validate a loaded document with openapi-spec-validator, from memory, into one located error.

What this adds to the library:

- It reads nothing: the validator's ``referencing`` registry retrieves files from
  ``SpecDocument.files``, so no file is parsed twice (nor by the library's YAML 1.1 loader), and
  a reference to anything else, network included, is refused instead of fetched.
- Locations. The library's own checks (path parameters, duplicate operationIds, defaults,
  schema meta-checks) raise errors without a path; each keyword validator is wrapped to stamp
  its errors, and its crashes, with the place it was checking. That logical path (through
  ``$ref``s) is then mapped to the file and JSON pointer where the node is written.
- Robustness. Any exception while validating (the library crashes on DigitalOcean's spec when
  listing errors) becomes a located :class:`SpecError`, never a traceback.
- Only the first error is reported, with a readable message; further errors are counted within
  a small time budget.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from jsonschema_path import SchemaPath
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.validators import SpecValidator

from covet.errors import SpecError, UnsupportedSpecError
from covet.spec._messages import describe_error
from covet.spec._metacheck import FastMetaCheckV31SchemaValidator, FastMetaCheckV32SchemaValidator
from covet.spec._pointer import MISSING, child_node, child_pointer
from covet.spec.loader import SpecDocument

__all__ = ["validate_document"]

_STAMP = "_covet_parts"
# Counting errors after the first one is a courtesy: never spend more than this on it.
_COUNT_BUDGET_S = 0.5
_COUNT_CAP = 1000
# openapi-spec-validator's default; the cache holds resolved $ref paths during one run.
_RESOLVED_CACHE_MAXSIZE = 128


def validate_document(doc: SpecDocument) -> None:
    """Raise the first validation error of ``doc`` as a located :class:`SpecError`.

    Raises:
        SpecError: the document is not valid OpenAPI (or the validator could not check it).
    """
    validator = _validator_for(doc)
    errors = _iter_errors(validator)
    try:
        first = next(errors, None)
    except Exception as exc:  # noqa: BLE001  NOTE: the library crashes on odd shapes; never leak
        raise _crash_error(doc, exc) from None
    if first is not None:
        raise _validation_error(doc, first, _count_more(errors))


def _validator_for(doc: SpecDocument) -> SpecValidator:
    minor = doc.version[:3]
    cls = _VALIDATORS[minor]
    schema_path = SchemaPath.from_dict(
        doc.root,
        base_uri=Path(doc.path).as_uri(),
        handlers=_Handlers(doc),
        resolved_cache_maxsize=_RESOLVED_CACHE_MAXSIZE,
    )
    return cls(schema_path)


def _iter_errors(validator: SpecValidator) -> Iterator[ValidationError]:
    """The library's two passes, without its ``iter_errors``.

    NOTE: ``SpecValidator.iter_errors`` is wrapped in an unbounded ``functools.lru_cache`` keyed
    on the validator, which would keep every validated document alive for the life of the
    process (one per hot reload). The passes themselves are public attributes.
    """
    yield from validator.schema_validator.iter_errors(validator.schema)
    yield from validator.root_validator(validator.schema_path)


def _count_more(errors: Iterator[ValidationError]) -> tuple[int, bool]:
    """How many more errors (capped, time-boxed) and whether that count is complete."""
    deadline = time.perf_counter() + _COUNT_BUDGET_S
    count = 0
    try:
        for _ in errors:
            count += 1
            if count >= _COUNT_CAP or time.perf_counter() > deadline:
                return count, False
    except Exception:  # noqa: BLE001  the library crashing while listing errors (DigitalOcean)
        return count, False
    return count, True


# --- where: logical path (through $refs) -> file and pointer ---------------------------------


def _stamped_parts(error: BaseException) -> tuple[Any, ...]:
    parts = getattr(error, _STAMP, None)
    if parts is not None:
        return tuple(parts)
    if isinstance(error, ValidationError):
        return tuple(error.absolute_path)
    return ()


def locate(doc: SpecDocument, parts: tuple[Any, ...]) -> tuple[Any, str, str]:
    """``(node, file, pointer)`` of the node at ``parts``: a path from the root that may pass
    through ``$ref``s, as the validator walks it. Stops at the deepest node that exists."""
    node, file, pointer = doc.root, doc.path, ""
    for part in parts:
        token = str(part)
        if isinstance(node, dict) and token not in node and isinstance(node.get("$ref"), str):
            try:
                node, file, pointer = doc.deref(node, file, pointer)
            except SpecError:
                break
        child = child_node(node, token)
        if child is MISSING:
            break
        node, pointer = child, child_pointer(pointer, token)
    return node, file, pointer


def _validation_error(
    doc: SpecDocument, error: ValidationError, more: tuple[int, bool]
) -> SpecError:
    node, file, pointer = locate(doc, _stamped_parts(error))
    message = f"invalid OpenAPI {doc.version} document: {describe_error(error, node)}{_more(*more)}"
    return SpecError(message, file=file, pointer=pointer, line=doc.line_of(file, pointer))


def _more(count: int, complete: bool) -> str:
    if count == 0:
        return ""
    plural = "s" if count > 1 else ""
    if complete:
        return f" (and {count} more error{plural}; fix this one first)"
    return f" (and at least {count} more error{plural}; fix this one first)"


def _crash_error(doc: SpecDocument, exc: Exception) -> SpecError:
    cause = _covet_cause(exc)
    _, file, pointer = locate(doc, _stamped_parts(exc))
    line = doc.line_of(file, pointer)
    if cause is not None and cause.file is not None:
        return cause
    if cause is not None:  # raised by our retrieval handlers, which do not know where
        return type(cause)(cause.message, file=file, pointer=pointer, line=line)
    return SpecError(
        f"openapi-spec-validator could not check the document here ({type(exc).__name__}: "
        f"{str(exc)[:200]}); the structure at this location is probably not one OpenAPI "
        "allows, e.g. a $ref where no Reference Object may stand",
        file=file,
        pointer=pointer,
        line=line,
    )


def _covet_cause(exc: BaseException) -> SpecError | None:
    """A CovetPy error raised by our retrieval handler, wrapped by ``referencing``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, SpecError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# --- retrieval from memory ---------------------------------------------------------------------


class _Handlers(Mapping[str, Callable[[str], Any]]):
    """URI scheme -> retrieval function, for ``referencing``; every scheme is answered here.

    NOTE: jsonschema-path falls back to ``urlopen`` for a scheme missing from its handlers, so
    this mapping claims them all and refuses anything that is not an already-loaded file.
    """

    def __init__(self, doc: SpecDocument) -> None:
        self._doc = doc

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return self._from_memory if scheme == "file" else self._refuse

    def __iter__(self) -> Iterator[str]:
        return iter(("file",))

    def __len__(self) -> int:
        return 1

    def __contains__(self, scheme: object) -> bool:
        return True

    def _from_memory(self, uri: str) -> Any:
        path = os.path.normpath(url2pathname(unquote(urlsplit(uri).path)))
        if path not in self._doc.files:
            raise SpecError(
                f"the validator followed a $ref to {path}, which is not part of this document "
                "(a $ref inside example or default data?)"
            )
        return self._doc.files[path]

    def _refuse(self, uri: str) -> Any:
        raise UnsupportedSpecError(
            f"unsupported: remote $ref {uri!r}; CovetPy never fetches over the network. "
            "Download it next to the spec and refer to it by a relative path"
        )


# --- keyword validators that say where they are ------------------------------------------------


def _stamp(error: BaseException, where: SchemaPath | None, suffix: tuple[str, ...]) -> None:
    if where is None or hasattr(error, _STAMP):
        return
    relative = tuple(error.path) if isinstance(error, ValidationError) else ()
    setattr(error, _STAMP, (*where.parts, *suffix, *relative))


def _located(cls: type[keywords.KeywordValidator]) -> type[keywords.KeywordValidator]:
    """A subclass of ``cls`` whose errors and crashes carry the path it was validating."""
    # A ValueValidator checks the ``default`` of the schema it is given.
    suffix = ("default",) if issubclass(cls, keywords.ValueValidator) else ()
    original: Callable[..., Iterator[ValidationError]] = cls.__call__

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        where = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        try:
            for error in original(self, *args, **kwargs):
                _stamp(error, where, suffix)
                yield error
        except Exception as exc:
            _stamp(exc, where, ())
            raise

    return type(f"Located{cls.__name__}", (cls,), {"__call__": __call__})


def covet_validator(
    base: type[SpecValidator],
    replacements: Mapping[str, type[keywords.KeywordValidator]] | None = None,
) -> type[SpecValidator]:
    """``base`` with located keyword validators, some of them replaced."""
    classes = {**base.keyword_validators, **(replacements or {})}
    located = {name: _located(cls) for name, cls in classes.items()}
    return type(f"Covet{base.__name__}", (base,), {"keyword_validators": located})


_VALIDATORS: dict[str, type[SpecValidator]] = {
    "3.0": covet_validator(OpenAPIV30SpecValidator),
    "3.1": covet_validator(OpenAPIV31SpecValidator, {"schema": FastMetaCheckV31SchemaValidator}),
    "3.2": covet_validator(OpenAPIV32SpecValidator, {"schema": FastMetaCheckV32SchemaValidator}),
}
