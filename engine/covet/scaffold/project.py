"""``covet new``: a runnable starter project, rendered from the package's template files.

The templates live in ``covet/scaffold/templates/project/`` (package data) and are rendered with
:class:`string.Template`: ``$name`` is the project name, ``$package`` its Python package. In the
file tree a folder named ``package`` becomes the package, ``dot-x`` becomes ``.x``, and the
``.tmpl`` suffix is dropped.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from covet.errors import UsageError

__all__ = ["NAME_RULE", "NewProject", "create_project", "package_name"]

NAME_RULE = "letters, digits, '-' and '_', starting with a letter, at most 64 characters"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")
_RESERVED = {"covet": "is CovetPy itself", "tests": "is the name of the tests folder"}


@dataclass(frozen=True, slots=True)
class NewProject:
    """A project :func:`create_project` wrote: its names, folder and files."""

    name: str
    package: str
    root: Path
    files: tuple[Path, ...]


def package_name(name: str) -> str:
    """The Python package of a project: ``todo-api`` -> ``todo_api``.

    Raises:
        UsageError: ``name`` breaks the rule (:data:`NAME_RULE`), or its package would be a
            keyword or shadow a module the project imports (the stdlib, covet, an installed one).
    """
    if not _NAME.match(name):
        raise UsageError(f"{name!r} is not a valid project name: use {NAME_RULE} (e.g. todo-api)")
    package = name.replace("-", "_").lower()
    clash = _clash(package)
    if clash is not None:
        raise UsageError(
            f"the project name {name!r} gives the Python package {package!r}, which {clash}; "
            f"choose another name (e.g. {name}-api)"
        )
    return package


def create_project(name: str, directory: str | os.PathLike[str] | None = None) -> NewProject:
    """Write a runnable todo-list API project: spec, covet.yaml, handlers, tests, Makefile.

    Args:
        name: the project name (:data:`NAME_RULE`).
        directory: the project folder (default ``./NAME``); it must not exist or be empty.

    Raises:
        UsageError: a bad name, or a folder that exists and is not empty (nothing is written).

    Example:
        >>> create_project("todo").files  # doctest: +SKIP
        (PosixPath('todo/.gitignore'), PosixPath('todo/Makefile'), ...)
    """
    package = package_name(name)
    root = Path(directory) if directory is not None else Path(name)
    _check_target(root)
    values = {"name": name, "package": package}
    rendered = sorted(
        (root / _target(parts, package), _render(template, values)) for parts, template in _templates()
    )
    for path, text in rendered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return NewProject(name, package, root, tuple(path for path, _ in rendered))


def _clash(package: str) -> str | None:
    if keyword.iskeyword(package):
        return "is a Python keyword"
    if package in _RESERVED:
        return _RESERVED[package]
    if package in sys.stdlib_module_names:
        return "would shadow the standard library module of that name"
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is not None and spec.origin is not None:
        return f"would shadow the installed module {package} ({spec.origin})"
    return None


def _check_target(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder; choose another name or --dir")
    if root.is_dir() and any(root.iterdir()):
        raise UsageError(
            f"refusing to write into {root}: it exists and is not empty; choose another name or "
            "--dir, or remove that folder first"
        )


def _templates() -> Iterator[tuple[tuple[str, ...], Traversable]]:
    """(path parts under templates/project, file) of every template, sorted."""
    base = resources.files("covet.scaffold").joinpath("templates", "project")
    yield from _walk(base, ())


def _walk(folder: Traversable, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            yield from _walk(entry, (*parts, entry.name))
        elif entry.name.endswith(".tmpl"):
            yield (*parts, entry.name), entry


def _target(parts: tuple[str, ...], package: str) -> Path:
    names = [package if part == "package" else part for part in parts[:-1]]
    file = parts[-1].removesuffix(".tmpl")
    return Path(*names, "." + file.removeprefix("dot-") if file.startswith("dot-") else file)


def _render(template: Traversable, values: dict[str, str]) -> str:
    try:
        return Template(template.read_text(encoding="utf-8")).substitute(values)
    except (KeyError, ValueError) as exc:  # a broken template is a CovetPy bug, not the user's
        raise RuntimeError(f"scaffold template {template.name} does not render: {exc}") from exc
