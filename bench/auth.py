"""Benchmark: authenticated GET /api/v1/auth/me (with a JWT access token, and with a personal access token) vs
GET /healthz under the same concurrent load.

Starts the API as a separate process (uvicorn, one worker) on a scratch SQLite database, creates an admin,
logs in, then drives each endpoint with the same keep-alive load and prints a table with requests/s,
p50/p99 and the ratio. Goal (issue: foundation): /auth/me reaches >= 50% of /healthz throughput, with either
kind of token (a personal access token is checked by one indexed read of its SHA-256 digest, docs/auth.md).

The two endpoints are measured in alternating rounds (healthz, me, healthz, me, ...) and the table gives the
median round, so a burst of other work on the machine hits both sides alike instead of skewing the ratio.

    .venv/bin/python bench/auth.py [--seconds 10] [--rounds 5] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.core.crypto import new_index_key, new_key_spec  # noqa: E402
from bench._http import Result, build_request, free_port, run_load, start_server  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0, help="total seconds per endpoint")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="dp-bench-")
    env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "APP_ENV": "production",
           "JWT_SECRET_KEY": "bench-only-" + "x" * 40, "RATE_LIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "DATA_ENCRYPTION_KEYS": new_key_spec("b1"), "DATA_ENCRYPTION_ACTIVE_KEY": "b1",
           "BLIND_INDEX_KEY": new_index_key()}
    full_env = {**os.environ, **env}
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=full_env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "app.cli", "create-admin", "--org", "Bench Org", "--email",
                    "bench@example.org", "--password-stdin"], input=b"bench passphrase long\n", env=full_env,
                   check=True, capture_output=True)
    port = free_port()
    proc = start_server(env, port)
    try:
        data = urllib.parse.urlencode({"username": "bench@example.org", "password": "bench passphrase long"}).encode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/auth/token", data=data) as r:  # noqa: S310
            token = json.load(r)["access_token"]
        expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        pat_req = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}/api/v1/auth/me/tokens", method="POST",
            data=json.dumps({"name": "bench", "scopes": ["account:self"], "expires_at": expires}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(pat_req) as r:  # noqa: S310
            pat = json.load(r)["token"]
        health = build_request("GET", "/healthz")
        me = build_request("GET", "/api/v1/auth/me", {"Authorization": f"Bearer {token}"})
        me_pat = build_request("GET", "/api/v1/auth/me", {"Authorization": f"Bearer {pat}"})
        run_load(port, health, concurrency=4, seconds=1)  # warm-up
        run_load(port, me, concurrency=4, seconds=1)
        run_load(port, me_pat, concurrency=4, seconds=1)
        rounds: dict[str, list[Result]] = {"health": [], "me": [], "pat": []}
        for _ in range(args.rounds):
            for name, request in (("health", health), ("me", me), ("pat", me_pat)):
                rounds[name].append(run_load(port, request, concurrency=args.concurrency,
                                             seconds=args.seconds / args.rounds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\nconcurrency {args.concurrency}, {args.seconds:.0f} s per endpoint in {args.rounds} alternating rounds, "
          "1 uvicorn worker, SQLite; the median round of each\n")
    print("| endpoint | requests/s | p50 ms | p99 ms | errors | rounds (requests/s) |")
    print("|---|---:|---:|---:|---:|---|")
    med: dict[str, Result] = {}
    for name, label in (("health", "GET /healthz"), ("me", "GET /api/v1/auth/me (JWT)"),
                        ("pat", "GET /api/v1/auth/me (personal access token)")):
        rs = sorted(rounds[name], key=lambda r: r.rps)
        r = med[name] = rs[len(rs) // 2]
        errors = sum(x.errors for x in rs)
        spread = ", ".join(f"{x.rps:,.0f}" for x in rounds[name])
        print(f"| {label} | {r.rps:,.0f} | {r.pct(50):.1f} | {r.pct(99):.1f} | {errors} | {spread} |")
    for name, label in (("me", "JWT"), ("pat", "personal access token")):
        ratio = med[name].rps / med["health"].rps if med["health"].rps else 0.0
        pairs = [m.rps / h.rps for h, m in zip(rounds["health"], rounds[name], strict=True) if h.rps]
        print(f"\n/auth/me ({label}) throughput = {ratio:.0%} of /healthz (goal >= 50%); "
              f"per round {min(pairs):.0%}-{max(pairs):.0%}")


if __name__ == "__main__":
    main()
