"""Family page benchmark (a benchmark, not a test): p50/p99 of ``GET /family/clients/{id}`` for 50 concurrent
family sessions with a 1 s think time, optionally beside a staff load on the same server.

1. creates a scratch PostgreSQL database (as bench/load.py does, whose helpers it reuses), one organization with
   staff, ``--clients`` clients with a family-visible custody event each;
2. starts the API as its own process (``dueprocess serve --workers 2``, APP_ENV=production);
3. invites one family liaison per session through the API (``invitation_token``), accepts it, and signs in on
   the family page (CSRF token and cookies by hand: the cookies are Secure, the benchmark speaks plain HTTP on
   loopback);
4. measures the page with one sequential session (the baseline), then drives ``--sessions`` sessions, each
   reading its client's page and thinking ``--think`` seconds (±20 %), while ``--staff-users`` staff users read
   ``GET /clients/{id}/status`` back to back (0 = no staff load); with ``--with-load``, instead, bench/load.py's
   whole staff load (50 users, no think time, its mix and PDFs, its 200 seeded clients) runs on the same server
   from 5 s before the sessions start, and its own table is printed too;
5. prints a table (requests, p50, p99, ratio to the baseline's p50/p99) and checks the goal: 0 errors and p99 of
   the page < 300 ms. Stops the server and drops the scratch database.

    .venv/bin/python bench/family.py [--seconds 20] [--sessions 50] [--think 1.0] [--staff-users 10]
                                     [--with-load]

Exit status 0 when the goal is met, 1 otherwise. Fictional data only; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import load  # noqa: E402
from bench._http import free_port, start_server, stop  # noqa: E402
from bench.load import PG_DEFAULT, create_database, create_org, drop_database, pct, server_env  # noqa: E402

API = "/api/v1"
GOAL_P99_MS = 300.0
PASSWORD = "a long fictional passphrase 2026"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _cookie(resp: httpx.Response, name: str) -> str | None:
    for header in resp.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    return None


def setup_families(base: str, staff: dict[str, str], n: int) -> tuple[list[tuple[str, str]], list[str]]:
    """``n`` clients, each with a family-visible event and an invited liaison who signed in on the page. Returns
    (page cookie, client id) per session and the client ids."""
    sessions: list[tuple[str, str]] = []
    clients: list[str] = []
    with httpx.Client(base_url=base, headers=staff, timeout=60) as c:
        fac = c.post(f"{API}/facilities", json={"name": "Fictional Processing Center", "type": "igsa_county_jail",
                                                "city": "Lumpkin", "state": "GA", "country": "US",
                                                "federal_district": "gamd"}).raise_for_status().json()["id"]
        for i in range(n):
            cid = c.post(f"{API}/clients", json={"given_names": "José Luis", "first_surname": "Ramírez",
                                                 "second_surname": "Núñez", "a_number": f"{300000000 + i:09d}",
                                                 "country_of_birth": "SV", "citizenships": ["SV"]}
                         ).raise_for_status().json()["id"]
            c.post(f"{API}/clients/{cid}/custody-events", json={
                "status": "detained_ice", "effective_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                "facility_id": fac, "source_type": "ice_locator", "confidence": "confirmed",
                "family_visible": True}).raise_for_status()
            g = c.post(f"{API}/clients/{cid}/liaison-grants", json={
                "scopes": ["custody_status", "location", "hearings", "deadlines_generic"],
                "consent": {"method": "written_signed", "obtained_at": (datetime.now(UTC) - timedelta(hours=1))
                            .isoformat(), "language": "es"},
                "invite": {"email": f"familia-{i}-{os.getpid()}@example.org", "full_name": "Ana Ramírez",
                           "preferred_language": "es"}}).raise_for_status().json()
            c.post(f"{API}/auth/accept-invite", json={"token": g["invitation_token"], "password": PASSWORD},
                   headers={"Authorization": ""}).raise_for_status()
            clients.append(cid)
            sessions.append((_sign_in(base, g["liaison"]["email"]), cid))
    return sessions, clients


def _sign_in(base: str, email: str) -> str:
    with httpx.Client(base_url=base, timeout=60, headers={"Accept": "text/html"}) as b:
        page = b.get("/family/login").raise_for_status()
        pre = _cookie(page, "dp_family_pre")
        m = CSRF.search(page.text)
        assert pre and m, "no CSRF token on the sign-in page"
        r = b.post("/family/login", data={"email": email, "password": PASSWORD, "csrf": m.group(1)},
                   headers={"Cookie": f"dp_family_pre={pre}"})
        raw = _cookie(r, "dp_family")
        if r.status_code != 303 or not raw:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")
        return raw


async def family_session(base: str, cookie: str, cid: str, until: float, think: float, lat: list[float],
                         errors: list[int], rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Cookie": f"dp_family={cookie}",
                                                                     "Accept": "text/html"}) as c:
        await asyncio.sleep(rng.uniform(0, think))  # sessions do not start in lockstep
        while time.monotonic() < until:
            t0 = time.perf_counter()
            r = await c.get(f"/family/clients/{cid}")
            elapsed = time.perf_counter() - t0  # seconds (bench.load.pct answers milliseconds)
            if r.status_code == 200:
                lat.append(elapsed)
            else:
                errors.append(r.status_code)
            if think > 0:
                await asyncio.sleep(think * rng.uniform(0.8, 1.2))


async def staff_user(base: str, h: dict[str, str], clients: list[str], until: float, lat: list[float],
                     errors: list[int], rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=h) as c:
        while time.monotonic() < until:
            t0 = time.perf_counter()
            r = await c.get(f"{API}/clients/{rng.choice(clients)}/status")
            if r.status_code == 200:
                lat.append(time.perf_counter() - t0)
            else:
                errors.append(r.status_code)


async def drive(base: str, sessions: list[tuple[str, str]], staff: list[dict[str, str]], clients: list[str],
                seconds: float, think: float) -> dict[str, Any]:
    until = time.monotonic() + seconds
    rng = random.Random(11)
    fam_lat: list[float] = []
    fam_err: list[int] = []
    staff_lat: list[float] = []
    staff_err: list[int] = []
    tasks = [family_session(base, ck, cid, until, think, fam_lat, fam_err, random.Random(rng.random()))
             for ck, cid in sessions]
    tasks += [staff_user(base, h, clients, until, staff_lat, staff_err, random.Random(rng.random())) for h in staff]
    await asyncio.gather(*tasks)
    return {"family": (fam_lat, fam_err), "staff": (staff_lat, staff_err)}


def row(name: str, lat: list[float], errors: list[int], seconds: float, base: tuple[float, float] | None) -> str:
    if not lat:
        return f"| {name} | 0 | - | - | - | {len(errors)} |"
    p50, p99 = pct(lat, 50), pct(lat, 99)
    ratio = f"{p50 / base[0]:.1f}× / {p99 / base[1]:.1f}×" if base else "1.0× / 1.0×"
    return f"| {name} | {len(lat)} ({len(lat) / seconds:.0f}/s) | {p50:.1f} | {p99:.1f} | {ratio} | {len(errors)} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--baseline", type=float, default=3.0)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--staff-users", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--with-load", action="store_true",
                    help="run bench/load.py's 50 staff users on the same server (replaces --staff-users)")
    ap.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", PG_DEFAULT))
    args = ap.parse_args()
    if not args.pg.startswith("postgresql") or make_url(args.pg).host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("--pg must be a PostgreSQL URL on the loopback interface")
    env = server_env("")
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    url, name = create_database(args.pg)
    env["DATABASE_URL"] = url
    proc = None
    log_path = Path(tempfile.mkdtemp(prefix="dp-bench-family-")) / "server.log"
    ok = False
    try:
        from app.migrations import upgrade

        t0 = time.perf_counter()
        upgrade(url, "heads")
        headers, attorneys = create_org(url, n_users=25 if args.with_load else max(1, args.staff_users))
        attorney = headers[0]  # create_org makes user 0 an attorney
        port = free_port()
        proc = start_server(env, port, args.workers, log_path)
        base = f"http://127.0.0.1:{port}"
        sessions, clients = setup_families(base, attorney, args.sessions)
        print(f"setup: {len(sessions)} family sessions signed in, {time.perf_counter() - t0:.1f} s", flush=True)
        baseline = asyncio.run(drive(base, sessions[:1], [], clients, args.baseline, 0.0))["family"][0]
        b = (pct(baseline, 50), pct(baseline, 99))
        staff = headers[: args.staff_users] if args.staff_users and not args.with_load else []
        if args.with_load:
            seeded = load.seed(base, headers[0], attorneys, 200, 12, random.Random(7))
            load_avg = os.getloadavg()[0]

            async def both() -> tuple[dict[str, Any], tuple[load.Stats, float]]:
                staff_load = asyncio.ensure_future(load.drive(port, headers, seeded, 50, args.seconds + 5, 5.0, 0.0))
                await asyncio.sleep(5.0)  # bench/load.py's own warm-up
                fam = await drive(base, sessions, [], clients, args.seconds, args.think)
                return fam, await staff_load

            out, (stats, elapsed) = asyncio.run(both())
            load.report(stats, elapsed, argparse.Namespace(users=50, think=0.0, seconds=args.seconds + 5, warmup=5.0,
                                                           workers=args.workers, http_parser="httptools",
                                                           separate_worker=False), seeded, load_avg)
        else:
            load_avg = os.getloadavg()[0]
            out = asyncio.run(drive(base, sessions, staff, clients, args.seconds, args.think))
        fam_lat, fam_err = out["family"]
        beside = "bench/load.py's 50 staff users (table above)" if args.with_load else f"{len(staff)} staff users"
        print(f"\nconditions: {args.sessions} family sessions, think {args.think} s, {beside} "
              f"back to back, {args.workers} workers, {args.seconds:.0f} s; load average before: {load_avg:.2f} "
              f"on {os.cpu_count()} CPUs\n")
        print("| phase | requests | p50 ms | p99 ms | vs baseline (p50 / p99) | errors |")
        print("|---|---|---|---|---|---|")
        print(row("baseline: 1 session, no think time", baseline, [], args.baseline, None))
        print(row(f"GET /family/clients/{{id}} × {args.sessions} sessions", fam_lat, fam_err, args.seconds, b))
        if staff:
            print(row(f"staff GET /clients/{{id}}/status × {len(staff)}", *out["staff"], args.seconds, None))
        ok = not fam_err and bool(fam_lat) and pct(fam_lat, 99) < GOAL_P99_MS
        print(f"\ngoal (0 errors, page p99 < {GOAL_P99_MS:.0f} ms): {'met' if ok else 'NOT met'}")
    finally:
        stop(proc, 15)
        drop_database(args.pg, name)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
