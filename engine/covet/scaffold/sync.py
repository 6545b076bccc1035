"""Add the missing handler stubs to an existing module without touching anything in it.

The module is parsed with :mod:`ast`, never imported. A handler counts as present when the module
binds its name (or the exact ``operationId``) at top level in any way: ``def``, ``class``, an
assignment or an import. Missing stubs are appended at the end; the imports they need are added
after the module's last top-level import, reusing the names it already imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from covet.errors import UsageError
from covet.scaffold.pytypes import SYMBOL_IMPORTS
from covet.scaffold.render import choose_names, render_stub
from covet.scaffold.stubs import StubPlan

__all__ = ["SyncResult", "sync_module"]


@dataclass(frozen=True, slots=True)
class SyncResult:
    """The module's new source and which handlers were added or already there."""

    text: str
    added: tuple[str, ...]
    kept: tuple[str, ...]


def sync_module(source: str, plan: StubPlan, *, filename: str = "<module>") -> SyncResult:
    """Append to ``source`` the stubs of ``plan`` it does not define yet.

    Raises:
        UsageError: ``source`` is not valid Python (nothing is written then).
    """
    tree = _parse(source, filename)
    bound = set(_bound_names(tree.body))
    missing = [stub for stub in plan.stubs if not stub.aliases & bound]
    kept = tuple(stub.name for stub in plan.stubs if stub.aliases & bound)
    if not missing:
        return SyncResult(source, (), kept)
    needed = frozenset().union(*(stub.needs for stub in missing))
    bound |= {stub.name for stub in missing}
    names, imports = choose_names(needed, bound=bound, existing=_imported_symbols(tree))
    text = _insert_lines(source, _import_position(tree), imports)
    functions = "\n\n".join(render_stub(stub, names) for stub in missing)
    return SyncResult(_append(text, functions), tuple(stub.name for stub in missing), kept)


def _parse(source: str, filename: str) -> ast.Module:
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise UsageError(
            f"{filename}:{exc.lineno}: cannot add handlers to a module that does not parse "
            f"({exc.msg}); fix it and run again"
        ) from None


def _bound_names(body: list[ast.stmt]) -> Iterator[str]:
    """Every name a module binds at top level (also inside if/try/with blocks)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from (alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            yield from (n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        for block in ("body", "orelse", "finalbody", "handlers"):
            yield from _bound_names(getattr(node, block, []))


def _imported_symbols(tree: ast.Module) -> dict[str, str]:
    """The names under which the module already imports ``datetime``, ``uuid`` and ``Any``."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("datetime", "uuid"):
                    found.setdefault(alias.name, alias.asname or alias.name)
                elif alias.name == "typing":
                    found.setdefault("Any", f"{alias.asname or 'typing'}.Any")
        elif isinstance(node, ast.ImportFrom) and node.module == "typing" and node.level == 0:
            for alias in node.names:
                if alias.name == "Any":
                    found["Any"] = alias.asname or "Any"
    return {symbol: name for symbol, name in found.items() if symbol in SYMBOL_IMPORTS}


def _import_position(tree: ast.Module) -> tuple[int, bool]:
    """(0-based line, whether it follows an import): after the last top-level import, else
    after the module docstring, else the top of the file."""
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if imports:
        return imports[-1].end_lineno or 0, True
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first.end_lineno or 0, False
    return 0, False


def _insert_lines(source: str, position: tuple[int, bool], lines: list[str]) -> str:
    if not lines:
        return source
    index, after_import = position
    kept = source.splitlines(keepends=True)
    block = [line + "\n" for line in lines]
    if index > 0 and not after_import:
        block.insert(0, "\n")
    if not after_import and index < len(kept) and kept[index].strip():
        definition = kept[index].startswith(("def ", "async def ", "class ", "@"))
        block.append("\n\n" if definition else "\n")
    if index > 0 and not kept[index - 1].endswith("\n"):
        kept[index - 1] += "\n"
    return "".join(kept[:index] + block + kept[index:])


def _append(text: str, functions: str) -> str:
    """``text`` unchanged, then two blank lines, then the new functions."""
    if text and not text.endswith("\n"):
        text += "\n"
    trailing = len(text) - len(text.rstrip("\n"))
    separator = "\n" * max(0, 3 - trailing) if text.strip() else ""
    return text + separator + functions
