"""Benchmark the emergency packet (not a test). Run: .venv/bin/python bench/packet.py [--iterations 5]

Time from `POST /clients/{id}/emergency-packets` to its 201 (the answer is sent after the last PDF is stored)
for a full new-case packet (petition, TRO motion, declaration, proposed TRO, proposed order to show cause,
JS 44, certificate of service: 7 PDFs and 2 DOCX), on a real server (uvicorn, one process, the API's render
pool with 2 workers) and a scratch SQLite database. Baseline measured in the same process: one habeas petition
drafted through `POST /clients/{id}/filings`; the table prints each figure and its ratio to that baseline
(a packet of 7 documents rendered in parallel on 2 workers should cost well under 7 single drafts).

Goal (docs/filings-packet.md): p50 <= 5 s and p99 <= 10 s on 2 cores. With a handful of iterations the
"p99" is the slowest run. All data is fictional.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._http import free_port, start_server  # noqa: E402
from bench.filings import JWT_KEY, seed  # noqa: E402 - sets the environment the server inherits

PACKET_OPTIONS = {"notice_efforts": "At 2:10 a.m. counsel emailed the Civil Chief of the United States Attorney's "
                                    "Office a copy of the petition and this motion.",
                  "service_method": "email", "place_of_execution": "Baltimore, Maryland"}


def _post(port: int, path: str, token: str, body: dict[str, Any]) -> tuple[int, float]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="dp-bench-packet-")
    url = f"sqlite:///{tmp}/bench.db"
    world = seed(url, args.iterations * 2 + 2)
    port = free_port()
    env = {"DATABASE_URL": url, "RENDER_WORKERS": "2", "APP_ENV": "test", "JWT_SECRET_KEY": JWT_KEY,
           "RATE_LIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING", "FILING_BATCH_WORKER": "false"}
    proc = start_server(env, port, 1, Path(tmp) / "server.log")
    try:
        token, attorney = world["token"], str(world["attorney_id"])
        clients = list(world["client_ids"])
        # Warm-up (the pool's workers load WeasyPrint and fonts on first use).
        _post(port, f"/clients/{clients.pop()}/filings", token,
              {"template": "habeas_2241", "options": {"attorney_id": attorney}})
        single, packet = [], []
        for _ in range(args.iterations):
            status, t = _post(port, f"/clients/{clients.pop()}/filings", token,
                              {"template": "habeas_2241", "options": {"attorney_id": attorney}})
            assert status == 201, status
            single.append(t)
            status, t = _post(port, f"/clients/{clients.pop()}/emergency-packets", token,
                              {"attorney_id": attorney, "options": PACKET_OPTIONS})
            assert status == 201, status
            packet.append(t)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    load = os.getloadavg()[0]
    base = statistics.median(single)
    print(f"\nbench/packet.py — {args.iterations} iterations, load average {load:.2f}, "
          f"{os.cpu_count()} CPUs, SQLite, 2 render workers\n")
    print("| measure | p50 s | slowest s | p50 / single draft |")
    print("|---|---:|---:|---:|")
    print(f"| one habeas petition (baseline) | {base:.2f} | {max(single):.2f} | 1.00 |")
    print(f"| full new-case packet (7 PDFs + 2 DOCX) | {statistics.median(packet):.2f} | {max(packet):.2f} | "
          f"{statistics.median(packet) / base:.2f} |")


if __name__ == "__main__":
    main()
