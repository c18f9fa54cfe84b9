"""Reporting news from the family page, and the staff confirming it (docs/family-page.md#reporting-news)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.custody.models import CustodyEvent
from tests.conftest import assert_problem
from tests.family.conftest import accept, csrf_of
from tests.protection.conftest import order_body

API = "/api/v1"


def _report(b: Any, client_id: Any, **data: str) -> Any:
    page = b.get(f"/family/clients/{client_id}/report")
    assert page.status_code == 200, page.text
    return b.post(f"/family/clients/{client_id}/report", data={**data, "csrf": csrf_of(page.text)})


def _reports(db: Any, client_id: Any) -> list[CustodyEvent]:
    with db.session() as s:
        return list(s.exec(select(CustodyEvent).where(CustodyEvent.client_id == client_id,
                                                      CustodyEvent.source_type == "family_report")).all())


def test_a_report_becomes_an_unconfirmed_family_report_event(browser: Any, invite: Any, org_a: Any, db: Any,
                                                              client: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    r = _report(b, fam.client_id, what="moved", place="Aeropuerto de Alexandria", details="Llamó desde un avión.")
    assert r.status_code == 201 and "El equipo legal recibió su noticia" in r.text
    [ev] = _reports(db, fam.client_id)
    assert (ev.status, ev.confidence, ev.family_visible) == ("in_transit", "reported", False)
    assert ev.location_text == "Aeropuerto de Alexandria" and ev.source_detail == "Llamó desde un avión."
    # Staff see it as unconfirmed...
    events = client.get(f"{API}/clients/{fam.client_id}/custody-events", headers=org_a.h("paralegal")).json()
    mine = next(e for e in events["items"] if e["id"] == str(ev.id))
    assert mine["unconfirmed_report"] is True and mine["source_type"] == "family_report"
    # ...until someone appends a confirming event that names it (the report itself is not edited).
    body = {"status": "in_transit", "effective_at": datetime.now(UTC).isoformat(), "source_type": "ice_officer",
            "confidence": "confirmed", "confirms_event_id": str(ev.id)}
    r = client.post(f"{API}/clients/{fam.client_id}/custody-events", headers=org_a.h("paralegal"), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["event"]["confirms_event_id"] == str(ev.id)
    events = client.get(f"{API}/clients/{fam.client_id}/custody-events", headers=org_a.h("attorney")).json()
    mine = next(e for e in events["items"] if e["id"] == str(ev.id))
    assert mine["unconfirmed_report"] is False and mine["confidence"] == "reported"


def test_a_report_raises_alerts_like_any_event(browser: Any, invite: Any, org_a: Any, client: Any) -> None:
    """"He called from a plane to El Salvador" while an order bars his removal: the same critical alert as a staff
    entry would raise."""
    fam = invite(org_a)
    r = client.post(f"{API}/clients/{fam.client_id}/protection-orders", headers=org_a.h("attorney"),
                    json=order_body(type="jurisdiction_preserving_order", scope="all_removal", countries=[]))
    assert r.status_code == 201, r.text
    b = browser()
    accept(b, fam.token)
    assert _report(b, fam.client_id, what="moved", country="SV").status_code == 201
    alerts = client.get(f"{API}/alerts", headers=org_a.h("attorney"), params={"client_id": str(fam.client_id)})
    assert alerts.status_code == 200, alerts.text
    kinds = {(a["kind"], a["severity"]) for a in alerts.json()["items"]}
    assert ("removal_while_barred", "critical") in kinds, alerts.json()


def test_reporting_needs_the_report_news_scope(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a, scopes=("custody_status",))
    b = browser()
    accept(b, fam.token)
    view = b.get(f"/family/clients/{fam.client_id}")
    assert "Contar algo nuevo" not in view.text
    assert b.get(f"/family/clients/{fam.client_id}/report").status_code == 403
    r = b.post(f"/family/clients/{fam.client_id}/report", data={"what": "arrested", "csrf": csrf_of(view.text)})
    assert r.status_code == 403 and "no le permite enviar noticias" in r.text
    assert _reports(db, fam.client_id) == []


@pytest.mark.parametrize("data,message", [
    ({}, "Elija qué pasó."),
    ({"what": "teleported"}, "Elija qué pasó."),
    ({"what": "detained_at"}, "Escriba el lugar."),
    ({"what": "arrested", "when": "2999-01-01"}, "no puede ser en el futuro"),
    ({"what": "arrested", "when": "not-a-date"}, "no puede ser en el futuro"),
    ({"what": "arrested", "details": "x" * 1001}, "demasiado largo"),
    ({"what": "arrested", "country": "SV"}, "solo para un traslado"),
    ({"what": "moved", "country": "XX"}, "Elija el país de la lista"),
])
def test_invalid_reports_are_refused_with_nothing_written(browser: Any, invite: Any, org_a: Any, db: Any,
                                                          data: dict[str, str], message: str) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    r = _report(b, fam.client_id, **data)
    assert r.status_code == 422 and message in r.text
    assert _reports(db, fam.client_id) == []


def test_a_past_day_is_recorded_at_noon_of_that_day(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    day = (datetime.now(UTC) - timedelta(days=3)).date()
    assert _report(b, fam.client_id, what="detained_at", place="Cárcel del condado", when=day.isoformat()
                   ).status_code == 201
    [ev] = _reports(db, fam.client_id)
    assert ev.status == "detained_ice" and abs((ev.effective_at.date() - day).days) <= 1


@pytest.mark.parametrize("role,status", [("admin", 201), ("attorney", 201), ("paralegal", 201),
                                         ("family_liaison", 403)])
def test_confirming_roles(browser: Any, invite: Any, org_a: Any, client: Any, role: str, status: int) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    _report(b, fam.client_id, what="arrested")
    ev_id = next(e["id"] for e in client.get(f"{API}/clients/{fam.client_id}/custody-events",
                                             headers=org_a.h("attorney")).json()["items"]
                 if e["source_type"] == "family_report")
    body = {"status": "detained_ice", "effective_at": datetime.now(UTC).isoformat(), "location_text": "Jail",
            "source_type": "ice_locator", "confidence": "confirmed", "confirms_event_id": ev_id}
    r = client.post(f"{API}/clients/{fam.client_id}/custody-events", headers=org_a.h(role), json=body)
    assert r.status_code == status, r.text


def test_confirmation_must_name_a_live_family_report_of_this_client(browser: Any, invite: Any, org_a: Any,
                                                                    org_b: Any, client: Any) -> None:
    fam = invite(org_a)
    other = invite(org_b)
    b = browser()
    accept(b, other.token)
    _report(b, other.client_id, what="arrested")
    foreign = next(e["id"] for e in client.get(f"{API}/clients/{other.client_id}/custody-events",
                                               headers=org_b.h("attorney")).json()["items"]
                   if e["source_type"] == "family_report")
    staff_event = client.get(f"{API}/clients/{fam.client_id}/custody-events",
                             headers=org_a.h("attorney")).json()["items"][0]["id"]
    base = {"status": "arrested_unlocated", "effective_at": datetime.now(UTC).isoformat(),
            "source_type": "ice_officer", "confidence": "confirmed"}
    url = f"{API}/clients/{fam.client_id}/custody-events"
    for target in (foreign, staff_event, str(uuid.uuid4())):
        r = client.post(url, headers=org_a.h("attorney"), json={**base, "confirms_event_id": target})
        assert_problem(r, 422, "invalid_confirmation")
    r = client.post(url, headers=org_a.h("attorney"), json={**base, "confirms_event_id": "nope"})
    assert_problem(r, 422)
    # Another organization's client: 404, whatever the body says.
    r = client.post(f"{API}/clients/{other.client_id}/custody-events", headers=org_a.h("attorney"),
                    json={**base, "confirms_event_id": foreign})
    assert_problem(r, 404)
