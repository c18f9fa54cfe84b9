"""``dueprocess serve`` (app/serve.py): uvicorn, with ``--workers N`` under uvicorn's process manager. Real
processes and real HTTP.

Nothing here depends on the machine being idle: every wait is for a condition, with a generous bound (a busy
2-core machine may take tens of seconds to start a worker), and nothing is timed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app import serve

GENEROUS = 180.0  # seconds: an upper bound for things that take a second on an idle machine


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
    """The manager's worker processes (spawn may also start a resource tracker, which serves nothing)."""
    out = set()
    for c in _children(pid):
        try:
            if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes():
                out.add(c)
        except OSError:
            continue
    return out


def _until(condition: Callable[[], bool], what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + GENEROUS
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited while waiting for: {what}"
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up after {GENEROUS:.0f} s waiting for: {what}")


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _kill_with_workers(proc: subprocess.Popen[bytes]) -> None:
    """After a failure: the workers too (killing only uvicorn's manager would leave them running)."""
    for pid in _workers(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.kill()
    proc.wait()


def _serve(database_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, "DATABASE_URL": database_url, "FILING_BATCH_WORKER": "false", "RENDER_WORKERS": "1",
                **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--log-level", "warning", *args],
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_workers_serve_restart_and_stop(database_url: str) -> None:
    port = free_port()
    proc = _serve(database_url, "--port", str(port), "--workers", "2")
    try:
        _until(lambda: _healthy(port), "the first answer", proc)
        _until(lambda: len(_workers(proc.pid)) == 2, "two workers", proc)
        workers = _workers(proc.pid)

        # Every new connection is answered, whichever worker accepts it.
        for _ in range(20):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                assert c.get("/healthz").status_code == 200

        # A worker that dies is replaced; meanwhile the server keeps answering.
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        _until(lambda: _healthy(port), "an answer with one worker killed", proc)
        _until(lambda: len(now := _workers(proc.pid)) == 2 and victim not in now, "a replacement worker", proc)
        _until(lambda: _healthy(port), "an answer after the replacement", proc)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=GENEROUS) == 0
        assert not _children(proc.pid)
    finally:
        if proc.poll() is None:
            _kill_with_workers(proc)


def test_bad_settings_stop_the_server_with_one_line_before_any_worker_starts(database_url: str) -> None:
    proc = _serve(database_url, "--port", str(free_port()), "--workers", "2",
                  env={"APP_ENV": "production", "JWT_SECRET_KEY": "change-me"})
    try:
        _out, err = proc.communicate(timeout=GENEROUS)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == ["error: invalid settings: DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_ACTIVE_KEY and BLIND_INDEX_KEY "
                     "are required in production (see .env.example)"]


def test_a_busy_port_is_one_plain_line(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _serve(database_url, "--port", str(port))
        try:
            _out, err = proc.communicate(timeout=GENEROUS)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 1
    lines = err.decode().strip().splitlines()
    assert lines == [f"error: port {port} on 127.0.0.1 is already in use; stop the other server or choose another "
                     "port (--port, or PORT=... make run)"]


def test_bind_reports_a_busy_port_and_keeps_a_free_one() -> None:
    sock = serve.bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        sock.listen()
        try:
            serve.bind("127.0.0.1", port)
        except serve.PortInUse as exc:
            assert str(exc) == f"port {port} on 127.0.0.1 is already in use"
        else:
            raise AssertionError("a second bind to a listening port succeeded")
    finally:
        sock.close()


def test_workers_sockets_share_the_port_and_a_held_port_is_still_reported_busy() -> None:
    """Each worker binds its own SO_REUSEPORT socket to the address the parent holds (app/serve.py); the port
    check runs without SO_REUSEPORT, so even a port held that way is reported busy, not silently shared."""
    held = serve.reuse_port_socket("127.0.0.1", 0)
    port = held.getsockname()[1]
    first, second = serve.reuse_port_socket("127.0.0.1", port), serve.reuse_port_socket("127.0.0.1", port)
    try:
        first.listen()
        second.listen()
        try:
            serve.bind("127.0.0.1", port)
        except serve.PortInUse:
            pass
        else:
            raise AssertionError("a port held with SO_REUSEPORT was not reported busy")
    finally:
        for s in (held, first, second):
            s.close()
