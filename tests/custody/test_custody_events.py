"""Custody events: per-status rules, append-only retraction, projection, status view, location_at, alerts."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.custody.statuses import ABROAD_STATUSES, DETAINED_STATUSES, CustodyStatus
from tests.conftest import assert_problem
from tests.factories import add_custody_event, make_client, make_facility

API = "/api/v1"


def iso(dt: datetime) -> str:
    return dt.isoformat()


def ago(**kw: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kw)


def ev_body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"status": "not_detained", "effective_at": iso(ago(hours=1)),
                            "source_type": "client_call", "confidence": "confirmed"}
    data.update(over)
    return data


def post_event(client: Any, h: dict[str, str], cid: Any, /, **over: Any) -> Any:
    return client.post(f"{API}/clients/{cid}/custody-events", headers=h, json=ev_body(**over))


@pytest.fixture
def fac(db: Any) -> Any:
    return make_facility(db, None, name=f"Fictional Processing Center {uuid.uuid4().hex[:6]}")


def test_detained_event_and_status_view(client: Any, org_a: Any, db: Any, fac: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    r = post_event(client, h, c.id, status="detained_ice", facility_id=str(fac.id), effective_at=iso(ago(hours=31)),
                   reported_at=iso(ago(hours=31)), source_type="ice_locator", custodian="ice_ero",
                   detention_authority="ina_236a", family_visible=True, notes="Seen on ODLS.")
    assert r.status_code == 201, r.text
    out = r.json()
    assert set(out) == {"event", "alerts"} and out["alerts"] == []
    ev = out["event"]
    assert ev["status"] == "detained_ice" and ev["facility"]["name"] == fac.name and ev["retracted"] is False
    assert ev["entered_by"] == str(org_a.users["paralegal"].id)
    st = client.get(f"{API}/clients/{c.id}/status", headers=h)
    assert st.status_code == 200, st.text
    s = st.json()
    assert s["status"] == "detained_ice" and s["source_type"] == "ice_locator" and s["confidence"] == "confirmed"
    assert s["facility"] == {"id": str(fac.id), "name": fac.name, "type": "igsa_county_jail", "city": "Glen Burnie",
                             "state": "MD", "country": "US", "federal_district": "mdd"}
    assert s["federal_district"] == {"id": "mdd", "name": "District of Maryland"}
    assert 30.9 <= s["age_hours"] <= 31.1 and s["age_text"] == "last confirmed 31 hours ago"
    assert s["active_protections"] == [] and s["open_alerts"] == [] and s["next_deadlines"] == []


def test_status_view_without_events(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    s = client.get(f"{API}/clients/{c.id}/status", headers=org_a.h("attorney")).json()
    assert s["status"] is None and s["facility"] is None and s["age_text"] == "no custody information"


def test_last_confirmed_is_kept_when_newer_news_is_only_reported(client: Any, org_a: Any, db: Any, fac: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    assert post_event(client, h, c.id, status="detained_ice", facility_id=str(fac.id),
                      effective_at=iso(ago(days=5)), reported_at=iso(ago(days=4))).status_code == 201
    assert post_event(client, h, c.id, status="in_transit", effective_at=iso(ago(hours=2)),
                      confidence="reported", source_type="family_report").status_code == 201
    s = client.get(f"{API}/clients/{c.id}/status", headers=h).json()
    assert s["status"] == "in_transit" and s["confidence"] == "reported" and s["facility"] is None
    assert s["age_text"] == "last confirmed 4 days ago" and 95.9 < s["age_hours"] < 96.1


def test_unconfirmed_only(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    assert post_event(client, h, c.id, status="arrested_unlocated", confidence="reported").status_code == 201
    s = client.get(f"{API}/clients/{c.id}/status", headers=h).json()
    assert s["last_confirmed_at"] is None and s["age_text"] == "never confirmed"


def _minimal(status: CustodyStatus, fac: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if status in DETAINED_STATUSES:
        extra["facility_id"] = str(fac.id)
    if status in ABROAD_STATUSES:
        extra["country"] = "SV"
    return extra


@pytest.mark.parametrize("status", list(CustodyStatus))
def test_every_status_is_accepted(client: Any, org_a: Any, db: Any, fac: Any, status: CustodyStatus) -> None:
    c = make_client(db, org_a.id)
    r = post_event(client, org_a.h("paralegal"), c.id, status=status.value, **_minimal(status, fac))
    assert r.status_code == 201, r.text
    lst = client.get(f"{API}/clients", headers=org_a.h("paralegal"), params={"status": status.value,
                                                                             "limit": 200}).json()
    assert str(c.id) in {i["id"] for i in lst["items"]}


@pytest.mark.parametrize(("over", "code"), [
    ({"status": "detained_ice"}, "location_required"),
    ({"status": "hospitalized"}, "location_required"),
    ({"status": "removed_to_third_country"}, "country_required"),
    ({"status": "held_by_foreign_government"}, "country_required"),
    ({"status": "removed_to_designated_country", "country": "US"}, "invalid_country"),
    ({"status": "not_detained", "country": "SV"}, "country_not_allowed"),
    ({"effective_at": iso(datetime.now(UTC) + timedelta(hours=1))}, "effective_at_in_future"),
    ({"effective_at": iso(ago(hours=2)), "reported_at": iso(ago(hours=3))}, "reported_before_effective"),
    ({"reported_at": iso(datetime.now(UTC) + timedelta(days=1))}, "reported_at_in_future"),
    ({"effective_at": "2025-01-01T10:00:00"}, "validation_error"),
    ({"effective_at": "yesterday"}, "validation_error"),
    ({"status": "kidnapped"}, "validation_error"),
    ({"status": "removed_to_third_country", "country": "XX"}, "validation_error"),
    ({"source_type": "rumour"}, "validation_error"),
    ({"confidence": "sure"}, "validation_error"),
    ({"custodian": "aliens"}, "validation_error"),
    ({"notes": "x" * 5001}, "validation_error"),
    ({"location_text": "A\u202eB"}, "validation_error"),
    ({"entered_by": str(uuid.uuid4())}, "validation_error"),
    ({"retracted_at": iso(ago(hours=1))}, "validation_error"),
    ({"client_id": str(uuid.uuid4())}, "validation_error"),
])
def test_invalid_events_are_422(client: Any, org_a: Any, db: Any, over: dict[str, Any], code: str) -> None:
    c = make_client(db, org_a.id)
    assert_problem(post_event(client, org_a.h("paralegal"), c.id, **over), 422, code)
    assert client.get(f"{API}/clients/{c.id}/custody-events", headers=org_a.h("paralegal")).json()["total"] == 0


def test_clock_skew_is_tolerated(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    r = post_event(client, org_a.h("paralegal"), c.id, effective_at=iso(datetime.now(UTC) + timedelta(minutes=2)))
    assert r.status_code == 201, r.text


def test_location_text_instead_of_facility(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    r = post_event(client, org_a.h("paralegal"), c.id, status="detained_other_us",
                   location_text="CBP hold room, El Paso airport")
    assert r.status_code == 201, r.text
    s = client.get(f"{API}/clients/{c.id}/status", headers=org_a.h("paralegal")).json()
    assert s["location_text"] == "CBP hold room, El Paso airport" and s["federal_district"] is None


def test_foreign_facility_supplies_the_country(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    cecot = make_facility(db, None, name=f"Foreign Prison {uuid.uuid4().hex[:6]}", type="foreign_prison",
                          country="SV", state=None, federal_district=None, circuit=None, ice_field_office=None)
    r = post_event(client, org_a.h("paralegal"), c.id, status="held_by_foreign_government",
                   facility_id=str(cecot.id))
    assert r.status_code == 201, r.text
    assert r.json()["event"]["country"] == "SV"
    assert_problem(post_event(client, org_a.h("paralegal"), c.id, status="held_by_foreign_government",
                              facility_id=str(cecot.id), country="MX"), 422, "country_mismatch")


def test_other_organizations_facility_cannot_be_used(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    theirs = make_facility(db, org_b.id, name="Their own hospital", type="hospital")
    mine = make_facility(db, org_a.id, name="Our own hospital", type="hospital")
    h = org_a.h("paralegal")
    assert_problem(post_event(client, h, c.id, status="hospitalized", facility_id=str(theirs.id)), 404,
                   "facility_not_found")
    assert_problem(post_event(client, h, c.id, status="hospitalized", facility_id=str(uuid.uuid4())), 404,
                   "facility_not_found")
    assert post_event(client, h, c.id, status="hospitalized", facility_id=str(mine.id)).status_code == 201


def test_retraction(client: Any, org_a: Any, db: Any, fac: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    first = post_event(client, h, c.id, status="detained_ice", facility_id=str(fac.id),
                       effective_at=iso(ago(days=2))).json()["event"]
    second = post_event(client, h, c.id, status="removed_to_third_country", country="SV",
                        effective_at=iso(ago(hours=3)), confidence="reported").json()["event"]
    assert client.get(f"{API}/clients/{c.id}/status", headers=h).json()["status"] == "removed_to_third_country"
    assert_problem(client.post(f"{API}/custody-events/{second['id']}/retract", headers=h, json={}), 422)
    assert_problem(client.post(f"{API}/custody-events/{second['id']}/retract", headers=h, json={"reason": "  "}), 422)
    r = client.post(f"{API}/custody-events/{second['id']}/retract", headers=h,
                    json={"reason": "Family confused him with a cousin."})
    assert r.status_code == 200, r.text
    assert r.json()["retracted"] is True and r.json()["retraction_reason"] == "Family confused him with a cousin."
    s = client.get(f"{API}/clients/{c.id}/status", headers=h).json()
    assert s["status"] == "detained_ice" and s["event_id"] == first["id"]
    lst = client.get(CLIENTS_URL, headers=h, params={"status": "removed_to_third_country", "limit": 200}).json()
    assert str(c.id) not in {i["id"] for i in lst["items"]}
    lst = client.get(CLIENTS_URL, headers=h, params={"status": "detained_ice", "limit": 200}).json()
    assert str(c.id) in {i["id"] for i in lst["items"]}
    assert_problem(client.post(f"{API}/custody-events/{second['id']}/retract", headers=h, json={"reason": "again"}),
                   409, "already_retracted")
    history = client.get(f"{API}/clients/{c.id}/custody-events", headers=h).json()
    assert [e["id"] for e in history["items"]] == [second["id"], first["id"]]
    assert [e["retracted"] for e in history["items"]] == [True, False]
    live = client.get(f"{API}/clients/{c.id}/custody-events", headers=h, params={"include_retracted": "false"}).json()
    assert [e["id"] for e in live["items"]] == [first["id"]]
    # retracting the last one leaves no status at all
    client.post(f"{API}/custody-events/{first['id']}/retract", headers=h, json={"reason": "Wrong client."})
    s = client.get(f"{API}/clients/{c.id}/status", headers=h).json()
    assert s["status"] is None


CLIENTS_URL = f"{API}/clients"


def test_events_are_never_edited_or_deleted(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    ev = post_event(client, org_a.h("attorney"), c.id).json()["event"]
    for method in ("PATCH", "DELETE", "PUT"):
        r = client.request(method, f"{API}/custody-events/{ev['id']}", headers=org_a.h("attorney"), json={})
        assert r.status_code in (404, 405)


def test_concurrent_retraction_only_once(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    ev = post_event(client, org_a.h("paralegal"), c.id).json()["event"]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker(role: str) -> None:
        barrier.wait()
        results.append(client.post(f"{API}/custody-events/{ev['id']}/retract", headers=org_a.h(role),
                                   json={"reason": "duplicate entry"}))

    threads = [threading.Thread(target=worker, args=(r,)) for r in ("paralegal", "attorney")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in results) == [200, 409]


def test_concurrent_events_keep_projection_consistent(client: Any, org_a: Any, db: Any, fac: Any) -> None:
    c = make_client(db, org_a.id)
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def worker(i: int) -> None:
        barrier.wait()
        results.append(post_event(client, org_a.h("paralegal"), c.id, status="detained_ice", facility_id=str(fac.id),
                                  effective_at=iso(ago(hours=10 - i))))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    from app.custody.models import CustodyCurrent
    from app.custody.service import latest_event

    with db.session() as s:
        row = s.get(CustodyCurrent, c.id)
        latest = latest_event(s, org_a.id, c.id)
        assert row is not None and latest is not None and row.event_id == latest.id


def test_projection_follows_every_append_order(client: Any, org_a: Any, db: Any, fac: Any) -> None:
    """The projection is updated without a search when an event is newer or older than the current one
    (``apply_appended``), and rebuilt on a tie: after each append, in any order, it must name the event
    ``latest_event`` names, with that event's status, facility, country and district."""
    from app.custody.models import CustodyCurrent
    from app.custody.service import latest_event

    c = make_client(db, org_a.id)
    base = ago(days=5).replace(microsecond=0)
    # (hours after base, status, at a facility?, reported hours after base or None = now): newer, older (a late
    # report), a tie reported later (becomes current), a tie reported earlier (does not), newer, older.
    plan = [
        (10, "detained_ice", True, None), (2, "not_detained", False, None), (10, "hospitalized", True, None),
        (10, "in_transit", False, 11), (30, "detained_ice", True, None),
        (29, "removed_to_designated_country", False, None),
    ]
    for hours, status, at_facility, reported in plan:
        over: dict[str, Any] = {"status": status, "effective_at": iso(base + timedelta(hours=hours))}
        if reported is not None:
            over["reported_at"] = iso(base + timedelta(hours=reported))
        if at_facility:
            over["facility_id"] = str(fac.id)
        elif status in ("in_transit", "removed_to_designated_country"):
            over["country"] = "SV"
        r = post_event(client, org_a.h("paralegal"), c.id, **over)
        assert r.status_code == 201, r.text
        with db.session() as s:
            row = s.get(CustodyCurrent, c.id)
            latest = latest_event(s, org_a.id, c.id)
            assert row is not None and latest is not None
            assert (row.event_id, row.status, row.facility_id, row.country, row.effective_at) == (
                latest.id, latest.status, latest.facility_id, latest.country, latest.effective_at)
            assert row.federal_district == (fac.federal_district if latest.facility_id else None)


def test_other_organizations_event_is_404(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    theirs = make_client(db, org_b.id)
    ev = add_custody_event(db, org_b.id, theirs.id, "not_detained")
    h = org_a.h("attorney")
    assert_problem(client.post(f"{API}/custody-events/{ev.id}/retract", headers=h, json={"reason": "x"}), 404,
                   "custody_event_not_found")
    assert_problem(client.post(f"{API}/custody-events/{uuid.uuid4()}/retract", headers=h, json={"reason": "x"}), 404,
                   "custody_event_not_found")


def test_event_of_deleted_client_is_404(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    ev = add_custody_event(db, org_a.id, c.id, "not_detained")
    client.delete(f"{CLIENTS_URL}/{c.id}", headers={**org_a.h("attorney"), "If-Match": '"1"'})
    assert_problem(client.post(f"{API}/custody-events/{ev.id}/retract", headers=org_a.h("attorney"),
                               json={"reason": "x"}), 404, "custody_event_not_found")
    assert_problem(post_event(client, org_a.h("attorney"), c.id), 404, "client_not_found")


def test_liaison_refused(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    ev = add_custody_event(db, org_a.id, c.id, "not_detained")
    h = org_a.h("family_liaison")
    assert_problem(post_event(client, h, c.id), 403)
    assert_problem(client.get(f"{API}/clients/{c.id}/custody-events", headers=h), 403)
    assert_problem(client.get(f"{API}/clients/{c.id}/status", headers=h), 403)
    assert_problem(client.post(f"{API}/custody-events/{ev.id}/retract", headers=h, json={"reason": "x"}), 403)


def test_alerts_are_returned_and_status_view_uses_other_domains(client: Any, org_a: Any, db: Any,
                                                                monkeypatch: Any) -> None:
    from pydantic import BaseModel

    from app.deadlines import service as deadlines_service
    from app.protection import alerts as protection_alerts
    from app.protection import service as protection_service

    class FakeAlert(BaseModel):
        id: uuid.UUID
        kind: str
        created_at: datetime

    seen: list[Any] = []

    def evaluate(ctx: Any, session: Any, client_obj: Any, event: Any) -> list[Any]:
        seen.append((client_obj.id, event.id, event.status, ctx.org_id))
        return [FakeAlert(id=uuid.uuid4(), kind="removal_to_protected_country", created_at=datetime.now(UTC)),
                {"kind": "third_country_removal", "severity": "critical"}]

    monkeypatch.setattr(protection_alerts, "evaluate_custody_event", evaluate)
    monkeypatch.setattr(protection_alerts, "open_alerts_for_client", lambda s, o, c: [{"kind": "x"}])
    monkeypatch.setattr(protection_service, "active_protections_for_client", lambda s, o, c: [{"type": "cat"}])
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", lambda s, o, c, limit=5: [{"title": "t"}])
    c = make_client(db, org_a.id)
    r = post_event(client, org_a.h("paralegal"), c.id, status="removed_to_third_country", country="SV")
    assert r.status_code == 201, r.text
    alerts = r.json()["alerts"]
    assert alerts[0]["kind"] == "removal_to_protected_country" and isinstance(alerts[0]["created_at"], str)
    assert alerts[1] == {"kind": "third_country_removal", "severity": "critical"}
    assert seen and seen[0][0] == c.id and seen[0][2] == "removed_to_third_country" and seen[0][3] == org_a.id
    s = client.get(f"{API}/clients/{c.id}/status", headers=org_a.h("paralegal")).json()
    assert s["open_alerts"] == [{"kind": "x"}] and s["active_protections"] == [{"type": "cat"}]
    assert s["next_deadlines"] == [{"title": "t"}]


def test_location_at(db: Any, org_a: Any) -> None:
    from app.custody.service import location_at

    c = make_client(db, org_a.id)
    md = make_facility(db, None, name="Maryland Center")
    tx = make_facility(db, None, name="Texas Center", state="TX", federal_district="txsd", circuit="5th")
    t0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
    add_custody_event(db, org_a.id, c.id, "detained_ice", effective_at=t0, facility_id=md.id)
    add_custody_event(db, org_a.id, c.id, "in_transit", effective_at=t0 + timedelta(days=2))
    wrong = add_custody_event(db, org_a.id, c.id, "detained_ice", effective_at=t0 + timedelta(days=2, hours=12),
                              facility_id=md.id)
    add_custody_event(db, org_a.id, c.id, "detained_ice", effective_at=t0 + timedelta(days=3), facility_id=tx.id)
    with db.session(write=True) as s:
        from app.custody.models import CustodyEvent

        row = s.get(CustodyEvent, wrong.id)
        assert row is not None
        row.retracted_at = datetime.now(UTC)
        s.add(row)
        s.commit()
    with db.session() as s:
        assert location_at(s, org_a.id, c.id, t0 - timedelta(seconds=1)).event is None
        at = location_at(s, org_a.id, c.id, t0 + timedelta(hours=1))
        assert at.facility is not None and at.facility.id == md.id and at.federal_district == "mdd"
        at = location_at(s, org_a.id, c.id, t0 + timedelta(days=2, hours=13))  # retracted event ignored
        assert at.event is not None and at.event.status == "in_transit" and at.federal_district is None
        at = location_at(s, org_a.id, c.id, t0 + timedelta(days=3))  # inclusive
        assert at.facility is not None and at.facility.id == tx.id and at.federal_district == "txsd"
        now = location_at(s, org_a.id, c.id)
        assert now.federal_district == "txsd"
        # another organization sees nothing
        assert location_at(s, uuid.uuid4(), c.id).event is None


def test_audit_of_events(client: Any, org_a: Any, db: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    c = make_client(db, org_a.id)
    ev = post_event(client, org_a.h("paralegal"), c.id, notes="very private note").json()["event"]
    client.post(f"{API}/custody-events/{ev['id']}/retract", headers=org_a.h("paralegal"),
                json={"reason": "private reason"})
    with db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                               AuditEvent.entity_id == ev["id"])).all()
    assert {r.action for r in rows} == {"custody_event.create", "custody_event.retract"}
    assert "private" not in repr([r.detail for r in rows])


def test_real_protection_order_raises_alert_and_feeds_views(client: Any, org_a: Any, db: Any) -> None:
    """Integration with the protection domain: the event's answer carries the alert it raised, and the
    status view and the list filter see the order."""
    c = make_client(db, org_a.id, citizenships=["SV"], country_of_birth="SV")
    h = org_a.h("attorney")
    r = client.post(f"{API}/clients/{c.id}/protection-orders", headers=h, json={
        "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": ["SV"],
        "issuing_body": "Immigration Judge, Fictional Immigration Court", "issued_at": "2019-10-10T15:00:00Z"})
    assert r.status_code == 201, r.text
    ev = post_event(client, h, c.id, status="removed_to_designated_country", country="SV",
                    source_type="flight_manifest", confidence="reported")
    assert ev.status_code == 201, ev.text
    kinds = {a["kind"] for a in ev.json()["alerts"]}
    assert "removal_to_protected_country" in kinds
    s = client.get(f"{API}/clients/{c.id}/status", headers=h).json()
    assert s["active_protections"] and s["open_alerts"]
    protected = client.get(f"{API}/clients", headers=h, params={"has_active_protection": "true", "limit": 200}).json()
    assert str(c.id) in {i["id"] for i in protected["items"]}
    unprotected = client.get(f"{API}/clients", headers=h, params={"has_active_protection": "false",
                                                                   "limit": 200}).json()
    assert str(c.id) not in {i["id"] for i in unprotected["items"]}
