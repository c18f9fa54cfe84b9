"""Benchmark: from ``POST /custody-events`` (the in-transit event that raises a critical alert) to the signed
webhook arriving at a local receiver and to the e-mail arriving at a local SMTP server.

The job engine is not there yet, so a "worker" thread stands in for it: a tight loop calling the delivery
sweep (``app.notifications.delivery.sweep``) every ``--poll`` seconds — what the ``notify`` queue's worker will
do on ``notifications.deliver`` jobs, minus the queue. The baseline, measured in the same process, is the
``POST`` itself (request to response); the table gives both figures and their ratio.
Goal: p99 < 2 s for the webhook and for the e-mail.

    .venv/bin/python bench/notify.py                     # SQLite scratch file, 40 events
    .venv/bin/python bench/notify.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("JWT_SECRET_KEY", "bench-only-key-" + "k" * 40)
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")

from aiosmtpd.controller import Controller  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.db import make_database  # noqa: E402

API = "/api/v1"
arrivals: dict[tuple[str, str], float] = {}  # (channel, alert id) -> arrival time (perf_counter)


class Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        alert_id = text.split("/api/v1/alerts/")[1].split()[0]
        arrivals.setdefault(("email", alert_id), time.perf_counter())
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body["type"] == "alert.raised":
            arrivals.setdefault(("webhook", body["data"]["id"]), time.perf_counter())
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=40)
    ap.add_argument("--poll", type=float, default=0.05, help="seconds between sweeps of the stand-in worker")
    ap.add_argument("--postgres", default=None, help="base URL; a scratch database is created and dropped")
    args = ap.parse_args()

    from bench.alerts import scratch

    url, drop = scratch(args.postgres) if args.postgres else (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='dp-bench-')) / 'notify.sqlite3'}", lambda: None)
    from app.migrations import upgrade

    upgrade(url, "heads")
    smtp_port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hooks = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False,
                        mail_from="alerts@example.org", webhook_allow_private_networks=True)
    db = make_database(settings)
    from app.main import create_app
    from tests.conftest import mint_headers

    app = create_app(settings, db=db)
    stop = threading.Event()
    try:
        with TestClient(app) as client:
            from app.auth import service
            from app.auth.models import UserAccount
            from tests.factories import make_client

            with db.session(write=True) as s:
                org = service.create_organization(s, "Bench Notify Org")
                users = {r: UserAccount(organization_id=org.id, email=f"{r}-{uuid.uuid4().hex[:6]}@example.org",
                                        full_name=f"Bench {r}", role=r) for r in ("admin", "attorney", "paralegal")}
                s.add_all(users.values())
                s.commit()
                for u in users.values():
                    s.refresh(u)
                org_id = org.id
            h = {r: mint_headers(settings, u) for r, u in users.items()}
            r = client.post(f"{API}/webhook-endpoints", headers=h["admin"],
                            json={"url": f"http://127.0.0.1:{hooks.server_address[1]}/hook",
                                  "events": ["alert.raised"]})
            assert r.status_code == 201, r.text
            people = []
            for _ in range(args.events):
                people.append(make_client(db, org_id, citizenships=["SV"]).id)
                r = client.post(f"{API}/clients/{people[-1]}/protection-orders", headers=h["attorney"], json={
                    "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": ["SV"],
                    "issuing_body": "Immigration Judge", "issued_at": "2019-10-10T15:00:00Z",
                    "underlying_removal_order": {"exists": "true", "designated_country": "SV"}})
                assert r.status_code == 201, r.text

            from app.notifications.delivery import sweep

            def worker() -> None:
                while not stop.is_set():
                    with db.session(write=True) as s:
                        sweep(s, datetime.now(UTC), settings=settings)
                    time.sleep(args.poll)

            threading.Thread(target=worker, daemon=True).start()
            posted: dict[str, float] = {}
            request_ms: list[float] = []
            for pid in people:
                t0 = time.perf_counter()
                r = client.post(f"{API}/clients/{pid}/custody-events", headers=h["paralegal"], json={
                    "source_type": "attorney_visit", "confidence": "confirmed", "status": "in_transit",
                    "country": "SV", "effective_at": datetime.now(UTC).isoformat()})
                request_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text
                for a in r.json()["alerts"]:
                    if a["severity"] == "critical":
                        posted[a["id"]] = t0
                time.sleep(0.2)  # one event at a time, as they arrive in practice
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and len(arrivals) < 2 * len(posted):
                time.sleep(0.05)
    finally:
        stop.set()
        controller.stop()
        hooks.shutdown()
        db.dispose()
        drop()
    base_p50 = statistics.median(request_ms)
    load = os.getloadavg()[0]
    print(f"events: {len(posted)}  backend: {'postgres' if args.postgres else 'sqlite'}  poll: {args.poll}s  "
          f"load avg: {load:.2f}")
    print("| measure | n | p50 ms | p99 ms | p50 / POST p50 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| POST /custody-events (baseline) | {len(request_ms)} | {base_p50:.1f} | {pct(request_ms, 99):.1f} | 1.00 |")
    for channel in ("webhook", "email"):
        xs = [(arrivals[(channel, a)] - t0) * 1000 for a, t0 in posted.items() if (channel, a) in arrivals]
        lost = len(posted) - len(xs)
        if xs:
            print(f"| POST → {channel} arrives | {len(xs)} (lost {lost}) | {statistics.median(xs):.1f} | "
                  f"{pct(xs, 99):.1f} | {statistics.median(xs) / base_p50:.2f} |")
        else:
            print(f"| POST → {channel} arrives | 0 (lost {lost}) | – | – | – |")


if __name__ == "__main__":
    main()
