"""POST routes marked ``reads_only`` (app/core/routing.py) get a read session, like a GET; every other POST a write
session. Why it matters: on PostgreSQL a write session that only read ends in a ROLLBACK, after which psycopg
forgets the statements it had prepared on that connection. Checked on both backends: the sessions each request
opens, and whether they are bound to the write engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.auth import deps
from app.core.route_inventory import iter_routes
from app.core.routing import route_reads_only
from tests.factories import make_client

API = "/api/v1"


@pytest.fixture
def sessions_opened(db: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(request path, whether the session is bound to the write engine) of every session a request opens
    (``app.auth.deps.open_session``; background jobs open theirs elsewhere and are not counted)."""
    opened: list[tuple[str, bool]] = []
    original = deps.open_session

    def recording(request: Any) -> Any:
        session = original(request)
        opened.append((request.url.path, session.get_bind() is db.write_engine))
        return session

    monkeypatch.setattr(deps, "open_session", recording)
    return opened


def test_the_reads_only_routes_are_the_known_ones(app: Any) -> None:
    """An inventory: marking a route is a decision (the read pool refuses writes), so a new one shows up here."""
    marked = {(r.method, r.path) for r in iter_routes(app) if route_reads_only({"route": r.route})}
    assert marked == {("POST", f"{API}/deadlines/compute")}


def test_a_compute_preview_uses_no_write_session(client: Any, org_a: Any,
                                                sessions_opened: list[tuple[str, bool]]) -> None:
    r = client.post(f"{API}/deadlines/compute", headers=org_a.h("paralegal"),
                    json={"rule": "EOIR-APPEAL-IJ", "trigger_date": "2025-06-20"})
    assert r.status_code == 200, r.text
    assert sessions_opened == [(f"{API}/deadlines/compute", False)]


def test_a_custody_event_uses_a_write_session(client: Any, db: Any, org_a: Any,
                                              sessions_opened: list[tuple[str, bool]]) -> None:
    """The control: an ordinary POST opens a write session (so the check above can fail)."""
    person = make_client(db, org_a.id)
    path = f"{API}/clients/{person.id}/custody-events"
    r = client.post(path, headers=org_a.h("paralegal"),
                    json={"status": "released_parole", "effective_at": datetime(2025, 3, 1, tzinfo=UTC).isoformat(),
                          "source_type": "attorney_visit", "confidence": "confirmed"})
    assert r.status_code == 201, r.text
    assert sessions_opened == [(path, True)]
