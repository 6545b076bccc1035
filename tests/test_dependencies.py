"""CovetPy depends on no other web framework, not even transitively."""

from __future__ import annotations

import re
from importlib import metadata

FORBIDDEN = {
    "starlette", "fastapi", "flask", "django", "litestar", "connexion", "sanic", "quart", "aiohttp",
    "werkzeug",  # schemathesis (dev only) brings it: it must never reach the runtime install
}


def _requirements(distribution: str) -> set[str]:
    names = set()
    for requirement in metadata.requires(distribution) or []:
        if "extra ==" in requirement:
            continue
        match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
        if match:
            names.add(match.group(0).lower().replace("_", "-"))
    return names


def test_no_web_framework_in_the_runtime_dependency_tree() -> None:
    seen: set[str] = set()
    pending = ["covetpy"]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            pending.extend(_requirements(name))
        except metadata.PackageNotFoundError:
            continue
    assert "uvicorn" in seen and "jsonschema-rs" in seen
    assert not seen & FORBIDDEN, seen & FORBIDDEN
