"""What every command shares."""

from __future__ import annotations

import argparse

__all__ = ["DEFAULT_CONFIG", "add_config_argument"]

DEFAULT_CONFIG = "specs/covet.yaml"


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", default=DEFAULT_CONFIG, help=f"covet.yaml (default: {DEFAULT_CONFIG})"
    )
