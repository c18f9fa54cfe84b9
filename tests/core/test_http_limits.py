"""Request heads are bounded by the server itself (uvicorn's h11 with ``HTTP_MAX_HEADER_BYTES``; app/serve.py).
A real server process, raw sockets: an 8 MB header and 100,000 header lines are refused, the server stays up.

Nothing is timed: every wait is for a condition, with a generous bound (the machine may be busy)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import serve
from tests.core.test_serve import _healthy, _serve, _until, free_port

GENEROUS = 120.0


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[int]:
    port = free_port()
    proc = _serve(database_url, "--port", str(port))
    try:
        _until(lambda: _healthy(port), "the first answer", proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=GENEROUS)


def _raw(port: int, head: bytes) -> bytes:
    """Send a request head (as much of it as the server reads) and return what the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=GENEROUS) as s:
        try:
            s.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed: what follows is its answer, if any
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    return data


def _status(answer: bytes) -> int | None:
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[0].startswith(b"HTTP/") else None


def test_an_8_mb_header_is_refused(server: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 * 1024 * 1024) + b"\r\n\r\n"
    answer = _raw(server, head)
    assert _status(answer) == 400  # h11: "Invalid HTTP request received.", then the connection is closed
    assert _healthy(server)


def test_100000_header_lines_are_refused(server: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)) + b"\r\n"
    answer = _raw(server, head)
    assert _status(answer) == 400
    assert _healthy(server)


def test_ordinary_headers_are_served(server: int) -> None:
    r = httpx.get(f"http://127.0.0.1:{server}/healthz", timeout=GENEROUS,
                  headers={"X-Pad": "p" * 8000, **{f"X-H{i}": "v" for i in range(50)}})
    assert r.status_code == 200


def test_the_server_configuration_uses_h11_with_the_cap() -> None:
    cfg: Any = serve.config("127.0.0.1", 0, 1, "warning", max_header_bytes=20_000, keep_alive_seconds=7)
    assert cfg.http == "h11"
    assert cfg.h11_max_incomplete_event_size == 20_000
    assert cfg.timeout_keep_alive == 7
    assert cfg.proxy_headers is False


def test_httptools_is_a_choice_behind_a_proxy_only() -> None:
    """HTTP_PARSER=httptools (no cap on request heads) is refused in production unless a proxy is declared."""
    from pydantic import ValidationError

    from app.core.config import Settings
    from tests.core.test_http import PROD_KEYS

    cfg: Any = serve.config("127.0.0.1", 0, 1, "warning", parser="httptools")
    assert cfg.http == "httptools"
    with pytest.raises(ValidationError, match="HTTP_PARSER=httptools"):
        Settings(app_env="production", **PROD_KEYS, http_parser="httptools", trusted_proxies=[])
    ok = Settings(app_env="production", **PROD_KEYS, http_parser="httptools", trusted_proxies=["172.16.0.0/12"])
    assert ok.http_parser == "httptools"
    assert Settings().http_parser == "h11"
