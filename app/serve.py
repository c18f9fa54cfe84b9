"""``dueprocess serve``: uvicorn, and with several workers one listening socket per worker (``SO_REUSEPORT``).

Why not ``uvicorn --workers N``: its workers share one listening socket, and a worker's event loop accepts
every connection waiting when it wakes. Clients that open their keep-alive connections together (a browser
tab, a load test, a proxy's pool) land mostly on one worker and stay there. Each worker is one core's worth
of Python, so that worker answers slower for as long as the connections last (bench/load.py saw 31 of 50 on
one of two workers, run after run). With a socket per worker in one ``SO_REUSEPORT`` group, the kernel
spreads new connections over the workers by a hash of each connection's addresses, as nginx's ``reuseport``
does. Where the option does not exist, the shared socket is used.

A hash spreads connections evenly only on average (two workers and 50 connections split 32/18 about one run
in fifteen, and keep-alive makes a bad split last). So each worker also publishes how many requests it has in
flight in a small shared array, and a worker with clearly more than the others asks the client of the
response it is sending to reconnect (``Connection: close``, see ``Balance``); the new connection is hashed
again. Nothing changes for a lone worker or a quiet server.

The parent only supervises: it restarts a worker that dies, and on SIGINT/SIGTERM stops them all (each
finishes its requests in flight: uvicorn's graceful shutdown).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

APP = "app.main:build"
QUICK_FAILURE_SECONDS = 10.0
MAX_QUICK_FAILURES = 5


def config(host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(APP, factory=True, host=host, port=port, access_log=False, proxy_headers=False,
                          **kwargs)


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, **kwargs: Any) -> None:
    """Serve the API (blocks until SIGINT/SIGTERM)."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, access_log=False,
                    proxy_headers=False, **kwargs)
        return
    cfg = config(host, port, **kwargs)
    sockets = reuseport_sockets(host, port, workers, cfg.backlog)
    supervisor = Supervisor(cfg, sockets)
    supervisor.run()
    if supervisor.failed:
        sys.exit(1)


def reuseport_sockets(host: str, port: int, n: int, backlog: int) -> list[socket.socket]:
    """``n`` listening sockets on the same address in one SO_REUSEPORT group (port 0: one free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    out: list[socket.socket] = []
    for _ in range(n):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]  # the others join the port the first one got
        sock.listen(backlog)
        sock.set_inheritable(True)
        out.append(sock)
    return out


class Balance:
    """This worker's share of the requests in flight, against the other workers' (one shared int each)."""

    MARGIN = 3  # requests in flight above the others' mean before a client is asked to reconnect

    def __init__(self, loads: Any, index: int) -> None:
        self.loads = loads
        self.index = index

    def started(self) -> None:  # called on the event loop only: no lock needed within the process
        self.loads[self.index] += 1

    def finished(self) -> None:
        self.loads[self.index] -= 1

    def overloaded(self) -> bool:
        mine = self.loads[self.index]
        others = [v for i, v in enumerate(self.loads) if i != self.index]
        return bool(others) and mine >= sum(others) / len(others) + self.MARGIN


# Set in a worker process started by ``Supervisor`` (read by app.core.middleware).
balance: Balance | None = None


def _run_worker(cfg: uvicorn.Config, sock: socket.socket, loads: Any, index: int) -> None:  # in the worker
    global balance
    balance = Balance(loads, index)
    cfg.configure_logging()
    uvicorn.Server(cfg).run(sockets=[sock])


class Supervisor:
    """One worker process per socket; a worker that exits on its own is started again."""

    def __init__(self, cfg: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.cfg = cfg
        self.sockets = sockets
        self.ctx = multiprocessing.get_context("spawn")
        self.workers: list[BaseProcess | None] = [None] * len(sockets)
        self.loads = self.ctx.RawArray("i", len(sockets))  # requests in flight per worker (Balance)
        self.started_at = [0.0] * len(sockets)
        self.quick_failures = 0
        self.stopping = False
        self.failed = False

    def _start(self, i: int) -> None:
        self.loads[i] = 0
        self.started_at[i] = time.monotonic()
        proc = self.ctx.Process(target=_run_worker, args=(self.cfg, self.sockets[i], self.loads, i),
                                name=f"dueprocess-web-{i}")
        proc.start()
        self.workers[i] = proc

    def _stop_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> None:
        previous = {s: signal.signal(s, self._stop_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for i in range(len(self.sockets)):
                self._start(i)
            while not self.stopping:
                for i, proc in enumerate(self.workers):
                    if proc is not None and not proc.is_alive() and not self.stopping:
                        # A worker that cannot even start (bad settings) would be restarted forever: give up
                        # after a few failures in a row within seconds of starting.
                        quick = time.monotonic() - self.started_at[i] < QUICK_FAILURE_SECONDS
                        self.quick_failures = self.quick_failures + 1 if quick else 0
                        if self.quick_failures >= MAX_QUICK_FAILURES:
                            print(f"worker {i} keeps failing at start-up (exit {proc.exitcode}); stopping",
                                  file=sys.stderr)
                            self.failed = True
                            return
                        print(f"worker {i} exited with {proc.exitcode}; starting it again", file=sys.stderr)
                        self._start(i)
                time.sleep(0.5)
        finally:
            self._shutdown()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _shutdown(self) -> None:
        live = [p for p in self.workers if p is not None and p.is_alive()]
        for proc in live:
            proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for proc in live:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sock in self.sockets:
            sock.close()
