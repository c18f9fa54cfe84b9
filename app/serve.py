"""``dueprocess serve``: uvicorn, and with ``--workers N`` uvicorn's own process manager.

This module only does what ``uvicorn.run`` does (one listening socket; one ``uvicorn.Server``, or uvicorn's
``Multiprocess`` manager for several workers, which restarts a worker that dies, stops the server when a worker
fails at start-up and stops every worker on SIGINT/SIGTERM), with two differences for the command line:

- the socket is bound here first, so a busy port is one plain line (``PortInUse``) instead of a log record;
- the application's settings are checked in the parent first (``app.cli``), so bad settings are one plain line
  too, before any worker starts;
- the HTTP parser is h11, with ``HTTP_MAX_HEADER_BYTES`` as its cap on an incomplete request head: uvicorn's
  default, httptools, accepts any number and size of headers (8 MB headers and 100,000 header lines were
  accepted, docs/SECURITY.md), and h11's ``max_incomplete_event_size`` is the server's own setting for exactly
  this. Its cost, measured against httptools, is in bench/RESULTS.md ("HTTP parser"). uvicorn has no timeout
  for reading a request head (slowloris): in production the server runs behind the reverse proxy of
  deploy/Caddyfile, which has one (docs/operations.md "Reverse proxy").

Why uvicorn's manager and not gunicorn's, and what was measured: docs/DECISIONS.md, "Serving with uvicorn's
process manager"; figures in bench/RESULTS.md.
"""

from __future__ import annotations

import errno
import socket

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

APP = "app.main:build"


class PortInUse(RuntimeError):
    """The address is taken (another server, or an earlier one still running)."""


def bind(host: str, port: int) -> socket.socket:
    """The listening address, bound as uvicorn binds it (``Config.bind_socket``), or ``PortInUse``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use") from None
        raise
    sock.set_inheritable(True)
    return sock


def config(host: str, port: int, workers: int, log_level: str, *, max_header_bytes: int = 16_384,
           keep_alive_seconds: int = 5) -> uvicorn.Config:
    """uvicorn's settings for the API. ``proxy_headers=False``: uvicorn would otherwise believe
    ``X-Forwarded-For`` from its own ``forwarded_allow_ips``; the application decides that with
    ``TRUSTED_PROXIES`` in one place (app/core/client_address.py)."""
    return uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers, access_log=False,
                          proxy_headers=False, log_level=log_level, http="h11",
                          h11_max_incomplete_event_size=max_header_bytes, timeout_keep_alive=keep_alive_seconds)


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info") -> int:
    """Serve the API until SIGINT/SIGTERM; returns the exit status (non-zero: a worker could not start)."""
    from app.core.config import get_settings

    settings = get_settings()
    sock = bind(host, port)
    config_ = config(host, port, workers, log_level, max_header_bytes=settings.http_max_header_bytes,
                     keep_alive_seconds=settings.http_keep_alive_seconds)
    if workers > 1:
        manager = Multiprocess(config_, sockets=[sock])
        manager.run()
        return STARTUP_FAILURE if any(p.exitcode == STARTUP_FAILURE for p in manager.processes) else 0
    server = uvicorn.Server(config_)
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE
