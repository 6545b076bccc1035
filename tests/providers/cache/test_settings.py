"""``providers.cache`` in covet.yaml: one cache or several by name, located errors, and no
password in any message."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.config import load_config
from covet.errors import ConfigError
from covet.providers.cache import CacheSettings, build_cache
from covet.providers.cache.settings import redact


def config_with(tmp_path: Path, providers: str) -> Path:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
    )
    path = tmp_path / "covet.yaml"
    path.write_text(f"apis: [{{spec: api.yaml}}]\nproviders:\n{providers}")
    return path


@pytest.mark.parametrize(
    ("providers", "expected"),
    [
        ("  cache: redis://127.0.0.1:6379/0\n", {"default": ("redis://127.0.0.1:6379/0",)}),
        ("  cache: {namespace: blog}\n", {"default": ("memory://",)}),
        ("  cache: {url: 'memcached://127.0.0.1:11211', default_ttl: 2m}\n",
         {"default": ("memcached://127.0.0.1:11211",)}),
        (("  cache:\n    default: {tiers: ['memory://', 'redis://h:6379/0']}\n"
          "    sessions: {url: 'memory://', max_bytes: 8MiB}\n"),
         {"default": ("memory://", "redis://h:6379/0"), "sessions": ("memory://",)}),
    ],
)
def test_one_cache_or_several_by_name(
    tmp_path: Path, providers: str, expected: dict[str, tuple[str, ...]]
) -> None:
    config = load_config(config_with(tmp_path, providers))
    assert {name: c.urls for name, c in config.providers.cache.items()} == expected


def test_durations_and_sizes_are_written_as_elsewhere() -> None:
    settings = CacheSettings.model_validate(
        {"default_ttl": "2m", "timeout": "50ms", "max_bytes": "8MiB"}
    )
    assert (settings.default_ttl, settings.timeout, settings.max_bytes) == (120, 0.05, 8 << 20)


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ("  cache: {url: 'ftp://h/'}\n", "is not a cache URL"),
        ("  cache: {tiers: ['memory://']}\n", "two or more tiers"),
        ("  cache: {url: 'memory://', tiers: ['memory://', 'memory://']}\n", "not both"),
        ("  cache: {namespace: 'has space'}\n", "a namespace is"),
        ("  cache: {url: 'memory://', ttl: 5}\n", "ttl"),
    ],
)
def test_mistakes_are_config_errors_at_their_key(
    tmp_path: Path, providers: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(config_with(tmp_path, providers))
    assert "providers" in str(raised.value) and "cache" in str(raised.value)


def test_a_password_never_reaches_a_message(tmp_path: Path) -> None:
    url = "redis://:s3cret-pass@cache.internal:6379/0"
    assert redact(url) == "redis://:***@cache.internal:6379/0"
    with pytest.raises(ConfigError, match="is not a cache URL") as raised:
        load_config(config_with(tmp_path, f"  cache: 'redix{url[5:]}'\n"))
    assert "s3cret" not in str(raised.value)
    cache = build_cache("default", CacheSettings(url=url))
    (tier,) = cache.tiers
    assert "s3cret" not in tier.where
