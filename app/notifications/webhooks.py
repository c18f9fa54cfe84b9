"""Webhooks per the Standard Webhooks specification: secrets, signatures, the target check, the POST.

Signing uses the ``standardwebhooks`` reference library: the signed content is ``{id}.{timestamp}.{body}``,
HMAC-SHA256 under the base64-decoded part of the ``whsec_`` secret, sent as ``webhook-signature: v1,<base64>``
with ``webhook-id`` (the delivery's stable id: every retry reuses it, receivers deduplicate on it) and
``webhook-timestamp`` (seconds, the time of this attempt).

Targets on private, loopback, link-local or otherwise non-public addresses are refused unless
``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` is true (docs/DECISIONS.md): checked at registration AND at every delivery,
on the addresses the host resolves to *then*, and the connection goes to the very address that was checked,
so a DNS answer that changes between check and connect (rebinding) cannot reach the inside network.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import secrets
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's secret prefix, not a secret
USER_AGENT = "DueProcess-Webhooks/1"


class TargetRefused(Exception):
    """The URL is not one we may send to (code in ``args[0]``)."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: datetime, body: bytes) -> str:
    return Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=body)


def headers(secret: str, msg_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": sign(secret, msg_id, timestamp, body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the resolved address that was checked and that the connection must use


def check_url(url: str) -> tuple[str, str, int, str]:
    """Syntax only: (scheme, host, port, path) of an http(s) URL without credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("webhook_url_invalid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise TargetRefused("webhook_url_invalid")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the host now and refuse non-public addresses (unless allowed). Raises TargetRefused."""
    scheme, host, port, path = check_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused("webhook_host_unresolvable") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused("webhook_host_unresolvable")
    # Every address must be public: a host answering one public and one private address could be steered.
    if not allow_private and not all(_public(a) for a in addresses):
        raise TargetRefused("webhook_target_private")
    return Target(scheme, host, port, path, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, with SNI and certificate verification for the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(target: Target, body: bytes, hdrs: dict[str, str], timeout: float) -> int:
    """POST once; the HTTP status code. Redirects are not followed (a redirect could leave the checked host)."""
    conn: http.client.HTTPConnection = (_PinnedHTTPS(target, timeout) if target.scheme == "https"
                                        else _PinnedHTTP(target, timeout))
    try:
        conn.request("POST", target.path, body=body, headers=hdrs)
        resp = conn.getresponse()
        resp.read(65536)
        return resp.status
    finally:
        conn.close()
