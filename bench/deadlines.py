"""Benchmark: the deadline engine and ``GET /api/v1/deadlines`` at scale.

1. Computations per second on one core for 30-day rules (FRCP 6(a), EOIR-APPEAL-IJ, PFR-30 under FRAP 26)
   over random triggers 2020-2035, with and without the trace (same method as bench/deadlines_compute.py).
2. ``GET /api/v1/deadlines`` latency (p50/p95, in-process through the ASGI app with TestClient, auth included)
   with 10,000 vs 1,000,000 deadlines in ONE organization, bulk-inserted into a scratch database (SQLite file;
   PostgreSQL too with --postgres). Goal: the 1,000,000-row p50 within 1.5x of the 10,000-row p50.

    .venv/bin/python bench/deadlines.py                                   # SQLite only
    .venv/bin/python bench/deadlines.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/deadlines.py --sizes 10000 100000 --requests 100   # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("JWT_SECRET_KEY", "bench-only-key-" + "k" * 40)
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")

import sqlalchemy as sa  # noqa: E402

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)  # "today" of the dataset: past deadlines are history
FIRST, LAST = date(2020, 1, 1), date(2035, 12, 31)


# --- 1. engine throughput ---------------------------------------------------------------------------------------


def engine_table(n: int, seed: int) -> None:
    from app.deadlines.catalog import RULES
    from app.deadlines.compute import Direction, Regime, RuleSpec, Unit
    from bench.deadlines_compute import run

    frcp_30 = RuleSpec(id="BENCH-FRCP-30", title="30-day FRCP period", trigger="event", period=30, unit=Unit.DAYS,
                       direction=Direction.AFTER, regime=Regime.FRCP6, citation="FRCP 6(a)")
    rng = random.Random(seed)
    span = (LAST - FIRST).days
    triggers = [FIRST + timedelta(days=rng.randrange(span + 1)) for _ in range(n)]
    cases = [("FRCP 6(a), 30 days", frcp_30, None), ("FRCP 6(a), 30 days, court state MD", frcp_30, "MD"),
             ("EOIR-APPEAL-IJ, 30 days", RULES["EOIR-APPEAL-IJ"], None), ("PFR-30 (FRAP 26), 30 days", RULES["PFR-30"],
                                                                          None)]
    print(f"### Engine: computations per second, one core, {n:,} random triggers 2020-2035\n")
    print("| rule | trace | computations/s | µs each |")
    print("|---|---|---:|---:|")
    for label, rule, state in cases:
        for with_trace in (False, True):
            rate = run(rule, triggers, with_trace=with_trace, state=state)
            print(f"| {label} | {'yes' if with_trace else 'no'} | {rate:,.0f} | {1e6 / rate:.1f} |")
    print()


# --- 2. list latency ---------------------------------------------------------------------------------------------


def scratch(pg_base: str | None, n: int, cache_dir: Path | None) -> tuple[str, bool, Any]:
    """A database for ``n`` rows: (url, already populated?, cleanup). ``cache_dir`` keeps and reuses them."""
    from sqlalchemy.engine import make_url

    if pg_base is None:
        folder = cache_dir or Path(tempfile.mkdtemp(prefix="dp-bench-deadlines-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"deadlines-{n}.sqlite3"
        reuse = cache_dir is not None and path.exists()

        def drop_file() -> None:
            if cache_dir is None:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)

        return f"sqlite:///{path}", reuse, drop_file
    name = f"dp_bench_deadlines_{n}" if cache_dir is not None else f"dp_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(make_url(pg_base), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None
        if not exists:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        if cache_dir is not None:
            return
        eng = sa.create_engine(make_url(pg_base), isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return make_url(pg_base).set(database=name).render_as_string(hide_password=False), exists, drop


def populate(db: Any, n: int, seed: int) -> float:
    """One organization, five staff users, 2,000 clients and ``n`` deadlines spread over 2020-2035."""
    from app.auth import service as auth_service
    from app.auth.models import UserAccount
    from app.clients.models import Client
    from app.deadlines.models import Deadline

    rng = random.Random(seed)
    with db.session(write=True) as s:
        org = auth_service.create_organization(s, f"Bench Org {uuid.uuid4().hex[:6]}")
        users = [UserAccount(organization_id=org.id, email=f"u{i}-{uuid.uuid4().hex[:6]}@example.org",
                             full_name=f"Bench User {i}", role="paralegal" if i else "attorney") for i in range(5)]
        s.add_all(users)
        clients = [Client(organization_id=org.id, given_names=f"Cliente {i}", first_surname="Ficticio",
                          search_name=f"cliente {i} ficticio") for i in range(2000)]
        s.add_all(clients)
        s.commit()
        org_id = org.id
        client_ids = [c.id for c in clients]
        owner_ids: list[uuid.UUID | None] = [u.id for u in users] + [None, None]
    table = Deadline.__table__  # type: ignore[attr-defined]
    span = (LAST - FIRST).days
    trace = [{"date": "2026-01-01", "action": "due", "reason": "bench row", "citation": ""}]
    batch = 10_000
    started = time.perf_counter()
    with db.session(write=True) as s:
        for start in range(0, n, batch):
            rows = []
            for _ in range(min(batch, n - start)):
                day = FIRST + timedelta(days=rng.randrange(span + 1))
                due_at = datetime(day.year, day.month, day.day, 3, 59, 59, tzinfo=UTC) + timedelta(days=1)
                if due_at < NOW:
                    status = rng.choices(("met", "missed", "moot"), (85, 10, 5))[0]
                else:
                    status = "open" if rng.random() < 0.95 else "extended"
                rows.append({
                    "id": uuid.uuid4(), "organization_id": org_id, "client_id": rng.choice(client_ids),
                    "rule_id": "PFR-30", "title": "Petition for review in the court of appeals",
                    "trigger_date": day - timedelta(days=30), "service_method": "electronic",
                    "court_timezone": "America/New_York", "regime": "frap26", "due_earliest_safe_date": day,
                    "due_latest_arguable_date": day, "due_at": due_at, "due_latest_arguable_at": due_at,
                    "trace": trace, "computation_notes": [], "jurisdictional": True, "extendable": False,
                    "obligated_party": "us", "status": status, "owner_id": rng.choice(owner_ids),
                    "source": "computed", "proposed": False, "version": 1, "created_at": NOW, "updated_at": NOW,
                })
            s.execute(sa.insert(table), rows)
        s.commit()
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE deadline"))
    return time.perf_counter() - started


QUERIES = [
    ("`due_before` = today + 30 days (all history + next month)", {"due_before": "2026-12-29"}),
    ("next 30 days (`due_after` + `due_before`)", {"due_after": "2026-11-29", "due_before": "2026-12-29"}),
    ("open, due before today + 30 days", {"status": "open", "due_before": "2026-12-29"}),
    ("`due_before` = 1 Feb 2020 (first month of data)", {"due_before": "2020-02-01"}),
]


class Target:
    """One populated database behind its own app instance."""

    def __init__(self, url: str, n: int, seed: int, populated: bool) -> None:
        from fastapi.testclient import TestClient
        from sqlmodel import select

        from app.auth.models import UserAccount
        from app.core.config import Settings
        from app.core.db import make_database
        from app.core.security import create_access_token
        from app.main import create_app
        from app.migrations import upgrade

        upgrade(url, "heads")
        self.n = n
        self.settings = Settings(database_url=url)
        self.db = make_database(self.settings)
        self.insert_s: float | None = None
        if not populated:
            self.insert_s = populate(self.db, n, seed)
            print(f"  inserted {n:,} deadlines in {self.insert_s:.0f} s", file=sys.stderr)
        with self.db.session() as s:
            user = s.exec(select(UserAccount).where(UserAccount.role == "paralegal").limit(1)).one()
        token, _ = create_access_token(key=self.settings.jwt_secret_key, issuer=self.settings.jwt_issuer,
                                       user_id=user.id, org_id=user.organization_id,
                                       token_version=user.token_version, minutes=30)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = TestClient(create_app(self.settings, db=self.db))
        self.client.__enter__()
        self.times: dict[str, list[float]] = {}
        self.last: dict[str, Any] = {}

    def get(self, label: str, params: dict[str, str]) -> None:
        t0 = time.perf_counter()
        r = self.client.get("/api/v1/deadlines", params={**params, "limit": "50"}, headers=self.headers)
        elapsed = time.perf_counter() - t0
        assert r.status_code == 200, r.text
        self.times.setdefault(label, []).append(elapsed)
        self.last[label] = r.json()

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.db.dispose()


def measure(targets: list[Target], requests: int, seed: int) -> None:
    """Interleave the targets request by request (shuffled each round), so that background load on the machine
    hits every database size alike and the ratio stays meaningful."""
    rng = random.Random(seed)
    for label, params in QUERIES:
        for _ in range(20):  # warm-up
            for t in targets:
                t.get("warm-up", params)
        for _ in range(requests):
            order = list(targets)
            rng.shuffle(order)
            for t in order:
                t.get(label, params)


def _p(times: list[float], q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] * 1000


def list_tables(backend: str, targets: list[Target]) -> None:
    small, big = targets[0], targets[-1]
    print(f"### `GET /api/v1/deadlines?...&limit=50` — {backend}, one organization, in-process ASGI (TestClient)\n")
    header = " | ".join(f"{t.n:,} rows p50 / p95 (ms)" for t in targets)
    print(f"| query | {header} | matches at {small.n:,} / {big.n:,} | p50 ratio |")
    print("|---|" + "---:|" * len(targets) + "---:|---:|")
    for label, _params in QUERIES:
        cells = " | ".join(f"{_p(t.times[label], .5):.2f} / {_p(t.times[label], .95):.2f}" for t in targets)
        matches = " / ".join(f"{t.last[label]['total']:,}{'+' if t.last[label]['total_capped'] else ''}"
                             for t in (small, big))
        ratio = _p(big.times[label], .5) / _p(small.times[label], .5)
        print(f"| {label} | {cells} | {matches} | {ratio:.2f}x |")
    inserts = [f"{t.n:,} rows in {t.insert_s:.0f} s" for t in targets if t.insert_s is not None]
    if inserts:
        print("\nBulk insert: " + ", ".join(inserts))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000, help="engine: number of random triggers")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="also run against PostgreSQL (base URL; scratch DB)")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="keep the populated databases (SQLite files here; PostgreSQL dp_bench_deadlines_<n>) "
                        "and reuse them on the next run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    if not args.skip_engine:
        engine_table(args.n, args.seed)
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    for label, base in backends:
        targets: list[Target] = []
        cleanups = []
        try:
            for n in sorted(args.sizes):
                url, populated, cleanup = scratch(base, n, args.cache_dir)
                cleanups.append(cleanup)
                targets.append(Target(url, n, args.seed, populated))
            measure(targets, args.requests, args.seed)
            list_tables(label, targets)
        finally:
            for t in targets:
                t.close()
            for cleanup in cleanups:
                cleanup()


if __name__ == "__main__":
    main()
