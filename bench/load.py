"""Load test (a benchmark, not a test): 50 concurrent virtual users against the API under uvicorn on PostgreSQL.

What it does, start to finish (loopback only, bounded in time, stops and cleans up by itself):

1. creates a scratch PostgreSQL database next to ``--pg`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test),
   migrates it with ``app.migrations.upgrade``, and creates one organization with staff users directly through
   ``app.auth.service`` (tokens are minted, so the Argon2 login cost is not part of the mix);
2. starts the API as its own process (``dueprocess serve --workers 2``: uvicorn and its process manager;
   APP_ENV=production,
   rate limiter on with limits far above the offered load, so its cost is measured but it never answers 429);
3. seeds facilities, clients (with a proceeding and a first custody event each) through the HTTP API;
4. measures each endpoint's service time with one sequential user (``--baseline`` seconds), then drives
   ``--users`` virtual users (asyncio, one keep-alive connection each; back-to-back by default, or with an
   exponential think time of mean ``--think`` seconds) for ``--seconds`` after a ``--warmup`` with this mix:
   client list 35 %, client status 35 %, custody-event POST 15 %, deadline compute 15 %; plus one PDF
   (``POST /clients/{id}/filings``, template ``habeas_2241``) per user per minute when that route exists
   (probed first; otherwise skipped and reported);
5. prints a markdown table per endpoint (requests, req/s, p50/p95/p99 ms, errors), whether the slowest reads
   came in bursts (a stalled worker) or spread out, and checks the goal: 0 errors and p99 of reads < 250 ms;
   stops the server and drops the scratch database.

    .venv/bin/python bench/load.py [--seconds 60] [--users 50] [--think 0] [--workers 2] [--clients 200]
                                   [--no-pdf] [--http-parser h11|httptools] [--separate-worker] [--trace FILE]

Exit status 0 when the goal is met, 1 otherwise. Fictional data only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._http import free_port, start_server, start_worker, stop  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
API = "/api/v1"
READS = ("GET /clients", "GET /clients/{id}/status")
KEEPALIVE_IDLE = 4.0  # seconds; uvicorn's --timeout-keep-alive default is 5
RULES = ["EOIR-APPEAL-IJ", "PFR-30", "FRAP4-60", "FRCP59E", "EOIR-MTR-IJ", "HC-RETURN", "TRO-14", "ASYLUM-1YR"]
GIVEN = ["José", "María", "Luis", "Ana", "Rosa", "Juan", "Carmen", "Óscar", "Lucía", "Kilmar", "Fatima", "Wei"]
SURNAMES = ["García", "Martínez", "López", "Hernández", "Ramírez", "Núñez", "Ábrego", "Flores", "Peña", "Zelaya"]
STATES = [("mdd", "Glen Burnie", "MD"), ("txsd", "Houston", "TX"), ("cacd", "Adelanto", "CA"),
          ("lawd", "Jena", "LA"), ("azd", "Eloy", "AZ"), ("gamd", "Lumpkin", "GA")]


# --- scratch database and organization --------------------------------------------------------------------

def create_database(base_url: str) -> tuple[str, str]:
    base = make_url(base_url)
    name = f"dp_bench_load_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def drop_database(base_url: str, name: str) -> None:
    eng = sa.create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def server_env(url: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": url, "APP_ENV": "production", "JWT_SECRET_KEY": "bench-only-" + "x" * 40,
        "RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_PER_MINUTE_USER": "100000000",
        "RATE_LIMIT_PER_MINUTE_IP": "100000000", "LOG_LEVEL": "WARNING", "PASSWORD_HASH_PROFILE": "fast",
    }
    try:  # field-encryption keys (required in production once app.core.crypto exists)
        from app.core import crypto

        env.update(DATA_ENCRYPTION_KEYS=crypto.new_key_spec("bench1"), DATA_ENCRYPTION_ACTIVE_KEY="bench1",
                   BLIND_INDEX_KEY=crypto.new_index_key())
    except (ImportError, AttributeError):
        pass
    return env


def create_org(url: str, n_users: int) -> tuple[list[dict[str, str]], list[str]]:
    """One organization, ``n_users`` paralegals and attorneys (direct inserts): one bearer header per user,
    and the attorneys' ids (a paralegal's draft names the signing attorney)."""
    from app.auth import service
    from app.auth.models import UserAccount
    from app.core.config import Settings
    from app.core.db import make_database
    from app.core.security import create_access_token

    settings = Settings(database_url=url)
    db = make_database(settings)
    headers, attorneys = [], []
    with db.session(write=True) as s:
        org = service.create_organization(s, "Fictional Load Collective")
        users = []
        for i in range(n_users):
            role = "attorney" if i % 3 == 0 else "paralegal"
            u = UserAccount(organization_id=org.id, email=f"load-{i}-{uuid.uuid4().hex[:6]}@example.org",
                            full_name=f"Load User {i}", role=role, password_hash=None,
                            bar_number="MD-0000" if role == "attorney" else None,
                            bar_state="MD" if role == "attorney" else None,
                            office_address="100 Example St, Baltimore, MD 21201" if role == "attorney" else None,
                            phone="+1-410-555-0100" if role == "attorney" else None)
            s.add(u)
            users.append(u)
        s.commit()
        for u in users:
            tok, _ = create_access_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=u.id,
                                         org_id=org.id, token_version=u.token_version, minutes=30)
            headers.append({"Authorization": f"Bearer {tok}"})
            if u.role == "attorney":
                attorneys.append(str(u.id))
    db.dispose()
    return headers, attorneys


# --- seeding through the API --------------------------------------------------------------------------------

@dataclass
class Seed:
    clients: list[str] = field(default_factory=list)
    facilities: list[str] = field(default_factory=list)
    proceedings: dict[str, str] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    attorneys: list[str] = field(default_factory=list)
    pdf: bool = False
    pdf_note: str = ""


def seed(base: str, h: dict[str, str], attorneys: list[str], n_clients: int, n_facilities: int,
         rng: random.Random) -> Seed:
    out = Seed(attorneys=attorneys)
    with httpx.Client(base_url=base, headers=h, timeout=30) as c:
        # An on-call rotation, as an organization in production has one: a high or critical alert e-mails the
        # person on call (without a rotation the fallback e-mails every attorney; docs/notifications.md).
        now = datetime.now(UTC)
        r = c.put(f"{API}/on-call", json={
            "shifts": [{"user_id": attorneys[0], "starts_at": (now - timedelta(hours=1)).isoformat(),
                        "ends_at": (now + timedelta(days=1)).isoformat()}],
            "steps": [{"after_minutes": 0, "notify": "on_call"}, {"after_minutes": 15, "notify": "all_attorneys"}]})
        if r.status_code != 200:
            raise RuntimeError(f"PUT /on-call: {r.status_code} {r.text[:300]}")
        for i in range(n_facilities):
            district, city, state = STATES[i % len(STATES)]
            r = c.post(f"{API}/facilities", json={
                "name": f"Fictional Processing Center {i}", "type": "igsa_county_jail", "city": city,
                "state": state, "country": "US", "federal_district": district, "ice_field_office": "Baltimore",
                "custodian_name": f"Warden Example {i}", "custodian_title": "Warden"})
            r.raise_for_status()
            out.facilities.append(r.json()["id"])
        for i in range(n_clients):
            r = c.post(f"{API}/clients", json={
                "given_names": rng.choice(GIVEN), "first_surname": rng.choice(SURNAMES),
                "second_surname": rng.choice(SURNAMES), "a_number": f"{200000000 + i:09d}",
                "date_of_birth": f"{rng.randint(1960, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "country_of_birth": "SV", "citizenships": ["SV"]})
            r.raise_for_status()
            cid = r.json()["id"]
            out.clients.append(cid)
            p = c.post(f"{API}/clients/{cid}/proceedings", json={
                "forum": "district_court", "court_name": "United States District Court for the District of Maryland",
                "federal_district": "mdd", "docket_number": f"8:26-cv-{i:05d}",
                # A docketed case keeps the respondents it was filed against (Ex parte Endo), so they are recorded.
                "respondents": [{"name": "Warden Example", "title": "Warden, Fictional Processing Center",
                                 "role": "immediate_custodian"},
                                {"name": None, "title": "Field Office Director, Baltimore Field Office",
                                 "role": "field_office_director"}]})
            p.raise_for_status()
            out.proceedings[cid] = p.json()["id"]
            e = c.post(f"{API}/clients/{cid}/custody-events", json=custody_body(rng, out.facilities, days_ago=30))
            e.raise_for_status()
        today = datetime.now(UTC).date()
        for rule in RULES:  # keep the rules that compute from a plain trigger date
            r = c.post(f"{API}/deadlines/compute", json={"rule": rule, "trigger_date": str(today)})
            if r.status_code == 200:
                out.rules.append(rule)
        # Does the filings route exist yet? A missing route is a plain 404 "not_found"; a missing client or a
        # validation error has its own code.
        probe = c.post(f"{API}/clients/{out.clients[0]}/filings", json=pdf_body(out, out.clients[0]))
        code = probe.json().get("code") if probe.headers.get("content-type", "").endswith("json") else None
        if probe.status_code in (404, 405) and code in ("not_found", "method_not_allowed"):
            out.pdf_note = "skipped: POST /api/v1/clients/{id}/filings does not exist yet"
        elif probe.status_code >= 400:
            out.pdf_note = f"skipped: the probe PDF answered {probe.status_code} {code}"
        else:
            out.pdf = True
    return out


def custody_body(rng: random.Random, facilities: list[str], days_ago: float = 0.0) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(days=days_ago, seconds=rng.randint(0, 3600))
    return {"status": "detained_ice", "effective_at": at.isoformat(), "facility_id": rng.choice(facilities),
            "source_type": "ice_locator", "confidence": "reported"}


def pdf_body(seed_: Seed, client_id: str) -> dict[str, Any]:
    return {"template": "habeas_2241", "proceeding_id": seed_.proceedings.get(client_id),
            "options": {"attorney_id": seed_.attorneys[hash(client_id) % len(seed_.attorneys)]}}


# --- the virtual users ------------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    per_user: dict[int, list[float]] = field(default_factory=dict)
    trace: list[tuple[float, str, float, int, int]] = field(default_factory=list)

    def add(self, name: str, seconds: float, status: int, body: bytes, user: int, ended: float) -> None:
        self.latencies.setdefault(name, []).append(seconds)
        self.trace.append((ended, name, seconds, status, user))
        if "filings" not in name:
            self.per_user.setdefault(user, []).append(seconds)
        self.statuses.setdefault(name, {}).setdefault(status, 0)
        self.statuses[name][status] += 1
        if status >= 400 or status == 0:
            self.errors[name] = self.errors.get(name, 0) + 1
            self.samples.setdefault(name, f"{status} {body[:200]!r}")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked, close = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        k, v = k.strip().lower(), v.strip().lower()
        if k == "content-length":
            length = int(v)
        elif k == "transfer-encoding" and "chunked" in v:
            chunked = True
        elif k == "connection" and v == "close":
            close = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readline()
    else:
        body = await reader.readexactly(length) if length else b""
    if close:
        raise _Closed(status, body)
    return status, body


class _Closed(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def request_bytes(method: str, path: str, headers: dict[str, str], body: Any = None) -> bytes:
    raw = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(raw)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


async def virtual_user(i: int, port: int, headers: dict[str, str], s: Seed, stats: Stats, start: float,
                       end: float, record_from: float, think: float) -> None:
    rng = random.Random(i)
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    last_used = time.perf_counter()
    # One PDF per user per minute, at a random second of each minute.
    next_pdf = start + rng.uniform(0, 60) if s.pdf else float("inf")
    today = datetime.now(UTC).date()
    while time.perf_counter() < end:
        now = time.perf_counter()
        cid = rng.choice(s.clients)
        if now >= next_pdf:
            name, req = "POST /clients/{id}/filings", request_bytes(
                "POST", f"{API}/clients/{cid}/filings", headers, pdf_body(s, cid))
            next_pdf += 60
        else:
            roll = rng.random()
            if roll < 0.35:
                name = "GET /clients"
                req = request_bytes("GET", f"{API}/clients?limit=50&offset={rng.choice([0, 50, 100])}", headers)
            elif roll < 0.70:
                name, req = "GET /clients/{id}/status", request_bytes("GET", f"{API}/clients/{cid}/status", headers)
            elif roll < 0.85:
                name, req = "POST /clients/{id}/custody-events", request_bytes(
                    "POST", f"{API}/clients/{cid}/custody-events", headers, custody_body(rng, s.facilities))
            else:
                trigger = today - timedelta(days=rng.randint(0, 200))
                name, req = "POST /deadlines/compute", request_bytes(
                    "POST", f"{API}/deadlines/compute", headers,
                    {"rule": rng.choice(s.rules), "trigger_date": str(trigger)})
        if conn is not None and time.perf_counter() - last_used > KEEPALIVE_IDLE:
            conn[1].close()  # uvicorn drops keep-alive connections idle for 5 s; do not race it
            conn = None
        t0 = time.perf_counter()
        status, body = 0, b""
        for attempt in (1, 2):
            reused = conn is not None
            try:
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", port)
                conn[1].write(req)
                await conn[1].drain()
                status, body = await asyncio.wait_for(read_response(conn[0]), timeout=60)
                break
            except _Closed as closed:  # the server answered and closed: fine, reconnect next time
                status, body = closed.status, closed.body
                conn[1].close()
                conn = None
                break
            except (TimeoutError, OSError, ConnectionError, ValueError, IndexError) as exc:
                body = repr(exc).encode()
                if conn:
                    conn[1].close()
                conn = None
                # Like any HTTP client: a request that died on a *reused* keep-alive connection before any
                # answer byte is retried once on a fresh connection; anything else is an error.
                if not (reused and attempt == 1 and isinstance(exc, ConnectionError)):
                    break
        last_used = time.perf_counter()
        if t0 >= record_from:
            stats.add(name, last_used - t0, status, body, user=i, ended=last_used - record_from)
        if think > 0:  # a person reads the answer before the next click (exponential, mean `think`)
            await asyncio.sleep(min(rng.expovariate(1 / think), 10 * think, max(0.0, end - time.perf_counter())))
    if conn:
        conn[1].close()


async def drive(port: int, headers: list[dict[str, str]], s: Seed, users: int, seconds: float,
                warmup: float, think: float) -> tuple[Stats, float]:
    stats = Stats()
    start = time.perf_counter()
    record_from = start + warmup
    end = record_from + seconds
    tasks = [virtual_user(i, port, headers[i % len(headers)], s, stats, start, end, record_from, think)
             for i in range(users)]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=warmup + seconds + 120)
    return stats, time.perf_counter() - record_from


# --- report -----------------------------------------------------------------------------------------------

def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


ORDER = ["GET /clients", "GET /clients/{id}/status", "POST /clients/{id}/custody-events", "POST /deadlines/compute",
         "POST /clients/{id}/filings"]


def report_baseline(stats: Stats) -> None:
    print("\nService time with 1 user, sequential (what one request costs the server when nothing else runs):\n")
    print("| endpoint | requests | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for name in ORDER:
        lat = stats.latencies.get(name, [])
        if lat:
            print(f"| {name} | {len(lat):,} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} |")


def report(stats: Stats, elapsed: float, args: argparse.Namespace, s: Seed, load_avg: float) -> bool:
    order = ORDER
    pacing = f"think time {args.think:g} s (exponential mean)" if args.think > 0 else "no think time (closed loop)"
    print(f"\n{args.users} virtual users, {pacing}, {args.seconds:.0f} s measured (after {args.warmup:.0f} s "
          f"warm-up), uvicorn x{args.workers} workers ({args.http_parser}"
          f"{', jobs on a separate worker process' if args.separate_worker else ', jobs in the API processes'}), "
          f"PostgreSQL, {len(s.clients)} clients / "
          f"{len(s.facilities)} facilities, {os.cpu_count()} CPUs, load average before the run "
          f"{load_avg:.2f}\n")
    print("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total, total_err, all_lat = 0, 0, []
    for name in order:
        lat = stats.latencies.get(name, [])
        if not lat:
            continue
        err = stats.errors.get(name, 0)
        total += len(lat)
        total_err += err
        all_lat += lat
        print(f"| {name} | {len(lat):,} | {len(lat) / elapsed:,.1f} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} | "
              f"{pct(lat, 99):.1f} | {err} |")
    print(f"| **all** | {total:,} | {total / elapsed:,.1f} | {pct(all_lat, 50):.1f} | {pct(all_lat, 95):.1f} | "
          f"{pct(all_lat, 99):.1f} | {total_err} |")
    busy = sum(sum(v) for v in stats.latencies.values())
    print(f"\nRequests in flight on average (sum of latencies / time): {busy / elapsed:.1f} of {args.users} users.")
    means = sorted(sum(v) / len(v) * 1000 for v in stats.per_user.values() if v)
    if means:
        # Each user keeps one connection, and a connection stays with the worker process that accepted it: two
        # groups of users with different means show connections spread unevenly over the workers.
        print(f"Mean latency per user (PDFs aside): fastest {means[0]:.0f} ms, median {means[len(means) // 2]:.0f} "
              f"ms, slowest {means[-1]:.0f} ms.")
    print(tail_summary(stats, elapsed))
    if not s.pdf:
        print(f"\nPDF part {s.pdf_note}.")
    reads_p99 = max((pct(stats.latencies.get(n, []), 99) for n in READS if stats.latencies.get(n)), default=0.0)
    ok = total_err == 0 and reads_p99 < 250
    print(f"\nGoal: 0 errors and p99 of reads < 250 ms -> errors {total_err}, worst read p99 {reads_p99:.1f} ms: "
          f"{'MET' if ok else 'NOT MET'}{'' if s.pdf else ' (without PDFs: not the mix the goal names)'}")
    for name, sample in stats.samples.items():
        print(f"  first error on {name}: {sample}  (statuses {stats.statuses.get(name)})")
    return ok


def tail_summary(stats: Stats, elapsed: float, window: float = 0.25) -> str:
    """Where the slowest reads come from: in a closed loop, slow requests spread over the run mean some requests
    cost more; slow requests that end together in a few short windows mean the server stalled and everything
    in its queue waited. Also the throughput of the slowest and the median second."""
    reads = [(ended, seconds) for ended, name, seconds, _, _ in stats.trace if name in READS]
    if not reads:
        return ""
    cut = pct([sec for _, sec in reads], 99) / 1000
    slow = [ended for ended, sec in reads if sec >= cut]
    windows = {int(ended / window) for ended in slow}
    per_second: dict[int, int] = {}
    for ended, name, _, _, _ in stats.trace:
        if "filings" not in name and ended < int(elapsed):
            per_second[int(ended)] = per_second.get(int(ended), 0) + 1
    rates = sorted(per_second.values())
    rate_note = (f"; requests per second: slowest second {rates[0]}, median second {rates[len(rates) // 2]}"
                 if rates else "")
    return (f"Reads at or above their p99 ({cut * 1000:.0f} ms): {len(slow)}, ending in {len(windows)} distinct "
            f"{window * 1000:.0f}-ms windows{rate_note}.")


def connection_spread(port: int, token: str) -> str:
    """What the server says about its workers' connections (app/connection_balance.py), from /metrics."""
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    except httpx.HTTPError as exc:
        return f"Connection spread: /metrics unreachable ({exc!r})."
    closed = [line for line in r.text.splitlines() if line.startswith("dueprocess_http_connections_rebalanced_total{")]
    if r.status_code != 200 or not closed:
        return "Connection spread: not reported by this server."
    counts = [int(float(line.rsplit(" ", 1)[1])) for line in closed]
    return (f"Connections the workers closed to even out their split (whole run, setup included): {sum(counts)} "
            f"({' + '.join(map(str, counts))}).")


def write_trace(path: Path, stats: Stats) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("end_s,endpoint,ms,status,user\n")
        for ended, name, seconds, status, user in sorted(stats.trace):
            f.write(f"{ended:.4f},{name},{seconds * 1000:.1f},{status},{user}\n")
    print(f"trace: {len(stats.trace)} requests written to {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--facilities", type=int, default=12)
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean think time between one user's requests in seconds (0 = back-to-back)")
    ap.add_argument("--baseline", type=float, default=3.0, help="seconds of the 1-user baseline (0 = skip)")
    ap.add_argument("--no-pdf", action="store_true", help="leave the one PDF per user per minute out of the mix")
    ap.add_argument("--http-parser", choices=("h11", "httptools"), default="httptools",
                    help="the server's HTTP_PARSER (httptools, the default, with its head cap; or h11)")
    ap.add_argument("--separate-worker", action="store_true",
                    help="as docker-compose.yml runs it: the API with JOBS_IN_PROCESS=false and one "
                         "`dueprocess worker` process beside it (on the same CPUs)")
    ap.add_argument("--trace", type=Path, help="write one CSV line per measured request (end s, endpoint, ms, "
                    "status, user) to this file, to see when the slow ones happen")
    ap.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", PG_DEFAULT))
    args = ap.parse_args()
    if not args.pg.startswith("postgresql") or make_url(args.pg).host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("--pg must be a PostgreSQL URL on the loopback interface")

    env = server_env("")
    env["HTTP_PARSER"] = args.http_parser
    env["METRICS_TOKEN"] = "bench-metrics-" + uuid.uuid4().hex  # to read the workers' connection counts at the end
    if args.separate_worker:
        env["JOBS_IN_PROCESS"] = "false"
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    url, name = create_database(args.pg)
    env["DATABASE_URL"] = url
    proc = worker = None
    log_path = Path(tempfile.mkdtemp(prefix="dp-bench-load-")) / "server.log"
    try:
        from app.migrations import upgrade

        t0 = time.perf_counter()
        upgrade(url, "heads")
        headers, attorneys = create_org(url, n_users=min(args.users, 25))
        port = free_port()
        proc = start_server(env, port, args.workers, log_path)
        if args.separate_worker:
            worker = start_worker(env, log_path.with_name("worker.log"))
        s = seed(f"http://127.0.0.1:{port}", headers[0], attorneys, args.clients, args.facilities, random.Random(7))
        if not s.rules:
            raise RuntimeError("no deadline rule computes from a trigger date")
        if args.no_pdf and s.pdf:
            s.pdf, s.pdf_note = False, "left out (--no-pdf)"
        print(f"setup: migrated, {len(headers)} users, {len(s.clients)} clients seeded in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        if args.baseline > 0:
            base, _ = asyncio.run(drive(port, headers, s, 1, args.baseline, 1.0, 0.0))
            report_baseline(base)
        load_avg = os.getloadavg()[0]
        # The generator's own heap (it imported the app to set up) is left out of garbage collection, so its
        # pauses do not show up as server latency.
        gc.collect()
        gc.freeze()
        stats, elapsed = asyncio.run(drive(port, headers, s, args.users, args.seconds, args.warmup, args.think))
        ok = report(stats, elapsed, args, s, load_avg)
        print(connection_spread(port, env["METRICS_TOKEN"]))
        if args.trace:
            write_trace(args.trace, stats)
    finally:
        stop(worker)
        stop(proc, 15)
        drop_database(args.pg, name)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
