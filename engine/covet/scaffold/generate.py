"""``covet generate handlers``: typed stubs for a spec, printed, written, or synced into a file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from covet.errors import UsageError
from covet.scaffold.render import render_module
from covet.scaffold.stubs import plan_stubs
from covet.scaffold.sync import sync_module
from covet.spec import load_spec

__all__ = ["GeneratedHandlers", "generate_handlers"]


@dataclass(frozen=True, slots=True)
class GeneratedHandlers:
    """What :func:`generate_handlers` produced.

    Attributes:
        text: the whole module (the new one, or the existing one with the stubs appended).
        out: the file written or synced, or None when nothing was written.
        added: functions added (every stub, for a new module).
        kept: handlers the existing module already had; they were not touched.
        warnings: operations left out, each with what to change in the spec.
    """

    text: str
    out: Path | None
    added: tuple[str, ...]
    kept: tuple[str, ...]
    warnings: tuple[str, ...]


def generate_handlers(
    spec: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *, sync: bool = False
) -> GeneratedHandlers:
    """Typed handler stubs for every operation of ``spec``.

    Args:
        spec: the OpenAPI document.
        out: the module to write; None only renders it. An existing ``out`` needs ``sync``.
        sync: add to an existing ``out`` only the handlers it is missing; nothing in it changes.

    Raises:
        SpecError: the spec does not load or compile.
        UsageError: ``out`` exists and ``sync`` is false, ``sync`` without ``out``, or ``out``
            is not valid Python.

    Example:
        >>> generate_handlers("openapi.yaml", "myapi/handlers.py", sync=True)  # doctest: +SKIP
        GeneratedHandlers(..., added=('complete_todo',), kept=('list_todos', ...), ...)
    """
    plan = plan_stubs(load_spec(spec))
    names = tuple(stub.name for stub in plan.stubs)
    if out is None:
        if sync:
            raise UsageError("--sync needs --out FILE: it adds the missing handlers to that file")
        return GeneratedHandlers(render_module(plan, source=str(spec)), None, names, (), plan.warnings)
    path = Path(out)
    if path.exists():
        if not sync:
            raise UsageError(
                f"{path} already exists; add --sync to append only the handlers it is missing "
                "(functions already in it are never changed), or choose another --out"
            )
        result = sync_module(path.read_text(encoding="utf-8"), plan, filename=str(path))
        if result.added:
            path.write_text(result.text, encoding="utf-8")
        return GeneratedHandlers(result.text, path, result.added, result.kept, plan.warnings)
    text = render_module(plan, source=f"{spec} --out {out}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return GeneratedHandlers(text, path, names, (), plan.warnings)
