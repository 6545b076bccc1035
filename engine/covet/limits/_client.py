"""Who the client is: the socket peer, or what trusted proxies say it was.

``Forwarded`` (RFC 7239) and ``X-Forwarded-For`` are believed only when the socket peer is one
of ``rate_limits.trusted_proxies``: anyone can send them. The list is read right to left (each
proxy appends the peer it saw), skipping addresses that are themselves trusted proxies; the
first one that is not is the client. ``Forwarded`` wins when both are present.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

__all__ = ["ClientResolver"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ClientResolver:
    """``resolver(peer, headers)`` -> the client's address as text.

    Args:
        trusted: the proxies whose forwarding headers are believed; empty: only the peer counts.
    """

    __slots__ = ("trusted",)

    def __init__(self, trusted: Sequence[Network]) -> None:
        self.trusted = tuple(trusted)

    def __call__(self, peer: str | None, headers: Mapping[str, str]) -> str:
        if peer is None:
            return "unknown"
        if not self.trusted or not self._is_trusted(_parse(peer)):
            return peer
        hops = _forwarded_for(headers)
        for hop in reversed(hops):
            address = _parse(hop)
            if address is None or not self._is_trusted(address):
                return str(address) if address is not None else hop
        # NOTE: every hop was a trusted proxy: the leftmost is the nearest to the client we know.
        return hops[0] if hops else peer

    def _is_trusted(self, address: _Address | None) -> bool:
        if address is None:
            return False
        return any(address in network for network in self.trusted)


def _forwarded_for(headers: Mapping[str, str]) -> list[str]:
    forwarded = headers.get("forwarded")
    if forwarded:
        hops = []
        for element in forwarded.split(","):
            for pair in element.split(";"):
                name, _, value = pair.strip().partition("=")
                if name.strip().lower() == "for" and value:
                    hops.append(_strip_node(value.strip().strip('"')))
        return hops
    xff = headers.get("x-forwarded-for")
    if xff:
        return [_strip_node(hop.strip()) for hop in xff.split(",") if hop.strip()]
    return []


def _strip_node(node: str) -> str:
    """``[2001:db8::1]:4711`` -> ``2001:db8::1``; ``192.0.2.1:80`` -> ``192.0.2.1``."""
    if node.startswith("["):
        return node[1:].partition("]")[0]
    if node.count(":") == 1:
        return node.partition(":")[0]
    return node


def _parse(text: str) -> _Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
