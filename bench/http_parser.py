"""Benchmark: the two HTTP parsers ``dueprocess serve`` offers, httptools with its head cap (the default,
app/http_head_cap.py) against uvicorn's h11. See app/serve.py and docs/DECISIONS.md "Header limits".

Starts two API servers side by side on one scratch SQLite database, one uvicorn worker each, built from the
same ``app.serve.config`` and differing only in ``http``; then drives ``GET /healthz`` (parser-bound: no
database) and ``GET /api/v1/auth/me`` (a typical authenticated read) on each with the same keep-alive load, in
alternating rounds (so a burst of other work on a shared machine hits both alike), and prints the median
round with the ratio h11/httptools.

    .venv/bin/python bench/http_parser.py [--seconds 8] [--rounds 4] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.core.crypto import new_index_key, new_key_spec  # noqa: E402
from bench._http import Result, build_request, free_port, run_load  # noqa: E402

PARSERS = ("httptools", "h11")
LAUNCH = ("import sys, uvicorn; from app import serve; "
          "c = serve.config('127.0.0.1', int(sys.argv[1]), 1, 'warning', parser=sys.argv[2]); "
          "uvicorn.Server(c).run()")


def _start(env: dict[str, str], port: int, parser: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(port), parser], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):  # noqa: S310
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"{parser} server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0, help="total seconds per endpoint and parser")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="dp-bench-")
    env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "APP_ENV": "production",
           "JWT_SECRET_KEY": "bench-only-" + "x" * 40, "RATE_LIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "DATA_ENCRYPTION_KEYS": new_key_spec("b1"), "DATA_ENCRYPTION_ACTIVE_KEY": "b1",
           "BLIND_INDEX_KEY": new_index_key(), "FILING_BATCH_WORKER": "false", "RENDER_WORKERS": "1"}
    full_env = {**os.environ, **env}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=full_env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "app.cli", "create-admin", "--org", "Bench Org", "--email",
                    "bench@example.org", "--password-stdin"], input=b"bench passphrase long\n", env=full_env,
                   check=True, capture_output=True)
    ports = {p: free_port() for p in PARSERS}
    procs = {p: _start(env, ports[p], p) for p in PARSERS}
    rounds: dict[tuple[str, str], list[Result]] = {}
    try:
        data = urllib.parse.urlencode({"username": "bench@example.org", "password": "bench passphrase long"}).encode()
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['h11']}/api/v1/auth/token", data=data) as r:  # noqa: S310
            token = json.load(r)["access_token"]
        requests = {"GET /healthz": build_request("GET", "/healthz"),
                    "GET /api/v1/auth/me": build_request("GET", "/api/v1/auth/me",
                                                         {"Authorization": f"Bearer {token}"})}
        for p in PARSERS:  # warm-up
            for req in requests.values():
                run_load(ports[p], req, concurrency=4, seconds=1)
        for _ in range(args.rounds):
            for name, req in requests.items():
                for p in PARSERS:
                    rounds.setdefault((name, p), []).append(
                        run_load(ports[p], req, concurrency=args.concurrency, seconds=args.seconds / args.rounds))
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=10)
    print(f"\nconcurrency {args.concurrency}, {args.seconds:.0f} s per endpoint and parser in {args.rounds} "
          "alternating rounds, 1 uvicorn worker each, SQLite; the median round\n")
    print("| endpoint | parser | requests/s | p50 ms | p99 ms | errors | h11 / httptools (req/s) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in requests:
        med = {}
        for p in PARSERS:
            rs = sorted(rounds[(name, p)], key=lambda r: r.rps)
            med[p] = rs[len(rs) // 2]
        ratio = med["h11"].rps / med["httptools"].rps if med["httptools"].rps else 0.0
        for p in PARSERS:
            r = med[p]
            errors = sum(x.errors for x in rounds[(name, p)])
            print(f"| {name} | {p} | {r.rps:,.0f} | {r.pct(50):.1f} | {r.pct(99):.1f} | {errors} | "
                  f"{f'{ratio:.0%}' if p == 'h11' else ''} |")


if __name__ == "__main__":
    main()
