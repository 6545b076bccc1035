"""Spec validation in a short-lived child process, so a server never loads the validator.

openapi-spec-validator and its dependencies stay resident once imported (about 8 MB and 150
modules per process). A server only needs the verdict, so ``isolated`` validation runs the same
``load_spec(..., validate=True)`` in a child interpreter and re-raises its error here, located
as it would have been inline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from covet.errors import CovetError, RefResolutionError, SpecError, UnsupportedSpecError

__all__ = ["validate_isolated"]

_ERRORS: dict[str, type[SpecError]] = {
    cls.__name__: cls for cls in (SpecError, UnsupportedSpecError, RefResolutionError)
}
_TIMEOUT_S = 300


def validate_isolated(path: str) -> dict[str, str]:
    """Validate the spec at ``path`` in a child process.

    Returns:
        The SHA-256 of every file the child validated (``SpecDocument.digests``), so that a
        caller can tell whether those are the bytes it loaded itself.

    Raises:
        SpecError: what ``load_spec(path, validate=True)`` would raise, file/line/pointer kept.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "covet.spec._isolated", path],
            capture_output=True, text=True, timeout=_TIMEOUT_S, env=env, check=False,
        )
    except subprocess.TimeoutExpired:
        raise SpecError(f"spec validation took longer than {_TIMEOUT_S} s", file=path) from None
    if result.returncode == 0:
        return _digests(result.stdout)
    try:
        error = json.loads(result.stdout)
    except ValueError:
        raise SpecError(
            f"the spec validation process failed: {result.stderr.strip()[-800:]}", file=path
        ) from None
    raise _ERRORS.get(error["type"], SpecError)(
        error["message"], file=error["file"], pointer=error["pointer"], line=error["line"]
    )


def _digests(output: str) -> dict[str, str]:
    try:
        digests = json.loads(output.strip().splitlines()[-1])["digests"]
    except (ValueError, KeyError, TypeError, IndexError):
        return {}
    return digests if isinstance(digests, dict) else {}


def _main(path: str) -> int:
    from covet.spec.loader import load_spec

    try:
        doc = load_spec(path, validate=True)
    except CovetError as exc:
        found = exc if isinstance(exc, SpecError) else SpecError(str(exc), file=path)
        name = next((c.__name__ for c in type(found).__mro__ if c.__name__ in _ERRORS), "SpecError")
        print(json.dumps({"type": name, "message": found.message, "file": found.file,
                          "pointer": found.pointer, "line": found.line}))
        return 1
    print(json.dumps({"digests": dict(doc.digests)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1]))
