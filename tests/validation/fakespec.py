"""A tiny in-memory SpecDocument (our own data structure, not a backend) for these tests."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from covet.errors import RefResolutionError

ROOT = "/specs/api.yaml"


class FakeSpec:
    """The SpecDocument interface over a dict of parsed files (path -> content)."""

    def __init__(self, files: Mapping[str, Any], *, dialect: str = "3.1", path: str = ROOT) -> None:
        self.path = path
        self.files = dict(files)
        self.root = self.files[path]
        self.dialect = dialect

    def resolve(self, ref: str, base: str) -> tuple[Any, str, str]:
        file_part, _, pointer = ref.partition("#")
        target = base
        if file_part:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(base), file_part))
        if target not in self.files:
            raise RefResolutionError(f"no file {target!r} for $ref {ref!r}")
        node = self.files[target]
        for raw in pointer.split("/")[1:] if pointer else ():
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise RefResolutionError(f"$ref {ref!r} points at nothing")
        return node, target, pointer


def spec_with(
    schemas: Mapping[str, Any] | None = None,
    *,
    dialect: str = "3.1",
    extra_files: Mapping[str, Any] | None = None,
) -> FakeSpec:
    """A root document with ``components.schemas`` (plus other files, keyed by absolute path)."""
    root = {"openapi": "3.1.0" if dialect == "3.1" else "3.0.3", "paths": {},
            "components": {"schemas": dict(schemas or {})}}
    return FakeSpec({ROOT: root, **(extra_files or {})}, dialect=dialect)
