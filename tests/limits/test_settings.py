"""``rate_limits:`` in covet.yaml: defaults, accepted forms, and located errors at load."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from covet.config import CovetConfig, config_from_mapping
from covet.errors import ConfigError
from covet.limits.policy import Rate


def load(**rate_limits: Any) -> CovetConfig:
    return config_from_mapping({"apis": [], "rate_limits": rate_limits}, base_dir=Path.cwd())


def test_defaults_limit_nothing() -> None:
    settings = load().rate_limits
    assert settings.default is None
    assert settings.key == ("ip", "operation")
    assert settings.storage == "memory://"
    assert settings.timeout == 0.05
    assert settings.on_error == "open"
    assert settings.trusted_proxies == ()


def test_everything_set() -> None:
    settings = load(
        default="10/second, 1000/hour", key="user, operation", storage="redis://127.0.0.1:6379/2",
        timeout="20ms", on_error="closed", trusted_proxies=["10.0.0.0/8", "::1", "192.0.2.7"],
    ).rate_limits
    assert settings.default == (Rate(10, 1), Rate(1000, 3600))
    assert settings.key == ("user", "operation")
    assert settings.timeout == pytest.approx(0.02)
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1"),
        ipaddress.ip_network("192.0.2.7/32"),
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"default": "100/fortnight"}, "rate_limits.default: .*'100/fortnight' is not a rate limit"),
        ({"key": ["ip", "country"]}, "rate_limits.key"),
        ({"key": []}, "at least one of ip, user, operation"),
        ({"storage": "memcached://x"}, "not a rate-limit store"),
        ({"trusted_proxies": ["10.0.0.300"]}, "not an IP address or network"),
        ({"timeout": "soon"}, "not a duration"),
        ({"on_error": "maybe"}, "rate_limits.on_error"),
        ({"window": "1m"}, "unknown key 'rate_limits.window'"),
    ],
)
def test_bad_values_are_config_errors(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(**settings)
