"""Real servers for the notification tests: an SMTP server (aiosmtpd) and an HTTP receiver on 127.0.0.1.

Time is driven by the sweep's ``now`` argument (never sleeps); the retry schedule is shortened by a setting.
So that only the test's sweep delivers, this package runs against a database of its own and an application
whose job runner is off (``jobs_in_process=False``): on the session's database, the session application's
runner (SQLite) or embedded worker (PostgreSQL) would take every ``notifications.deliver`` job right after
commit, and its periodic ``notifications.sweep`` would deliver at real time. The deliveries' jobs are still
deferred (PostgreSQL: rows nobody runs; SQLite: dropped after commit, no runner on this engine).
test_engine_delivery.py checks the other half: with the runner on, the engine delivers by itself.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from tests.conftest import new_database_url, org_factory

API = "/api/v1"


@pytest.fixture(scope="package")
def notifications_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    upgrade(url, "heads")
    yield url
    cleanup()


@pytest.fixture(scope="package")
def settings(settings: Any, notifications_database_url: str) -> Any:
    """The session's settings (same keys) on this package's database, with no job runner in the API."""
    return settings.model_copy(update={"database_url": notifications_database_url, "jobs_in_process": False})


@pytest.fixture(scope="package")
def db(settings: Any) -> Iterator[Any]:
    from app.core.db import make_database

    database = make_database(settings)
    yield database
    database.dispose()


@pytest.fixture(scope="package")
def app(settings: Any, db: Any) -> Any:
    from app.main import create_app

    application = create_app(settings, db=db)
    return application


@pytest.fixture(scope="package")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        assert app.state.jobs_runner is None and app.state.jobs_worker is None, "the job runner must be off"
        yield c


@pytest.fixture(scope="package")
def make_org(app: Any, db: Any, settings: Any) -> Any:
    return org_factory(app, db, settings)


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    arrived_at: list[float] = field(default_factory=list)  # time.monotonic() of each message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        self.arrived_at.append(time.monotonic())
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's readiness check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Receiver:
    """Records every POST (headers, raw body); answers the scripted codes in turn, then 200, each after
    ``delay`` seconds (a slow receiver)."""

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    answered_at: list[float] = field(default_factory=list)  # time.monotonic() of each answer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            rec.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            code = rec.script.pop(0) if rec.script else 200
            if rec.delay:
                time.sleep(rec.delay)
            self.send_response(code)
            self.send_header("content-length", "0")
            self.end_headers()
            rec.answered_at.append(time.monotonic())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/dp"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def notify_settings(app: Any, settings: Any, smtp: tuple[Inbox, int]) -> Iterator[Any]:
    """The app's settings with the test SMTP server, private targets allowed (the receiver is on 127.0.0.1)
    and a retry schedule of seconds."""
    _, port = smtp
    s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                                    "mail_from": "alerts@example.org", "webhook_allow_private_networks": True,
                                    "notification_retry_schedule": "10,20,40", "webhook_failing_after": 3,
                                    "public_base_url": "https://dp.example.org"})
    old = app.state.settings
    app.state.settings = s
    try:
        yield s
    finally:
        app.state.settings = old


@pytest.fixture
def sweep(db: Any, notify_settings: Any) -> Any:
    """``sweep(now, org)``: the periodic sweep (escalate, deliver what is due) in its own session."""
    from app.notifications.delivery import sweep as run

    def go(now: datetime, org: Any) -> dict[str, Any]:
        with db.session(write=True) as s:
            return run(s, now, [org.id], settings=notify_settings)

    return go


def now() -> datetime:
    return datetime.now(UTC)


def critical_alert(client: Any, db: Any, org: Any) -> tuple[uuid.UUID, dict[str, Any]]:
    """A client with withholding as to El Salvador put in transit to El Salvador: a critical
    ``removal_to_protected_country`` alert, through the real routes."""
    from tests.factories import make_client
    from tests.protection.conftest import order_body

    person = make_client(db, org.id, citizenships=["SV"])
    r = client.post(f"{API}/clients/{person.id}/protection-orders", headers=org.h("attorney"), json=order_body())
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/clients/{person.id}/custody-events", headers=org.h("paralegal"),
                    json={"source_type": "attorney_visit", "confidence": "confirmed", "status": "in_transit",
                          "country": "SV", "effective_at": now().isoformat(),
                          "notes": "PRIVILEGED-MARKER strategy note"})
    assert r.status_code == 201, r.text
    crit = [a for a in r.json()["alerts"] if a["severity"] == "critical"]
    assert crit, r.json()["alerts"]
    return person.id, crit[0]
