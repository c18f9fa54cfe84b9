"""Tiny keep-alive HTTP/1.1 load generator (asyncio streams), so the client costs little CPU next to the server.

Shared by the bench scripts; not a test. Loopback only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.duration if self.duration else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        s = sorted(self.latencies)
        return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(status, body) of one HTTP/1.1 response with a Content-Length (what uvicorn sends)."""
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        if k.lower() == "content-length":
            length = int(v.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _worker(host: str, port: int, request: bytes, deadline: float, res: Result) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, _ = await read_response(reader)
            res.latencies.append(time.perf_counter() - t0)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            if status >= 400:
                res.errors += 1
    finally:
        writer.close()


def build_request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run_load(port: int, request: bytes, *, concurrency: int, seconds: float) -> Result:
    res = Result()

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*[_worker("127.0.0.1", port, request, deadline, res) for _ in range(concurrency)])
        res.duration = time.perf_counter() - t0

    asyncio.run(main())
    return res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int = 1, log_path: Path | None = None,
                 timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """``dueprocess serve`` (the product's own command: uvicorn, its process manager for ``workers`` > 1) in a
    process of its own, with ``env`` over this process's environment; returns once ``/readyz`` answers 200.
    Its output goes to ``log_path`` (a pipe nobody reads would fill and stall it) or nowhere."""
    log = log_path.open("wb") if log_path is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
         str(workers), "--log-level", "warning"],
        env={**os.environ, **env}, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    tail = log_path.read_text(errors="replace")[-3000:] if log_path is not None else "(no log)"
    raise RuntimeError("server did not start:\n" + tail)


def start_worker(env: dict[str, str], log_path: Path | None = None, *, concurrency: int | None = None,
                 new_session: bool = False) -> subprocess.Popen[bytes]:
    """``dueprocess worker`` in a process of its own (``new_session``: its own process group, so that a
    bench can kill it with its render pool)."""
    cmd = [sys.executable, "-m", "app.cli", "worker"]
    if concurrency is not None:
        cmd += ["--concurrency", str(concurrency)]
    log = log_path.open("wb") if log_path is not None else subprocess.DEVNULL
    return subprocess.Popen(cmd, env={**os.environ, **env}, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=new_session)


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")
