"""Where the shared specs corpus is (../shared/specs-corpus), for the tests that read it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ENV_VAR = "COVET_SPECS_CORPUS"
CORPUS_TIMINGS = pytest.StashKey[list[tuple[str, float, str]]]()
"""(root, seconds, verdict) per corpus document, printed by conftest.py."""


def corpus_dir() -> Path | None:
    """``$COVET_SPECS_CORPUS``, else the first ``shared/specs-corpus`` above this repo."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "specs-corpus"
        if (candidate / "manifest.json").is_file():
            return candidate
    return None


def require_corpus() -> Path:
    """The corpus folder; skips the test when it is absent, fails when ``CI=true``."""
    found = corpus_dir()
    if found is not None and (found / "manifest.json").is_file():
        return found
    reason = f"specs corpus not found (set {ENV_VAR} or check out ../shared/specs-corpus)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def manifest_documents() -> list[dict[str, Any]]:
    """The manifest's documents, or an empty list when the corpus is absent (collection time)."""
    found = corpus_dir()
    if found is None or not (found / "manifest.json").is_file():
        return []
    documents: list[dict[str, Any]] = json.loads((found / "manifest.json").read_text())["documents"]
    return documents
