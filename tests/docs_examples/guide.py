"""Read a documentation page as a script: the commands of its console blocks and its edits.

In a ```console block, a line starting with ``$ `` is a command and the lines under it are its
expected output (empty: not checked). A command continues on the next line after a trailing
``\\``, and through the end of a ``<<'EOF'`` here-document. In a ```sh block every line is a
command. A fenced block right after one of these comments is a file change or check:

    <!-- edit: PATH | insert after: LINE -->     insert the block after the first such line
    <!-- edit: PATH | replace def: NAME -->      replace the top-level function NAME
    <!-- edit: PATH | append -->                 append the block (after two blank lines)
    <!-- check: PATH | contains -->              the file contains the block verbatim
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Command", "FileStep", "apply_file_step", "read_steps"]

_MARKER = re.compile(r"<!--\s*(edit|check):\s*(\S+)\s*\|\s*([a-z ]+?)\s*(?::\s*(.*?))?\s*-->")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")


@dataclass(frozen=True)
class Command:
    text: str
    want: str


@dataclass(frozen=True)
class FileStep:
    kind: str  # "edit" or "check"
    path: str
    action: str  # "insert after", "replace def", "append", "contains"
    argument: str
    text: str


def read_steps(markdown: str) -> list[Command | FileStep]:
    """The page's commands and file steps, in reading order."""
    steps: list[Command | FileStep] = []
    lines = markdown.splitlines()
    index = 0
    marker: re.Match[str] | None = None
    while index < len(lines):
        line = lines[index]
        if not line.startswith("```"):
            if line.strip():
                marker = _MARKER.fullmatch(line.strip())
            index += 1
            continue
        info = line[3:].strip()
        end = lines.index("```", index + 1)
        block = lines[index + 1 : end]
        if marker is not None:
            kind, path, action, argument = marker.groups()
            steps.append(FileStep(kind, path, action, argument or "", "\n".join(block) + "\n"))
        elif info == "console":
            steps.extend(_console(block))
        elif info == "sh":
            steps.extend(Command(text, "") for text in block if text.strip() and not text.startswith("#"))
        marker = None
        index = end + 1
    return steps


def _console(lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            raise ValueError(f"console output before any command: {lines[index]!r}")
        text = lines[index][2:]
        index += 1
        while text.endswith("\\") and index < len(lines):
            text, index = f"{text}\n{lines[index]}", index + 1
        heredoc = _HEREDOC.search(text)
        if heredoc is not None:
            end = lines.index(heredoc.group(1), index)
            text, index = "\n".join([text, *lines[index : end + 1]]), end + 1
        want: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            want.append(lines[index])
            index += 1
        commands.append(Command(text, "\n".join(want)))
    return commands


def apply_file_step(step: FileStep, cwd: Path) -> None:
    """Make the change a reader makes in an editor (or check what the page says is there)."""
    path = cwd / step.path
    source = path.read_text()
    if step.action == "contains":
        if step.text not in source:
            raise AssertionError(f"{step.path} does not contain what the page shows:\n{step.text}\n--- it has:\n{source}")
        return
    if step.action == "insert after":
        lines = source.splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.rstrip() == step.argument) + 1
        source = "".join([*lines[:at], step.text, *lines[at:]])
    elif step.action == "replace def":
        source = _replace_function(source, step.argument, step.text)
    elif step.action == "append":
        source = source.rstrip("\n") + "\n\n\n" + step.text
    else:
        raise ValueError(f"unknown edit {step.action!r}")
    path.write_text(source)


def _replace_function(source: str, name: str, text: str) -> str:
    tree = ast.parse(source)
    node = next(
        n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
    )
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    lines = source.splitlines(keepends=True)
    return "".join([*lines[:start], text, *lines[node.end_lineno or start :]])
