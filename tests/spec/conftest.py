"""Prints the corpus load times collected by test_corpus.py at the end of the run."""

from __future__ import annotations

import pytest

from .corpus import CORPUS_TIMINGS


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    timings = config.stash.get(CORPUS_TIMINGS, [])
    if not timings:
        return
    terminalreporter.section("specs corpus: load + validate time")
    for root, seconds, verdict in sorted(timings, key=lambda row: -row[1]):
        terminalreporter.write_line(f"{seconds:7.2f} s  {root}  {verdict}")
