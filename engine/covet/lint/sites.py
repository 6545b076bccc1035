"""Every operation of a document, found one by one so that a broken one does not hide the rest.

``compile_operations`` is all or nothing, as a server must be. The linter walks ``paths``
itself and compiles each operation on its own, with the compiler's own per-operation step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from covet.lint.collector import Collector
from covet.media import CodecRegistry
from covet.spec import SpecDocument
from covet.spec.compiler import (  # NOTE: the private two are compile_operations' own steps
    HTTP_METHODS,
    Operation,
    check_path_template,
    compile_operation,
    escape_pointer,
)
from covet.validation import SchemaCompiler

__all__ = ["OperationSite", "compile_site", "iter_sites"]


@dataclass(frozen=True, slots=True)
class OperationSite:
    """One (template, method) of ``paths`` with its path item and operation, dereferenced."""

    template: str
    method: str
    path_item: Mapping[str, Any]
    item_file: str
    item_pointer: str
    op: Mapping[str, Any]
    file: str
    pointer: str

    @property
    def label(self) -> str:
        operation_id = self.op.get("operationId")
        return str(operation_id) if operation_id else f"{self.method.upper()} {self.template}"


def iter_sites(doc: SpecDocument, out: Collector, *, trusted: bool) -> Iterator[OperationSite]:
    """Each operation under ``paths``; a path or operation that cannot be read is a finding."""
    paths = doc.root.get("paths")
    if not isinstance(paths, Mapping):
        return
    for template, item in paths.items():
        template = str(template)
        if template.startswith("x-"):
            continue
        found: tuple[Any, str, str] | None = None
        pointer = "/paths/" + escape_pointer(template)
        with out.guard(doc, trusted=trusted):
            check_path_template(template, doc.path, pointer)
            found = doc.deref(item, doc.path, pointer)
        if found is None or not isinstance(found[0], Mapping):
            continue
        for method in HTTP_METHODS:
            if method in found[0]:
                site = None
                with out.guard(doc, trusted=trusted):
                    site = _site(doc, template, method, *found)
                if site is not None:
                    yield site


def _site(
    doc: SpecDocument,
    template: str,
    method: str,
    path_item: Mapping[str, Any],
    item_file: str,
    item_pointer: str,
) -> OperationSite | None:
    op, file, pointer = doc.deref(path_item[method], item_file, f"{item_pointer}/{method}")
    if not isinstance(op, Mapping):
        return None
    return OperationSite(template, method, path_item, item_file, item_pointer, op, file, pointer)


def compile_site(
    doc: SpecDocument, compiler: SchemaCompiler, site: OperationSite, prefix: str,
    codecs: CodecRegistry | None = None,
) -> Operation:
    """The compiled operation, exactly as the app would compile it.

    Raises:
        SpecError: what the app would refuse to start with.
    """
    return compile_operation(
        doc, compiler, site.template, prefix, site.method, site.path_item, site.item_file,
        site.item_pointer, codecs=codecs,
    )
