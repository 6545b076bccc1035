"""mount_servers: where this app serves the api comes first; other deployments stay listed."""

from __future__ import annotations

import pytest

from covet.docs.servers import is_absolute_url, mount_servers


@pytest.mark.parametrize(("prefix", "url"), [("", "/"), ("/v1", "/v1")])
def test_document_without_servers_gets_the_mount(prefix: str, url: str) -> None:
    assert mount_servers(None, prefix) == [{"url": url}]


def test_relative_servers_collapse_into_the_mount_keeping_the_first_description() -> None:
    servers = [
        {"url": "/openapi", "description": "Local"},
        {"url": "/{version}", "variables": {"version": {"default": "v1"}}},
    ]
    assert mount_servers(servers, "/v2") == [{"url": "/v2", "description": "Local"}]


def test_first_relative_server_without_description_leaves_the_mount_undescribed() -> None:
    servers = [{"url": "/"}, {"url": "/other", "description": "Ignored"}]
    assert mount_servers(servers, "") == [{"url": "/"}]


def test_absolute_servers_are_kept_after_the_mount_in_order() -> None:
    servers = [
        {"url": "https://api.example.com", "description": "Production"},
        {"url": "{scheme}://staging.example.com", "variables": {"scheme": {"default": "https"}}},
        {"url": "/"},
    ]
    assert mount_servers(servers, "/v1") == [{"url": "/v1"}, *servers[:2]]


def test_kept_servers_are_copies() -> None:
    servers = [{"url": "https://api.example.com", "variables": {"x": {"default": "1"}}}]
    mount_servers(servers, "")[1]["variables"]["x"]["default"] = "changed"
    assert servers[0]["variables"]["x"]["default"] == "1"


def test_malformed_entries_are_skipped() -> None:
    assert mount_servers([{"description": "no url"}, "nonsense", {"url": 3}], "/v1") == [
        {"url": "/v1"}
    ]
    assert mount_servers({"url": "/"}, "/v1") == [{"url": "/v1"}]


@pytest.mark.parametrize(
    ("url", "absolute"),
    [
        ("https://api.example.com/v1", True),
        ("//cdn.example.com", True),
        ("{scheme}://host", True),
        ("urn:x", True),
        ("/", False),
        ("/v1", False),
        ("v1/api", False),
        ("", False),
    ],
)
def test_absolute_url_has_a_scheme_or_host(url: str, absolute: bool) -> None:
    assert is_absolute_url(url) is absolute
