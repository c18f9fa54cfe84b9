"""``dueprocess serve``: uvicorn, and with ``--workers N`` uvicorn's own process manager.

This module only does what ``uvicorn.run`` does (one listening socket; one ``uvicorn.Server``, or uvicorn's
``Multiprocess`` manager for several workers, which restarts a worker that dies, stops the server when a worker
fails at start-up and stops every worker on SIGINT/SIGTERM), with two differences for the command line:

- the socket is bound here first, so a busy port is one plain line (``PortInUse``) instead of a log record;
- the application's settings are checked in the parent first (``app.cli``), so bad settings are one plain line
  too, before any worker starts;
- the HTTP parser is httptools with a cap on the request head, ``HTTP_MAX_HEADER_BYTES``
  (app/http_head_cap.py): plain httptools accepts any number and size of headers (8 MB headers and 100,000
  header lines were accepted, docs/SECURITY.md). ``HTTP_PARSER=h11`` is the alternative, with h11's own cap
  (``max_incomplete_event_size``, the same setting); it is slower (bench/RESULTS.md, "HTTP parser"). uvicorn has
  no timeout for reading a request head (slowloris): in production the server runs behind the reverse proxy of
  deploy/Caddyfile, which has one (docs/operations.md "Reverse proxy").

Why uvicorn's manager and not gunicorn's, and what was measured: docs/DECISIONS.md, "Serving with uvicorn's
process manager"; figures in bench/RESULTS.md.

With several workers each worker listens on a socket of its own, bound to the same address with
``SO_REUSEPORT``, and the kernel spreads new connections evenly over them. With one shared listening socket the
worker that happens to be waiting in ``accept`` takes the connection, so the busier worker's users queued behind
the other's (bench/RESULTS.md: per-user mean latencies 121 ms on one worker, 193 ms on the other). The parent
holds the address (bound, never listening) so nothing else can take it between worker restarts; a worker that
dies loses the connections still waiting in its own accept queue (they are reset), the price of the even spread.

The kernel spreads *new* connections; a keep-alive connection then stays with one worker for as long as its
client keeps it, so 50 connections may sit 19/31, and after a worker dies they all sit on the survivors. The
workers share a table of their open connections, and a worker over its share closes a connection after its
response (``Connection: close``) so that the client's next connection is spread again (app/connection_balance.py).
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors import multiprocess as uvicorn_multiprocess

from app import connection_balance

APP = "app.main:build"
# HTTP_PARSER -> uvicorn's protocol class; both cap the request head at HTTP_MAX_HEADER_BYTES. With several
# workers, httptools also spreads keep-alive connections evenly over them (app/connection_balance.py).
PARSERS = {"httptools": "app.connection_balance:BalancedHttpToolsProtocol", "h11": "h11"}


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


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with ``SO_REUSEPORT`` (and not yet listening)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class ReusePortProcess(uvicorn_multiprocess.Process):
    """uvicorn's worker process, listening on a ``SO_REUSEPORT`` socket of its own instead of the parent's, and
    taking part in the table of open connections (app/connection_balance.py) through its server."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover - in the worker
        own = []
        for inherited in sockets or []:
            host, port = inherited.getsockname()[:2]
            inherited.close()  # the parent's placeholder: bound, never listening, not ours to serve
            own.append(reuse_port_socket(host, port))
        super().target(own)

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = _WorkerServer(config=self.config)
        return self._server


class _WorkerServer(uvicorn.Server):
    """uvicorn's server, taking a slot in the connection table once it listens (a worker counted before it can
    accept would only make the others close connections that come straight back to them) and clearing it once it
    has shut down (not in a ``finally`` after ``run``: uvicorn re-raises the signal that stopped it once the server
    is down, and a worker stopped by SIGTERM ends there)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:  # started: listening
            connection_balance.join_from_environment()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            connection_balance.leave()


def config(host: str, port: int, workers: int, log_level: str, *, max_header_bytes: int = 16_384,
           keep_alive_seconds: int = 5, parser: str = "httptools") -> uvicorn.Config:
    """uvicorn's settings for the API. ``proxy_headers=False``: uvicorn would otherwise believe
    ``X-Forwarded-For`` from its own ``forwarded_allow_ips``; the application decides that with
    ``TRUSTED_PROXIES`` in one place (app/core/client_address.py). ``max_header_bytes`` caps the request head
    with either parser (uvicorn's h11 setting of that name, which app/http_head_cap.py reads too). ``ws="none"``:
    the API has no WebSocket route, so an ``Upgrade: websocket`` request stays an HTTP request (uvicorn would
    otherwise hand the connection to a WebSocket protocol, outside the head cap and the connection count)."""
    return uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers, access_log=False, ws="none",
                          proxy_headers=False, log_level=log_level, http=PARSERS[parser],
                          h11_max_incomplete_event_size=max_header_bytes, timeout_keep_alive=keep_alive_seconds)


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info") -> int:
    """Serve the API until SIGINT/SIGTERM; returns the exit status (non-zero: a worker could not start)."""
    from app.core.config import get_settings

    settings = get_settings()
    sock = bind(host, port)
    if workers > 1:
        # Checked without SO_REUSEPORT first (``bind``), so a busy port is still reported, even one held by
        # another server that uses SO_REUSEPORT; then held with it, for the workers to join.
        sock.close()
        sock = reuse_port_socket(host, port)
    config_ = config(host, port, workers, log_level, max_header_bytes=settings.http_max_header_bytes,
                     keep_alive_seconds=settings.http_keep_alive_seconds, parser=settings.http_parser)
    if workers > 1:
        # uvicorn's manager creates its workers from the module's ``Process`` class (at start, on restarts and
        # on SIGTTIN); this process only ever runs this one manager, so the class is swapped for the manager's run.
        uvicorn_multiprocess.Process = ReusePortProcess  # type: ignore[misc]
        manager = Multiprocess(config_, sockets=[sock])
        # The workers' table of open connections, private to this server (the workers inherit the environment);
        # only the httptools protocol counts and balances connections.
        table_dir = tempfile.mkdtemp(prefix="dueprocess-") if settings.http_parser == "httptools" else None
        if table_dir is not None:
            table = os.path.join(table_dir, "connections")
            connection_balance.ConnectionTable.create(table)
            os.environ[connection_balance.TABLE_ENV] = table
        try:
            manager.run()
        finally:
            if table_dir is not None:
                os.environ.pop(connection_balance.TABLE_ENV, None)
                shutil.rmtree(table_dir, ignore_errors=True)
        return STARTUP_FAILURE if any(p.exitcode == STARTUP_FAILURE for p in manager.processes) else 0
    server = uvicorn.Server(config_)
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE
