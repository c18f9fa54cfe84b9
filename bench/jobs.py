"""Benchmark the job engine on PostgreSQL (not a test). Run:
    .venv/bin/python bench/jobs.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                   [--count 200] [--samples 20]

1. A batch of `count` petitions (`POST /filing-batches` on a real API server that runs no jobs) drafted by 1
   and then by 2 `dueprocess worker` processes (each: concurrency 1, one render process), timed from the POST
   to `status == done`. Goal: 2 workers >= 1.6x faster than 1.
2. Enqueue-to-start latency on an idle queue: `samples` one-item batches, one at a time, each measured from
   procrastinate's `deferred` event to its `started` event (both stamped by the database clock). Goal: p99
   < 500 ms.
3. While each batch runs, `GET /api/v1/clients/{id}/status` at 20 requests/s on 2 connections; p99 goal
   < 100 ms.

A scratch database is created and dropped; all data is fictional. Prints markdown tables with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._http import build_request, free_port, start_server, start_worker  # noqa: E402
from bench.filings import (  # noqa: E402  (sets the bench's keys in the environment first)
    HABEAS_OPTIONS,
    JWT_KEY,
    _pct,
    _request,
    _status_load,
    seed,
)


def _env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "APP_ENV": "test", "JWT_SECRET_KEY": JWT_KEY, "RATE_LIMIT_ENABLED": "false",
            "LOG_LEVEL": "WARNING", "RENDER_WORKERS": "1", "JOBS_CONCURRENCY": "1", "JOBS_POLL_SECONDS": "1"}


def _workers(url: str, n: int, workdir: str) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(n):
        procs.append(start_worker(_env(url), Path(workdir) / f"worker-{n}-{i}.log", concurrency=1, new_session=True))
    return procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(120)


async def _batch(port: int, headers: dict[str, str], ids: list[Any]) -> tuple[float, dict[str, Any]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = json.dumps({"template": "habeas_2241", "client_ids": [str(i) for i in ids],
                           "options": HABEAS_OPTIONS}).encode()
        t0 = time.perf_counter()
        status, resp = await _request(reader, writer, build_request("POST", "/api/v1/filing-batches", headers, body))
        assert status == 202, resp[:300]
        poll = build_request("GET", f"/api/v1/filing-batches/{json.loads(resp)['id']}", headers)
        while True:
            await asyncio.sleep(0.1)
            status, resp = await _request(reader, writer, poll)
            data = json.loads(resp)
            if data["status"] == "done":
                return time.perf_counter() - t0, data
    finally:
        writer.close()


def _warm_up(port: int, headers: dict[str, str], client_id: Any) -> None:
    """One item first: every worker process has imported WeasyPrint and loaded its fonts before timing."""
    asyncio.run(_batch(port, headers, [client_id]))


def _latencies(db: Any, since_id: int) -> list[float]:
    import sqlalchemy as sa

    with db.session() as s:
        rows = s.execute(sa.text(
            "SELECT EXTRACT(EPOCH FROM (st.at - de.at)) FROM procrastinate_jobs j "
            "JOIN procrastinate_events de ON de.job_id = j.id AND de.type = 'deferred' "
            "JOIN procrastinate_events st ON st.job_id = j.id AND st.type = 'started' "
            "WHERE j.id > :since AND j.task_name = 'filings.render_batch_item'"), {"since": since_id}).all()
    return [float(r[0]) for r in rows]


def _max_job(db: Any) -> int:
    import sqlalchemy as sa

    with db.session() as s:
        return int(s.execute(sa.text("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")).scalar_one())


def main() -> None:
    from tests.conftest import _create_pg_database, _drop_pg_database

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--samples", type=int, default=20)
    args = ap.parse_args()
    url, name = _create_pg_database(args.database_url)
    load_start = os.getloadavg()[0]
    try:
        world = seed(url, args.count)
        headers = {"Authorization": f"Bearer {world['token']}", "Content-Type": "application/json"}
        ids = world["client_ids"]
        with tempfile.TemporaryDirectory() as workdir:
            port = free_port()
            api = start_server({**_env(url), "JOBS_IN_PROCESS": "false"}, port, 1, Path(workdir) / "api.log")
            rows = []
            try:
                for n in (1, 2):
                    procs = _workers(url, n, workdir)
                    try:
                        for _ in range(n):
                            _warm_up(port, headers, ids[0])
                        if n == 1:
                            since = _max_job(world["db"])
                            for i in range(args.samples):
                                asyncio.run(_batch(port, headers, [ids[i % len(ids)]]))
                            latency = _latencies(world["db"], since)
                        load = os.getloadavg()[0]
                        lat, errors, (elapsed, data) = asyncio.run(
                            _status_load(port, headers, ids[-1], 20.0, 2, lambda: _batch(port, headers, ids)))
                        rows.append((n, elapsed, data["done"], data["failed"], lat, len(errors), load))
                    finally:
                        _stop(procs)
            finally:
                api.terminate()
                api.wait(60)
        base = rows[0][1]
        print(f"\n### bench/jobs.py: {args.count}-petition batch, PostgreSQL, load average at start {load_start:.1f}"
              f" (2 CPUs)\n")
        print("| workers | batch s | ratio vs 1 | done | failed | status p50 ms | status p99 ms | errors | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n, elapsed, done, failed, lat, errs, load in rows:
            print(f"| {n} | {elapsed:.1f} | {base / elapsed:.2f}x | {done} | {failed} | {_pct(lat, 50):.1f} | "
                  f"{_pct(lat, 99):.1f} | {errs} | {load:.1f} |")
        print(f"\nEnqueue-to-start, idle queue, 1 worker, {len(latency)} jobs: p50 {_pct(latency, 50):.0f} ms, "
              f"p99 {_pct(latency, 99):.0f} ms, max {max(latency) * 1000:.0f} ms (goal p99 < 500 ms)")
    finally:
        world_db = locals().get("world")
        if world_db:
            world_db["db"].dispose()
        _drop_pg_database(args.database_url, name)


if __name__ == "__main__":
    main()
