"""Who the client is: the peer, unless a trusted proxy forwarded the request."""

from __future__ import annotations

import ipaddress

import pytest

from covet.limits._client import ClientResolver

PROXIES = ClientResolver([ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1")])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() -> None:
    resolver = ClientResolver([])
    assert resolver("203.0.113.9", {"x-forwarded-for": "1.1.1.1"}) == "203.0.113.9"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert PROXIES("203.0.113.9", {"x-forwarded-for": "1.1.1.1"}) == "203.0.113.9"
    assert PROXIES("203.0.113.9", {"forwarded": "for=1.1.1.1"}) == "203.0.113.9"


def test_x_forwarded_for_is_walked_right_to_left_past_trusted_proxies() -> None:
    headers = {"x-forwarded-for": "6.6.6.6, 198.51.100.4, 10.1.1.1"}
    # 6.6.6.6 is what the client itself claimed; 198.51.100.4 is who reached our first proxy.
    assert PROXIES("10.0.0.2", headers) == "198.51.100.4"


def test_forwarded_wins_over_x_forwarded_for_and_ports_and_brackets_are_stripped() -> None:
    headers = {"forwarded": 'for="[2001:db8::7]:4711";proto=https, for=10.0.0.9',
               "x-forwarded-for": "198.51.100.4"}
    assert PROXIES("::1", headers) == "2001:db8::7"
    assert PROXIES("10.0.0.1", {"x-forwarded-for": "192.0.2.1:5555"}) == "192.0.2.1"


def test_only_proxies_in_the_chain_gives_the_leftmost() -> None:
    assert PROXIES("10.0.0.2", {"x-forwarded-for": "10.0.0.5, 10.0.0.3"}) == "10.0.0.5"


def test_a_trusted_peer_without_headers_is_the_client() -> None:
    assert PROXIES("10.0.0.2", {}) == "10.0.0.2"


def test_an_ipv4_mapped_peer_counts_as_its_ipv4_address() -> None:
    assert PROXIES("::ffff:10.0.0.2", {"x-forwarded-for": "198.51.100.4"}) == "198.51.100.4"


@pytest.mark.parametrize("hop", ["unknown", "_hidden"])
def test_an_obfuscated_hop_named_by_a_trusted_proxy_is_the_client(hop: str) -> None:
    assert PROXIES("10.0.0.2", {"forwarded": f"for={hop}"}) == hop


def test_no_socket_peer() -> None:
    assert PROXIES(None, {}) == "unknown"
