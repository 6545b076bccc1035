"""Handler checks: every operation bound to an importable function whose signature fits.

The same ``resolve_handler`` and ``bind_handler`` the app uses at startup, so a clean
``covet validate`` means the app binds. Each handlers module is imported once; one that fails
to import is reported once, not once per operation.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection
from typing import Any

from covet.binding import Binding, bind_operation, resolve_handler
from covet.errors import BindingError
from covet.lint.collector import Collector
from covet.spec import SpecDocument
from covet.spec.compiler import Operation

__all__ = ["HandlerChecker"]


class HandlerChecker:
    """Checks operations against their handlers, importing each module at most once.

    Args:
        providers: the provider names a handler may take (``db``, ``cache``...).
    """

    def __init__(self, providers: Collection[str] = ()) -> None:
        self.providers = frozenset(providers)
        self._broken: set[str] = set()
        self._imported: set[str] = set()

    def import_module(
        self, module: str, out: Collector, *, file: str | None = None, pointer: str | None = None,
        line: int | None = None,
    ) -> bool:
        """Import ``module`` (once); a failure is one ``handler-import-failed`` finding."""
        if module in self._imported:
            return True
        if module in self._broken:
            return False
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - user code: anything can happen at import
            self._broken.add(module)
            out.add(
                "handler-import-failed",
                f"cannot import handlers module {module!r}: {type(exc).__name__}: {exc}; run "
                f"python -c 'import {module}' to see the traceback",
                file=file, pointer=pointer, line=line,
            )
            return False
        self._imported.add(module)
        return True

    def check(
        self,
        doc: SpecDocument,
        operation: Operation,
        module: str | None,
        override: str | None,
        out: Collector,
    ) -> None:
        """Record every binding problem of ``operation`` (bound as the app would bind it)."""
        explicit = override or operation.handler_ref
        if explicit and _module_of(explicit):
            where = {"file": operation.file, "pointer": operation.pointer}
            line = doc.line_of(operation.file, operation.pointer)
            if not self.import_module(_module_of(explicit), out, line=line, **where):
                return
        elif not operation.operation_id or module in self._broken:
            return  # NOTE: operation-id-missing / handler-import-failed already said why
        found = self._resolve(doc, operation, module, override, out)
        if found is None:
            return
        binding = self._bind(doc, operation, *found, out)
        if binding is not None:
            _check_reachable(doc, operation, binding, out)

    def _resolve(
        self,
        doc: SpecDocument,
        operation: Operation,
        module: str | None,
        override: str | None,
        out: Collector,
    ) -> tuple[Any, str] | None:
        try:
            return resolve_handler(operation, module, override)
        except BindingError as exc:
            out.add_error(exc, "handler-missing", doc=doc)
        return None

    def _bind(
        self, doc: SpecDocument, operation: Operation, handler: Any, qualname: str, out: Collector
    ) -> Binding | None:
        try:
            return bind_operation(operation, handler, qualname, providers=self.providers)
        except BindingError as exc:
            out.add_error(exc, "handler-param-unknown", doc=doc)
        except (TypeError, ValueError) as exc:  # inspect.signature on an odd callable
            out.add(
                "handler-param-unknown",
                f"handler {qualname}: its signature cannot be read ({exc}); use a plain function",
                file=operation.file, pointer=operation.pointer, doc=doc,
            )
        return None


def _module_of(ref: str) -> str:
    """``"pkg.mod:func"`` (or ``"pkg.mod.func"``) -> ``"pkg.mod"``, as import_object splits it."""
    module, sep, _ = ref.partition(":")
    return module if sep else ref.rpartition(".")[0]


def _check_reachable(
    doc: SpecDocument, operation: Operation, binding: Binding, out: Collector
) -> None:
    """A required spec parameter (or body) the handler can never receive."""
    if binding.accepts_all or binding.request_arg is not None:
        return
    missing = [
        (python, f"{location} parameter {name!r}")
        for python, location, name, required, _ in operation.parameters.specs
        if required and python in binding.drop
    ]
    body = operation.request_body
    if body is not None and body.required and binding.body_arg is None:
        missing.append(("body", "the required request body"))
    for python, what in missing:
        out.add(
            "handler-param-unreachable",
            f"handler {binding.qualname} does not take {what} of {operation.label!r}, which the "
            f"spec requires; add '{python}' to its signature (or **kwargs, or request)",
            file=operation.file, pointer=operation.pointer, doc=doc,
        )
