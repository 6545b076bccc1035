"""The covet.yaml example of docs/rate-limits.md loads, and means what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from covet.config import config_from_mapping
from covet.limits.policy import UNLIMITED, Rate, parse_policy

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rate-limits.md"


def test_the_example_config_loads() -> None:
    block = re.search(r"```yaml\n(.*?)```", PAGE.read_text(), re.DOTALL)
    assert block is not None
    raw = yaml.safe_load(block.group(1))
    config = config_from_mapping({"apis": [], **raw}, base_dir=PAGE.parent)
    assert config.rate_limits.default == (Rate(100, 60),)
    assert config.rate_limits.on_error == "open"
    policies = {op: parse_policy(c.rate_limit) for op, c in config.operations.items()}
    assert policies == {
        "login": (Rate(5, 60),),
        "search": (Rate(10, 1), Rate(1000, 3600)),
        "health": UNLIMITED,
    }
