"""``dueprocess serve``: uvicorn, and with ``--workers N`` uvicorn's own process manager.

This module only does what ``uvicorn.run`` does (one listening socket; one ``uvicorn.Server``, or uvicorn's
``Multiprocess`` manager for several workers, which restarts a worker that dies, stops the server when a worker
fails at start-up and stops every worker on SIGINT/SIGTERM), with two differences for the command line:

- the socket is bound here first, so a busy port is one plain line (``PortInUse``) instead of a log record;
- the application's settings are checked in the parent first (``app.cli``), so bad settings are one plain line
  too, before any worker starts.

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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info") -> int:
    """Serve the API until SIGINT/SIGTERM; returns the exit status (non-zero: a worker could not start)."""
    sock = bind(host, port)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers, access_log=False,
                            proxy_headers=False, log_level=log_level)
    if workers > 1:
        manager = Multiprocess(config, sockets=[sock])
        manager.run()
        return STARTUP_FAILURE if any(p.exitcode == STARTUP_FAILURE for p in manager.processes) else 0
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE
