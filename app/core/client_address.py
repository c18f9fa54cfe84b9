"""The client's address: the one function every throttle, rate limit and audit record uses (docs/SECURITY.md,
"Client addresses behind a proxy").

``X-Forwarded-For`` is believed only when the TCP peer is a proxy listed in ``TRUSTED_PROXIES`` (CIDRs).
Anyone can send the header, so from any other peer it is ignored: otherwise a guesser would pick a fresh
"address" for every attempt and no per-address limit would hold. Behind a trusted proxy the header is read
right to left, skipping the hops that are themselves trusted proxies; the first untrusted hop is the client.
That is the address the last trusted proxy saw, which the client cannot forge (what it wrote to the left of
it is ignored). Without this, every user behind a proxy has the proxy's address, and 30 failed logins for
made-up accounts would throttle every user of the installation at once.

The middleware computes the address once per request and keeps it in ``scope["state"]["client_address"]``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
STATE_KEY = "client_address"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) from ``TRUSTED_PROXIES``; ``ValueError`` names the first bad one."""
    nets = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            nets.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {value!r} is not an IP address or CIDR") from None
    return tuple(nets)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51000"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen by a dual-stack socket is "::ffff:203.0.113.7"; compare and record it as IPv4.
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[Network, ...]) -> bool:
    return any(addr.version == net.version and addr in net for net in nets)


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The client's address from the TCP peer and every ``X-Forwarded-For`` header line (in order)."""
    if not peer:
        return UNKNOWN
    peer_ip = _ip(peer)
    if peer_ip is None:  # e.g. a Unix socket or the test client's "testclient": nothing to walk
        return peer
    if not trusted or not _trusted(peer_ip, trusted):
        return str(peer_ip)
    hops = [hop for line in forwarded_for for hop in line.split(",") if hop.strip()]
    current = peer_ip
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            # A trusted proxy wrote something that is not an address: stop at the last hop we can vouch for.
            return str(current)
        current = addr
        if not _trusted(addr, trusted):
            return str(addr)
    return str(current)  # every hop was a trusted proxy: the leftmost one is as far as we can see


def from_scope(scope: Mapping[str, Any], trusted: tuple[Network, ...]) -> str:
    """``client_address`` for an ASGI scope (the peer from ``scope["client"]``, the header from the request)."""
    client = scope.get("client")
    peer = client[0] if client else None
    lines = [v.decode("latin-1") for k, v in scope.get("headers") or () if k.lower() == b"x-forwarded-for"]
    return client_address(peer, lines, trusted)
