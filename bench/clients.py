"""Benchmark: client list filters, status view and CSV intake at 1,000 vs 100,000 clients, SQLite and PostgreSQL.

For each backend: a scratch database (SQLite file; PostgreSQL database created next to TEST_DATABASE_URL
and dropped afterwards) migrated with Alembic; the bundled facility list seeded; one organization with
100,000 clients and 300,000 custody events, a second one of the same size (tenancy must keep it out of the
way), and a small one with 1,000 clients / 3,000 events, all written with bulk inserts. Requests go through
the real application (FastAPI TestClient, in process, sequential), so the figures include auth, validation
and serialization. Prints markdown tables: p50/p99 per query at both sizes, the 100k/1k ratio (goal
<= 1.5x) and the mean number of clients on the page at each size, then CSV import throughput (goal >= 1,000 rows/s).

The goal is judged on equal pages ("the cost follows the page, not the table"): a query that returns fewer
clients at 1k than at 100k (``facility_id``: 1 against 50) is asked again at both sizes with ``limit`` set to
the 1k page (the ``, limit=N`` rows), and the verdict line takes the worst ratio among the rows whose pages
are equal; the default-page rows are printed too, marked "pages differ".

    .venv/bin/python bench/clients.py [--backends sqlite,postgres] [--clients 100000] [--reps 60]

PostgreSQL is skipped when it is unreachable. Fictional data only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")  # production would demand field-encryption keys
os.environ.setdefault("JWT_SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_BASE = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GIVEN = ["José", "María", "Luis", "Ana", "Kilmar", "Rosa", "Juan", "Carmen", "Óscar", "Lucía", "Pedro", "Sofía",
         "Miguel", "Elena", "Jorge", "Marta", "Raúl", "Inés", "Andrés", "Paula", "Héctor", "Julia", "Iván", "Noemí",
         "Ramón", "Clara", "Tomás", "Irene", "Víctor", "Alba", "Mohammed", "Fatima", "Wei", "Mei", "Yusuf", "Amina",
         "Jean", "Marie", "Abdi", "Hodan", "Carlos", "Gloria", "Diego", "Laura", "Emilio", "Rocío", "Hugo", "Eva"]
SURNAMES = ["García", "Martínez", "López", "Hernández", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
            "Cruz", "Flores", "Gómez", "Díaz", "Reyes", "Morales", "Jiménez", "Ruiz", "Ortiz", "Castillo", "Vásquez",
            "Ábrego", "Núñez", "Peña", "Mejía", "Aguilar", "Chávez", "Romero", "Medina", "Herrera", "Castro",
            "Vargas", "Méndez", "Guzmán", "Rojas", "Salazar", "Ortega", "Delgado", "Soto", "Contreras", "Silva",
            "Fuentes", "Cabrera", "Ríos", "Cortés", "Molina", "Campos", "Orellana", "Alvarado", "Escobar", "Zelaya",
            "Pineda", "Portillo", "Velásquez", "Argueta", "Mendoza", "Ayala", "Bonilla", "Quintanilla", "Fajardo",
            "Amaya", "Osorio", "Villalobos", "Cárcamo", "Bautista", "Lemus", "Figueroa", "Rivas", "Acosta", "Paz",
            "Solís", "Lara", "Carranza", "Juárez", "Avilés", "Menjívar", "Rivera", "Ordóñez", "Murillo", "Tobar"]
COUNTRIES = ["SV", "GT", "HN", "MX", "VE", "CU", "NI", "CO", "EC", "HT", "CN", "IN"]
STATUSES = [("detained_ice", 25), ("detained_other_us", 4), ("hospitalized", 1), ("in_transit", 4),
            ("arrested_unlocated", 3), ("not_detained", 15), ("released_bond", 8), ("released_parole", 5),
            ("released_osup", 6), ("released_atd_or_or", 6), ("removed_to_designated_country", 8),
            ("removed_to_third_country", 3), ("held_by_foreign_government", 2), ("voluntary_departure", 2),
            ("returned_to_us", 1), ("unknown", 6), ("deceased", 1)]
DETAINED = {"detained_ice", "detained_other_us", "hospitalized"}
ABROAD = {"removed_to_designated_country", "removed_to_third_country", "held_by_foreign_government",
          "voluntary_departure"}


def fold(s: str) -> str:
    from app.core_data.names import fold_for_search

    return fold_for_search(s)


# --- database setup ------------------------------------------------------------------------------

def scratch_database(backend: str) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="dp-bench-clients-")
        return f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", lambda: shutil.rmtree(tmp, ignore_errors=True)
    base = make_url(PG_BASE)
    name = f"dp_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        eng = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def pg_reachable() -> bool:
    try:
        eng = sa.create_engine(make_url(PG_BASE))
        with eng.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def make_org(db: Any, settings: Any, name: str) -> tuple[uuid.UUID, dict[str, str]]:
    from app.auth import service as auth_service
    from app.auth.models import UserAccount
    from app.core.security import create_access_token

    with db.session(write=True) as s:
        org = auth_service.create_organization(s, name)
        user = UserAccount(organization_id=org.id, email=f"bench-{uuid.uuid4().hex[:8]}@example.org",
                           full_name="Bench Paralegal", role="paralegal", password_hash=None)
        s.add(user)
        s.commit()
        tok, _ = create_access_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=user.id,
                                     org_id=org.id, token_version=user.token_version, minutes=30)
        return org.id, {"Authorization": f"Bearer {tok}"}


def seed_org(db: Any, org_id: uuid.UUID, n_clients: int, facilities: list[uuid.UUID], a_base: int,
             rng: random.Random) -> dict[str, Any]:
    """Bulk-insert ``n_clients`` clients, 3 custody events each, the projection rows and the name index."""
    from app.clients.models import Client, ClientNameToken, encrypt_client_row
    from app.clients.name_index import token_rows
    from app.custody.models import CustodyCurrent, CustodyEvent

    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    fac_weights = [rng.randint(1, 10) for _ in facilities]
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC) - timedelta(days=1)
    client_t, event_t, current_t = Client.__table__, CustodyEvent.__table__, CustodyCurrent.__table__  # type: ignore[attr-defined]
    token_t = ClientNameToken.__table__  # type: ignore[attr-defined]
    chunk = 10_000
    sample: dict[str, Any] = {"ids": [], "a_numbers": [], "names": [], "rows": 0}
    with db.write_engine.begin() as conn:
        for start in range(0, n_clients, chunk):
            clients, events, currents, tokens = [], [], [], []
            for i in range(start, min(n_clients, start + chunk)):
                cid = uuid.uuid4()
                given, first, second = rng.choice(GIVEN), rng.choice(SURNAMES), rng.choice(SURNAMES)
                country = rng.choice(COUNTRIES)
                created = t0 + timedelta(seconds=i * 60)
                clients.append({
                    "id": cid, "organization_id": org_id, "a_number": f"{a_base + i:09d}",
                    "a_number_needs_review": False, "a_number_sealed": False, "given_names": given,
                    "first_surname": first, "second_surname": second, "name_on_charging_document": None,
                    "aliases": [], "search_name": fold(f"{given} {first} {second}"),
                    "date_of_birth": f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "sex": None, "country_of_birth": country, "citizenships": [country], "stateless": False,
                    "languages": [{"code": "spa", "name": None, "proficiency": None, "is_primary": True}],
                    "interpreter_needed": rng.random() < 0.4, "interpreter_language": None,
                    "last_arrival_date": None, "last_known_address": None, "sensitive_flags": [],
                    "privileged_notes": None, "deleted_at": None, "version": 1, "created_by": None,
                    "created_at": created, "updated_at": created,
                })
                tokens += token_rows(org_id, cid, created, clients[-1]["search_name"])
                eff = created
                last: dict[str, Any] = {}
                for _ in range(3):
                    eff = eff + timedelta(seconds=rng.randint(3600, 86400 * 30))
                    eff = min(eff, now)
                    status = rng.choices(statuses, weights)[0]
                    fac = rng.choices(facilities, fac_weights)[0] if status in DETAINED else None
                    last = {"id": uuid.uuid4(), "organization_id": org_id, "client_id": cid, "status": status,
                            "effective_at": eff, "reported_at": eff, "facility_id": fac, "location_text": None,
                            "country": rng.choice(COUNTRIES) if status in ABROAD else None, "custodian": None,
                            "detention_authority": None, "source_type": "ice_locator",
                            "source_detail": None, "confidence": rng.choice(["confirmed", "reported"]),
                            "family_visible": False, "notes": None, "entered_by": None, "retracted_at": None,
                            "retracted_by": None, "retraction_reason": None, "created_at": eff}
                    events.append(last)
                currents.append({"client_id": cid, "organization_id": org_id, "event_id": last["id"],
                                 "status": last["status"], "facility_id": last["facility_id"],
                                 "country": last["country"], "federal_district": None,
                                 "effective_at": last["effective_at"], "client_created_at": created})
                if rng.random() < 0.01:
                    sample["ids"].append(cid)
                    sample["a_numbers"].append(f"{a_base + i:09d}")
                    sample["names"].append((given, first))
            conn.execute(sa.insert(client_t), [encrypt_client_row(c) for c in clients])  # A-number: ct + blind index
            conn.execute(sa.insert(event_t), events)
            conn.execute(sa.insert(current_t), currents)
            conn.execute(sa.insert(token_t), tokens)
            sample["rows"] += len(clients) + len(events) + len(currents) + len(tokens)
        # district of each projection row, as rebuild_current would have written it
        from app.custody.models import Facility

        fac_t = Facility.__table__  # type: ignore[attr-defined]
        conn.execute(sa.update(current_t).where(current_t.c.organization_id == org_id,
                                                current_t.c.facility_id.is_not(None))
                     .values(federal_district=sa.select(fac_t.c.federal_district)
                             .where(fac_t.c.id == current_t.c.facility_id).scalar_subquery()))
    if not sample["ids"]:
        sample["ids"].append(cid)
        sample["a_numbers"].append(f"{a_base + n_clients - 1:09d}")
        sample["names"].append((given, first))
    return sample


# --- measurement ---------------------------------------------------------------------------------

def timed(client: TestClient, url: str, headers: dict[str, str], reps: int,
          params_fn: Callable[[int], dict[str, Any]]) -> tuple[float, float, int, float, int]:
    """(p50 ms, p99 ms, last total, mean number of items on the page, fewest items on a page)."""
    lat = []
    total = 0
    items = 0
    fewest = 10**9
    for i in range(3):  # warm-up
        client.get(url, headers=headers, params=params_fn(i))
    for i in range(reps):
        t = time.perf_counter()
        r = client.get(url.format(i=i), headers=headers, params=params_fn(i))
        lat.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{url} -> {r.status_code} {r.text[:300]}")
        total = r.json().get("total", total)
        n = len(r.json().get("items", [None]))
        items += n
        fewest = min(fewest, n)
    lat.sort()
    return (statistics.median(lat), lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))], total,
            items / reps, fewest)


def list_queries(sample: dict[str, Any], facility: uuid.UUID) -> dict[str, Callable[[int], dict[str, Any]]]:
    """The filtered list queries (query parameters of repetition ``i``) asked of an organization."""
    names = sample["names"]
    return {
        "status=detained_ice": lambda i: {"status": "detained_ice"},
        "status=hospitalized": lambda i: {"status": "hospitalized"},
        "facility_id": lambda i: {"facility_id": str(facility)},
        "q=surname": lambda i: {"q": fold(names[i % len(names)][1])},
        "q=given + surname": lambda i: {"q": " ".join(names[i % len(names)])},
    }


def measure(client: TestClient, headers: dict[str, str], sample: dict[str, Any], facility: uuid.UUID,
            reps: int, limits: dict[str, int] | None = None) -> dict[str, tuple[float, float, int, float, int]]:
    """p50/p99/total/items of each list query and of the status view; with ``limits``, only the list queries
    named there, asked for pages of that many clients."""
    rng = random.Random(7)
    out = {}
    for key, params in list_queries(sample, facility).items():
        if limits is None:
            out[key] = timed(client, "/api/v1/clients", headers, reps, params)
        elif key in limits:
            out[f"{key}, limit={limits[key]}"] = timed(client, "/api/v1/clients", headers, reps,
                                                       lambda i, p=params, n=limits[key]: {**p(i), "limit": n})
    if limits is not None:
        return out
    out["q=A-number"] = timed(client, "/api/v1/clients", headers, reps,
                              lambda i: {"q": "A-" + sample["a_numbers"][i % len(sample["a_numbers"])]})
    ids = sample["ids"]
    lat = []
    for i in range(reps + 3):
        cid = ids[rng.randrange(len(ids))]
        t = time.perf_counter()
        r = client.get(f"/api/v1/clients/{cid}/status", headers=headers)
        if i >= 3:
            lat.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    lat.sort()
    out["status view"] = (statistics.median(lat), lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))], 1, 1.0,
                          1)
    return out


def import_csv(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    eff = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
    lines = ["a_number,given_names,first_surname,second_surname,date_of_birth,country_of_birth,citizenships,"
             "languages,interpreter_needed,group,custody_status,custody_effective_at,facility_external_id,"
             "custody_country,source_type,confidence"]
    base = 700_000_000 + seed * 20_000
    for i in range(n):
        status, fac, country = "", "", ""
        if i % 2 == 0:
            status, fac = "detained_ice", "us-ga-stewart"
        elif i % 5 == 1:
            status, country = "removed_to_third_country", "SV"
        lines.append(",".join([
            f"A{base + i:09d}", rng.choice(GIVEN), rng.choice(SURNAMES), rng.choice(SURNAMES),
            f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "SV", "SV|GT",
            "spa", "true", f"Flight {seed}", status, eff if status else "", fac, country,
            "flight_manifest" if status else "", "reported" if status else "",
        ]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def run_backend(backend: str, n_big: int, n_small: int, reps: int) -> dict[str, Any]:
    from app.core.config import Settings
    from app.core.db import make_database
    from app.custody.facilities import upsert_facilities
    from app.custody.facility_csv import load_seed_facilities
    from app.custody.models import Facility
    from app.main import create_app
    from app.migrations import upgrade

    url, cleanup = scratch_database(backend)
    timings: dict[str, Any] = {"backend": backend}
    try:
        t = time.perf_counter()
        upgrade(url, "heads")
        settings = Settings(database_url=url)
        db = make_database(settings)
        with db.session(write=True) as s:
            upsert_facilities(s, load_seed_facilities())
            s.commit()
            facilities = [f.id for f in s.exec(sa.select(Facility).where(Facility.country == "US")).scalars()]
        rng = random.Random(42)
        big, big_h = make_org(db, settings, "Bench Big Org")
        twin, _ = make_org(db, settings, "Bench Twin Org")
        small, small_h = make_org(db, settings, "Bench Small Org")
        t_seed = time.perf_counter()
        big_sample = seed_org(db, big, n_big, facilities, 100_000_000, rng)
        twin_sample = seed_org(db, twin, n_big, facilities, 100_000_000, rng)  # same A-numbers, other organization
        small_sample = seed_org(db, small, n_small, facilities, 300_000_000, rng)
        maintenance = sa.create_engine(url, isolation_level="AUTOCOMMIT") if backend == "postgres" else None
        if maintenance is not None:  # what autovacuum would have done after a bulk load
            with maintenance.connect() as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
            maintenance.dispose()
        else:
            with db.write_engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        timings["seed_s"] = time.perf_counter() - t_seed
        timings["seed_rows"] = big_sample["rows"] + twin_sample["rows"] + small_sample["rows"]
        timings["seed_rows_per_s"] = timings["seed_rows"] / timings["seed_s"]
        # a typical facility: the one holding the median number of the big org's detainees
        with db.session() as s:
            from app.custody.models import CustodyCurrent

            counts = s.execute(sa.select(CustodyCurrent.facility_id, sa.func.count())
                               .where(CustodyCurrent.organization_id == big,
                                      CustodyCurrent.facility_id.is_not(None))  # type: ignore[union-attr]
                               .group_by(CustodyCurrent.facility_id).order_by(sa.func.count())).all()
        facility = counts[len(counts) // 2][0]
        app = create_app(settings, db=db)
        with TestClient(app) as client:
            timings["small"] = measure(client, small_h, small_sample, facility, reps)
            timings["big"] = measure(client, big_h, big_sample, facility, reps)
            # Equal pages: a query that fills fewer rows at 1k than at 100k is asked again at both sizes for
            # as many clients as the smallest 1k page held, so that the two figures differ by the table alone
            # (every client on a page has a cost of its own, whatever the table size).
            limits = {key: max(1, timings["small"][key][4]) for key in list_queries(small_sample, facility)
                      if timings["small"][key][3] < timings["big"][key][3] - 0.5}
            timings["small"].update(measure(client, small_h, small_sample, facility, reps, limits))
            timings["big"].update(measure(client, big_h, big_sample, facility, reps, limits))
            imports = []
            for label, n, headers, seed in (("1,000 rows, new org", 1000, None, 1),
                                            ("10,000 rows, new org", 10_000, None, 2),
                                            ("10,000 rows, into the 100k org", 10_000, big_h, 3)):
                h = headers or make_org(db, settings, f"Bench Import {seed}")[1]
                data = import_csv(n, seed)
                t_imp = time.perf_counter()
                r = client.post("/api/v1/clients/import", headers=h, files={"file": ("f.csv", data, "text/csv")})
                dt = time.perf_counter() - t_imp
                if r.status_code != 200 or r.json()["created"] != n:
                    raise RuntimeError(f"import failed: {r.status_code} {r.text[:500]}")
                imports.append((label, n, dt, r.json()["custody_events"]))
            timings["imports"] = imports
        db.dispose()
        timings["total_s"] = time.perf_counter() - t
    finally:
        cleanup()
    return timings


def report(results: list[dict[str, Any]], n_big: int, n_small: int) -> None:
    print(f"\n## Client list and status view: {n_small:,} vs {n_big:,} clients "
          f"(+ a second organization of {n_big:,}; 3 custody events per client)\n")
    print("Sequential requests through the app (TestClient, in process); default page size 50; "
          "`total` = matching clients in the big organization; `items` = mean clients on the page returned "
          "(each costs its loading, decryption and serialization, at any table size).\n")
    print(f"| backend | query | p50 {n_small // 1000}k ms | p99 {n_small // 1000}k ms | p50 {n_big // 1000}k ms | "
          f"p99 {n_big // 1000}k ms | ratio p50 | total ({n_big // 1000}k) | items {n_small // 1000}k / "
          f"{n_big // 1000}k |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for res in results:
        for key, (p50b, p99b, total, items_b, _) in res["big"].items():
            p50s, p99s, _, items_s, _ = res["small"][key]
            same_page = abs(items_b - items_s) < 0.5
            print(f"| {res['backend']} | {key} | {p50s:.1f} | {p99s:.1f} | {p50b:.1f} | {p99b:.1f} | "
                  f"{p50b / p50s:.2f}x{'' if same_page else ' (pages differ)'} | {total:,} | "
                  f"{items_s:.1f} / {items_b:.1f} |")
            if same_page:
                verdicts.append((res["backend"], key, p50b / p50s))
    worst = max(verdicts, key=lambda v: v[2]) if verdicts else None
    if worst is not None:
        met = worst[2] <= 1.5
        print(f"\nGoal: 100k p50 within 1.5x of 1k p50 for the same page -> worst {worst[2]:.2f}x "
              f"({worst[0]}, {worst[1]}): {'met' if met else 'NOT MET'}")
    print("\n## CSV import (POST /clients/import, one request, half the rows with a custody event)\n")
    print("| backend | file | seconds | rows/s | custody events |")
    print("|---|---|---:|---:|---:|")
    for res in results:
        for label, n, dt, events in res["imports"]:
            print(f"| {res['backend']} | {label} | {dt:.2f} | {n / dt:,.0f} | {events:,} |")
    print("\n## Seeding (bulk inserts, not part of the API)\n")
    print("| backend | rows | seconds | rows/s | whole run s |")
    print("|---|---:|---:|---:|---:|")
    for res in results:
        print(f"| {res['backend']} | {res['seed_rows']:,} | {res['seed_s']:.1f} | {res['seed_rows_per_s']:,.0f} | "
              f"{res['total_s']:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--reps", type=int, default=60)
    args = ap.parse_args()
    results = []
    for backend in args.backends.split(","):
        if backend == "postgres" and not pg_reachable():
            print(f"PostgreSQL at {PG_BASE} is unreachable: skipped", file=sys.stderr)
            continue
        print(f"... {backend}", file=sys.stderr)
        results.append(run_backend(backend, args.clients, args.small, args.reps))
    report(results, args.clients, args.small)


if __name__ == "__main__":
    main()
