"""``dueprocess serve --workers N`` (app/serve.py): one SO_REUSEPORT listening socket per worker, a supervisor
that restarts a worker that dies, and a clean stop on SIGTERM. Real processes and real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import serve

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")


def test_reuseport_sockets_share_one_port() -> None:
    socks = serve.reuseport_sockets("127.0.0.1", 0, 3, backlog=16)
    try:
        ports = {s.getsockname()[1] for s in socks}
        assert len(ports) == 1 and ports != {0}
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in socks)
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def _workers(pid: int) -> set[int]:
    """The supervisor's worker processes (spawn also starts a resource tracker, which serves nothing)."""
    return {c for c in _children(pid) if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()}


def _wait_ready(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start")


def test_two_workers_serve_restart_and_stop(database_url: str) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "FILING_BATCH_WORKER": "false", "RENDER_WORKERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2",
                             "--log-level", "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, proc)
        deadline = time.monotonic() + 60
        while len(_workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _workers(proc.pid)
        assert len(workers) == 2

        # Every new connection is answered, whichever worker's socket the kernel picks.
        for _ in range(20):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
                assert c.get("/healthz").status_code == 200

        # A worker that dies is replaced; meanwhile the other one keeps answering.
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = _workers(proc.pid)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.2)
        assert len(_workers(proc.pid)) == 2 and victim not in _workers(proc.pid)
        _wait_ready(port, proc)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        assert not _children(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_balance_asks_a_client_to_reconnect_only_from_a_worker_with_clearly_more_in_flight(client: Any) -> None:
    """A worker whose requests in flight exceed the others' mean by the margin answers ``Connection: close``
    (the client reconnects and the kernel hashes it again); otherwise keep-alive is untouched."""
    from array import array

    loads = array("i", [0, 0])
    serve.balance = serve.Balance(loads, 0)
    try:
        assert "close" not in client.get("/healthz").headers.get("connection", "")
        loads[0], loads[1] = serve.Balance.MARGIN, 0  # + this request: clearly more than the other worker
        assert client.get("/healthz").headers.get("connection") == "close"
        assert loads[0] == serve.Balance.MARGIN  # the request was counted in and out
        loads[1] = 10
        assert "close" not in client.get("/healthz").headers.get("connection", "")
    finally:
        serve.balance = None
    assert not serve.Balance(array("i", [50]), 0).overloaded()  # a lone worker never sheds


def test_a_worker_that_cannot_start_stops_the_server_instead_of_restarting_forever(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "production", "JWT_SECRET_KEY": "change-me"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(free_port()), "--workers",
                             "2", "--log-level", "warning"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        assert proc.wait(timeout=120) == 1
        assert b"keeps failing at start-up" in (proc.stdout.read() if proc.stdout else b"")
        assert not _children(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
