"""Benchmark: cost of alert evaluation when recording a custody event.

100,000 clients, each with two protection orders (withholding as to one country; a no-transfer order for the
district of Maryland), are bulk-inserted into a scratch database. Then custody events are recorded through
the service layer (the custody service's ``create_event`` when present: lock client, validate, insert, rebuild
the projection, evaluate alerts, audit, commit), with evaluation ON and OFF every other event (OFF: this
script replaces ``app.protection.alerts.evaluate_custody_event`` with a function that raises nothing, in its
own process only), each event on a different client.
Goal: evaluation adds at most 25% to p50 and p99.

    .venv/bin/python bench/alerts.py                       # SQLite scratch file
    .venv/bin/python bench/alerts.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/alerts.py --clients 20000 --events 1000   # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("JWT_SECRET_KEY", "bench-only-key-" + "k" * 40)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import sqlalchemy as sa  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.db import make_database  # noqa: E402


@dataclass
class Actor:
    org_id: uuid.UUID
    user_id: uuid.UUID
    role: str = "paralegal"
    request_id: str | None = None
    ip: str | None = "127.0.0.1"


def scratch(pg_base: str | None) -> tuple[str, Any]:
    if pg_base is None:
        path = Path(tempfile.mkdtemp(prefix="dp-bench-")) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy.engine import make_url

    name = f"dp_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(make_url(pg_base), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_base).set(database=name).render_as_string(hide_password=False), drop


def populate(db: Any, n_clients: int) -> tuple[Actor, list[uuid.UUID], dict[str, uuid.UUID]]:
    from app.auth import service as auth_service
    from app.auth.models import UserAccount
    from app.clients.models import Client
    from app.custody.models import Facility
    from app.protection.models import ProtectionOrder

    now = datetime.now(UTC)
    with db.session(write=True) as s:
        org = auth_service.create_organization(s, f"Bench Org {uuid.uuid4().hex[:6]}")
        user = UserAccount(organization_id=org.id, email=f"bench-{uuid.uuid4().hex[:6]}@example.org",
                           full_name="Bench Paralegal", role="paralegal")
        md = Facility(organization_id=org.id, name="Bench Maryland Jail", type="igsa_county_jail", state="MD",
                      country="US", federal_district="mdd")
        tx = Facility(organization_id=org.id, name="Bench Texas Center", type="ice_contract", state="TX",
                      country="US", federal_district="txsd")
        s.add_all([user, md, tx])
        s.commit()
        actor = Actor(org.id, user.id)
        facilities = {"mdd": md.id, "txsd": tx.id}
    client_t = Client.__table__  # type: ignore[attr-defined]
    order_t = ProtectionOrder.__table__  # type: ignore[attr-defined]
    ids = [uuid.uuid4() for _ in range(n_clients)]
    countries = ["SV", "GT", "HN", "VE", "NI", "CU"]
    chunk = 5000
    for start in range(0, n_clients, chunk):
        part = ids[start:start + chunk]
        clients, orders = [], []
        for i, cid in enumerate(part, start):
            c = countries[i % len(countries)]
            clients.append({
                "id": cid, "organization_id": actor.org_id, "a_number": None, "a_number_needs_review": False,
                "a_number_sealed": False, "given_names": "Bench", "first_surname": f"Client{i}",
                "second_surname": None, "name_on_charging_document": None, "aliases": [],
                "search_name": f"bench client{i}", "date_of_birth": None, "sex": None, "country_of_birth": c,
                "citizenships": [c], "stateless": False, "languages": [], "interpreter_needed": False,
                "interpreter_language": None, "last_arrival_date": None, "last_known_address": None,
                "sensitive_flags": [], "privileged_notes": None, "deleted_at": None, "version": 1,
                "created_by": None, "created_at": now, "updated_at": now})
            common = {"organization_id": actor.org_id, "client_id": cid, "proceeding_id": None,
                      "judge": None, "docket_entry": None, "effective_at": None, "expires_at": None,
                      "extended": False, "removal_order_exists": "true", "removal_order_date": None,
                      "designated_country": c, "alternate_countries": [], "class_name": None,
                      "class_definition_text": None, "class_certified": None, "class_member_basis": None,
                      "notes": None, "status": "active", "status_changed_at": now, "verified": False,
                      "verified_by": None, "verified_at": None, "version": 1, "created_by": None,
                      "created_at": now, "updated_at": now}
            orders.append({**common, "id": uuid.uuid4(), "type": "withholding_241b3",
                           "scope": "removal_to_listed_countries", "countries": [c], "federal_district": None,
                           "issuing_body": "Immigration Judge", "issued_at": now - timedelta(days=2000)})
            orders.append({**common, "id": uuid.uuid4(), "type": "jurisdiction_preserving_order",
                           "scope": "transfer_out_of_district", "countries": [], "federal_district": "mdd",
                           "issuing_body": "D. Md.", "issued_at": now - timedelta(days=30)})
        with db.session(write=True) as s:
            s.execute(sa.insert(client_t), clients)
            s.execute(sa.insert(order_t), orders)
            s.commit()
    with db.engine.connect() as c:
        if db.dialect == "postgresql":
            c.execute(sa.text("ANALYZE"))
            c.commit()
        else:
            c.exec_driver_sql("ANALYZE")
            c.commit()
    return actor, ids, facilities


COUNTRIES = ["SV", "GT", "HN", "VE", "NI", "CU"]


def event_body(i: int, facilities: dict[str, uuid.UUID], when: datetime) -> tuple[str, dict[str, Any]]:
    """A realistic mix (category, body): routine detentions and releases; 1 event in 25 conflicts with an order
    (a transfer out of the protected district, or a flight to the protected country)."""
    base = {"effective_at": when, "source_type": "ice_locator", "confidence": "confirmed"}
    r = i % 50
    if r == 0:
        return "conflict", {**base, "status": "detained_ice", "facility_id": facilities["txsd"]}
    if r == 25:
        return "conflict", {**base, "status": "in_transit", "country": COUNTRIES[i % len(COUNTRIES)]}
    if r % 10 == 3:
        return "release", {**base, "status": "released_osup"}
    return "detention", {**base, "status": "detained_ice", "facility_id": facilities["mdd"]}


def recorder(db: Any) -> Any:
    """The custody service's use case if it exists, else the same steps inline."""
    try:
        from app.custody.schemas import CustodyEventCreate
        from app.custody.service import create_event

        def record(actor: Actor, client_id: uuid.UUID, body: dict[str, Any]) -> int:
            with db.session(write=True) as s:
                _, alerts = create_event(actor, s, client_id, CustodyEventCreate(**body))
                return len(alerts)

        return record, "app.custody.service.create_event"
    except ImportError:
        from app.clients.models import Client
        from app.core import audit
        from app.custody.models import CustodyEvent
        from app.custody.service import rebuild_current
        from app.protection import alerts as protection_alerts

        def record_inline(actor: Actor, client_id: uuid.UUID, body: dict[str, Any]) -> int:
            with db.session(write=True) as s:
                client = s.get(Client, client_id)
                ev = CustodyEvent(organization_id=actor.org_id, client_id=client_id, **body)
                s.add(ev)
                s.flush()
                rebuild_current(s, actor.org_id, client_id)
                alerts = protection_alerts.evaluate_custody_event(s, actor, client, ev)
                audit.record(s, actor, "custody_event.create", "custody_event", ev.id, {"alerts": len(alerts)})
                s.commit()
                return len(alerts)

        return record_inline, "inline (insert + rebuild_current + evaluate + audit + commit)"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def query_plan(db: Any, actor: Actor, client_id: uuid.UUID) -> str:
    """How the database finds a client's orders (the lookup every evaluation does)."""
    sql = "SELECT * FROM protection_order WHERE client_id = :c AND organization_id = :o"
    with db.session() as s:
        if db.dialect == "postgresql":
            rows = s.execute(sa.text("EXPLAIN " + sql), {"c": client_id, "o": actor.org_id}).all()
            return " / ".join(str(r[0]).strip() for r in rows[:2])
        rows = s.execute(sa.text("EXPLAIN QUERY PLAN " + sql), {"c": client_id.hex, "o": actor.org_id.hex}).all()
        return " / ".join(str(r[-1]) for r in rows)


def run(url: str, n_clients: int, n_events: int) -> None:
    from app.migrations import upgrade
    from app.protection import alerts as alerts_mod

    upgrade(url, "heads")
    settings = Settings(database_url=url)
    db = make_database(settings)
    t0 = time.perf_counter()
    actor, ids, facilities = populate(db, n_clients)
    load_s = time.perf_counter() - t0
    record, how = recorder(db)
    rng = random.Random(42)
    order = rng.sample(range(n_clients), min(n_clients, n_events + 200))
    timings: dict[bool, list[float]] = {True: [], False: []}
    by_cat: dict[tuple[str, bool], list[float]] = {}
    raised = {True: 0, False: 0}
    when = datetime.now(UTC) - timedelta(hours=1)
    for w in range(100):  # warm-up (caches, prepared statements, page cache)
        record(actor, ids[order[n_events + w]], event_body(w + 1, facilities, when)[1])
    # ON and OFF alternate every event (ABAB...) on the same sequence of event kinds, so that load changes on the
    # machine hit both modes alike; each event is for a client not touched before.
    evaluate = alerts_mod.evaluate_custody_event

    def no_evaluation(*_args: Any, **_kwargs: Any) -> list[Any]:
        return []

    for i in range(n_events):
        enabled = i % 2 == 0
        alerts_mod.evaluate_custody_event = evaluate if enabled else no_evaluation  # type: ignore[assignment]
        cat, body = event_body(i // 2, facilities, when)
        t = time.perf_counter()
        raised[enabled] += record(actor, ids[order[i]], body)
        ms = (time.perf_counter() - t) * 1000
        timings[enabled].append(ms)
        by_cat.setdefault((cat, enabled), []).append(ms)
    alerts_mod.evaluate_custody_event = evaluate  # type: ignore[assignment]
    plan = query_plan(db, actor, ids[0])
    db.dispose()

    on, off = timings[True], timings[False]
    print(f"\n### Alert evaluation cost — {db.dialect}, {n_clients:,} clients x 2 orders "
          f"(loaded in {load_s:.0f} s), {len(on) + len(off):,} events via {how}\n")
    print("| evaluation | events | alerts raised | mean ms | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, data, key in (("off", off, False), ("on", on, True)):
        print(f"| {label} | {len(data):,} | {raised[key]:,} | {statistics.fmean(data):.3f} | {pct(data, 50):.3f} "
              f"| {pct(data, 99):.3f} |")
    p50 = (pct(on, 50) / pct(off, 50) - 1) * 100
    p99 = (pct(on, 99) / pct(off, 99) - 1) * 100
    mean = (statistics.fmean(on) / statistics.fmean(off) - 1) * 100
    print(f"| **overhead** | | | {mean:+.1f}% | {p50:+.1f}% | {p99:+.1f}% |")
    verdict = "met" if p50 <= 25 and p99 <= 25 else "NOT met"
    print(f"\nGoal (evaluation adds at most 25% at p50 and p99): {verdict}.\n")
    print("| event kind | share | p50 off ms | p50 on ms | added p50 ms |")
    print("|---|---:|---:|---:|---:|")
    for cat in ("detention", "release", "conflict"):
        a, b = by_cat.get((cat, False), []), by_cat.get((cat, True), [])
        if a and b:
            share = (len(a) + len(b)) / (len(on) + len(off)) * 100
            print(f"| {cat} | {share:.0f}% | {pct(a, 50):.3f} | {pct(b, 50):.3f} | {pct(b, 50) - pct(a, 50):+.3f} |")
    print(f"\nOrders lookup plan: `{plan}`")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=2_000)
    ap.add_argument("--postgres", metavar="URL", help="also run on a scratch database next to this URL")
    ap.add_argument("--only-postgres", action="store_true")
    args = ap.parse_args()
    targets: list[str | None] = [] if args.only_postgres else [None]
    if args.postgres:
        targets.append(args.postgres)
    for base in targets:
        url, cleanup = scratch(base)
        try:
            run(url, args.clients, args.events)
        finally:
            cleanup()
            if base is None:
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
