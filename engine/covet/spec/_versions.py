"""Which OpenAPI versions are served, and with which rules.

- ``openapi: 3.0.x`` -> dialect ``"3.0"``; ``3.1.x`` -> ``"3.1"`` (any patch, any pre-release).
- ``openapi: 3.2.x`` -> validated against the 3.2 schema, served with the ``"3.1"`` rules (its
  Schema Object is the same JSON Schema 2020-12 dialect). Its new operation kinds, the
  ``query`` method and ``additionalOperations``, are refused rather than silently dropped.
- ``swagger: "2.0"``, any other ``openapi`` version -> :class:`UnsupportedSpecError`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from covet.errors import SpecError, UnsupportedSpecError
from covet.spec._files import line_finder
from covet.spec._pointer import child_pointer, split_pointer

if TYPE_CHECKING:
    from covet.spec.loader import SpecDocument

__all__ = ["check_served_features", "detect_version"]

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.\-]+)?$")
_DIALECTS = {"3.0": "3.0", "3.1": "3.1", "3.2": "3.1"}
_SWAGGER = (
    "Swagger 2.0 is not supported; convert it to OpenAPI 3 "
    "(e.g. with swagger2openapi: npx swagger2openapi swagger.yaml -o openapi.yaml) "
    "and load the converted document"
)
_NEW_IN_3_2 = ("query", "additionalOperations")


def detect_version(root: Any, path: str) -> tuple[str, str]:
    """``(version, dialect)`` of a parsed root document.

    Raises:
        SpecError: the top level is not a mapping, or has no usable ``openapi`` field.
        UnsupportedSpecError: Swagger 2.0, or an OpenAPI version CovetPy does not serve.
    """
    if not isinstance(root, dict):
        kind = "empty" if root is None else f"a {type(root).__name__}"
        raise SpecError(
            f"not an OpenAPI document: the top level is {kind}, "
            "but must be a mapping with an 'openapi' field",
            file=path,
            pointer="",
        )
    if "openapi" not in root:
        raise _without_openapi(root, path)
    return _served(root["openapi"], path)


def _without_openapi(root: dict[str, Any], path: str) -> SpecError:
    if "swagger" in root:
        return UnsupportedSpecError(_SWAGGER, **_where(path, "/swagger"))
    keys = ", ".join(list(root)[:8]) or "none"
    return SpecError(
        f"not an OpenAPI document: no 'openapi' field at the top level (keys: {keys}); "
        "add e.g. openapi: 3.1.0",
        file=path,
        pointer="",
    )


def _served(version: Any, path: str) -> tuple[str, str]:
    if not isinstance(version, str):
        raise SpecError(
            f"'openapi' must be a string such as \"3.1.0\", not the {type(version).__name__} "
            f"{version!r}; quote it",
            **_where(path, "/openapi"),
        )
    match = _VERSION.match(version)
    if match is None:
        raise SpecError(
            f"'openapi: {version}' is not a version CovetPy can read; "
            "write major.minor.patch, e.g. 3.1.0",
            **_where(path, "/openapi"),
        )
    minor = f"{match[1]}.{match[2]}"
    if minor not in _DIALECTS:
        raise UnsupportedSpecError(
            f"OpenAPI {version} is not supported; CovetPy serves OpenAPI 3.0.x and 3.1.x "
            "(and 3.2.x with 3.1 rules)",
            **_where(path, "/openapi"),
        )
    return version, _DIALECTS[minor]


def _where(path: str, pointer: str) -> dict[str, Any]:
    finder = line_finder(path)
    line = None if finder is None else finder.line_of(split_pointer(pointer))
    return {"file": path, "pointer": pointer, "line": line}


def check_served_features(doc: SpecDocument) -> None:
    """Refuse the 3.2 operation kinds that 3.1 rules cannot serve.

    Raises:
        UnsupportedSpecError: a path item uses ``query`` or ``additionalOperations``.
    """
    if not doc.version.startswith("3.2."):
        return
    for section in ("paths", "webhooks"):
        items = doc.root.get(section)
        if isinstance(items, dict):
            _check_path_items(doc, items, f"/{section}")


def _check_path_items(doc: SpecDocument, items: dict[str, Any], pointer: str) -> None:
    for name, item in items.items():
        node, file, at = doc.deref(item, doc.path, child_pointer(pointer, name))
        if not isinstance(node, dict):
            continue
        for key in _NEW_IN_3_2:
            if key in node:
                raise UnsupportedSpecError(
                    f"unsupported: OpenAPI 3.2 '{key}' operations are not served yet "
                    "(3.2 documents are served with the 3.1 rules); remove them or move "
                    "them to a standard method",
                    file=file,
                    pointer=child_pointer(at, key),
                    line=doc.line_of(file, child_pointer(at, key)),
                )
