"""``covet run``'s serving policy: the startup heap is frozen once startup is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from covet.cli.run import app_factory, freeze_startup_heap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite keeps a collectable heap


async def test_freezing_moves_the_live_heap_out_of_the_collectors_reach(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    await freeze_startup_heap()
    assert gc.get_freeze_count() > 1000  # modules, functions, this suite's objects...


def test_each_worker_app_freezes_its_heap_after_every_other_startup_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COVET_CONFIG", str(ROOT / "specs" / "covet.yaml"))
    app = app_factory()
    assert app.on_startup[-1] is freeze_startup_heap


def test_a_single_worker_app_freezes_its_heap_after_every_other_startup_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from covet.cli import main

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    assert main(["run", "--config", str(ROOT / "specs" / "covet.yaml"), "--reload"]) == 0
    (app,) = served
    assert app.on_startup[-1] is freeze_startup_heap  # after the reloader's start
