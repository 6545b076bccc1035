"""prometheus-client's multiprocess mode for ``covet run --workers N``.

Each worker writes its series to files in ``PROMETHEUS_MULTIPROC_DIR``; a scrape answered by
any worker sums them (counters and histograms over every worker that ever ran, gauges of
requests in flight and pool connections over the live ones). The directory must be empty when
the server starts and shared by every worker: :func:`worker_metrics_directory` makes a fresh
one before the workers start and removes it when the server stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ENV", "mark_dead", "multiprocess_dir", "worker_metrics_directory"]

ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode when this process runs in it (set before start)."""
    return os.environ.get(ENV) or None


@contextmanager
def worker_metrics_directory() -> Iterator[str]:
    """A fresh, private directory in ``PROMETHEUS_MULTIPROC_DIR`` while the server runs.

    NOTE: set before anything imports prometheus-client (it picks its mode at import) and
    before the workers start (they inherit the environment). A directory the environment
    already names is used as it is and kept: whoever set it owns it (and must empty it).
    """
    given = multiprocess_dir()
    if given is not None:
        yield given
        return
    directory = tempfile.mkdtemp(prefix="covet-metrics-")
    os.environ[ENV] = directory
    try:
        yield directory
    finally:
        os.environ.pop(ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def mark_dead(directory: str, pid: int | None = None) -> None:
    """Drop the live gauges of ``pid`` (this process by default): it serves no more."""
    from prometheus_client import multiprocess

    # NOTE: prometheus-client leaves this function unannotated
    multiprocess.mark_process_dead(  # type: ignore[no-untyped-call]
        os.getpid() if pid is None else pid, directory
    )
