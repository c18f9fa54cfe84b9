"""PATCH /facilities/{id}: an organization's overlay on a shared facility; own facilities edited in place;
search by word prefix and alias; the merged read used by filings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.custody import facilities as facilities_service
from app.custody.models import Facility, FacilityOverlay
from tests.conftest import assert_problem
from tests.factories import make_facility

FAC = "/api/v1/facilities"


def _shared(db: Any, **kw: Any) -> Facility:
    kw.setdefault("name", f"Shared Processing Center {uuid.uuid4().hex[:8]}")
    return make_facility(db, None, custodian_name=None, custodian_title=None, phone="+1-956-555-0100", **kw)


def _patch(client: Any, h: dict[str, str], fid: Any, body: dict[str, Any], etag: str | None = '"0"') -> Any:
    headers = dict(h)
    if etag is not None:
        headers["If-Match"] = etag
    return client.patch(f"{FAC}/{fid}", headers=headers, json=body)


def test_overlay_on_shared_facility_is_merged_for_its_organization_only(
        client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    fac = _shared(db)
    h = org_a.h("paralegal")
    g = client.get(f"{FAC}/{fac.id}", headers=h)
    assert g.status_code == 200 and g.headers["etag"] == '"0"'
    assert g.json()["overlay_version"] == 0 and g.json()["custodian_name"] is None

    r = _patch(client, h, fac.id, {"custodian_name": "Pat Example", "custodian_title": "Officer in Charge",
                                   "phone": "+1-956-555-0199", "notes": "Legal calls need 24 h notice.",
                                   "verified": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["etag"] == '"1"' and body["overlay_version"] == 1
    assert (body["custodian_name"], body["custodian_title"], body["phone"]) == (
        "Pat Example", "Officer in Charge", "+1-956-555-0199")
    assert body["notes"] == "Legal calls need 24 h notice." and body["shared"] is True
    assert body["verified_by"] == str(org_a.users["paralegal"].id) and body["verified_at"]
    assert set(body["overlay_fields"]) == {"custodian_name", "custodian_title", "phone", "notes", "verified_by",
                                           "verified_at"}
    assert body["verified"] is False  # the reference data's own flag is untouched

    # Same organization, any read: get, list.
    assert client.get(f"{FAC}/{fac.id}", headers=org_a.h("attorney")).json()["custodian_name"] == "Pat Example"
    listed = client.get(FAC, headers=h, params={"q": fac.name}).json()["items"]
    assert [i["custodian_name"] for i in listed] == ["Pat Example"]

    # Another organization sees the shared row as it is.
    other = client.get(f"{FAC}/{fac.id}", headers=org_b.h("attorney"))
    assert other.headers["etag"] == '"0"'
    o = other.json()
    assert o["custodian_name"] is None and o["notes"] is None and o["verified_by"] is None
    assert o["phone"] == "+1-956-555-0100" and o["overlay_fields"] == []
    listed_b = client.get(FAC, headers=org_b.h("paralegal"), params={"q": fac.name}).json()["items"]
    assert [i["custodian_name"] for i in listed_b] == [None]

    # The shared row itself never changed.
    with db.session() as s:
        row = s.get(Facility, fac.id)
        assert row is not None and row.custodian_name is None and row.version == 1
        assert row.phone == "+1-956-555-0100"


def test_merged_read_for_filings(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    fac = _shared(db, county="Cameron", state="TX", federal_district="txsd", circuit="5th")
    assert _patch(client, org_a.h("attorney"), fac.id, {"custodian_name": "Warden Example"}).status_code == 200
    with db.session() as s:
        merged = facilities_service.facility_for(s, org_a.id, fac.id)
        assert merged.custodian_name == "Warden Example" and merged.county == "Cameron"
        assert merged.federal_district == "txsd" and merged.name == fac.name
        assert facilities_service.facility_for(s, org_b.id, fac.id).custodian_name is None
        by_id = facilities_service.merged_by_id(s, org_a.id, {fac.id, uuid.uuid4()})
        assert list(by_id) == [fac.id] and by_id[fac.id].custodian_name == "Warden Example"
        with pytest.raises(AttributeError):
            merged.custodian_name = "x"  # type: ignore[misc]
        # The filings view model reads the merged facility like a row (division from 28 U.S.C. § 124(b)).
        from app.filings.record_views import facility_view

        view = facility_view(merged)
        assert view.custodian_name == "Warden Example" and view.division == "Brownsville"


def test_overlay_update_and_clear_with_if_match(client: Any, org_a: Any, db: Any) -> None:
    fac = _shared(db)
    h = org_a.h("attorney")
    assert _patch(client, h, fac.id, {"custodian_name": "First Name"}).status_code == 200
    assert_problem(_patch(client, h, fac.id, {"custodian_name": "Stale"}, etag='"0"'), 412, "version_conflict")
    assert_problem(_patch(client, h, fac.id, {"custodian_name": "No header"}, etag=None), 428,
                   "precondition_required")
    r = _patch(client, h, fac.id, {"custodian_name": None, "verified_at": "2026-12-01T10:00:00Z"}, etag='"1"')
    assert r.status_code == 200, r.text
    assert r.json()["custodian_name"] is None and r.json()["overlay_version"] == 2
    assert r.json()["verified_at"].startswith("2026-12-01T10:00:00")
    r = _patch(client, h, fac.id, {"verified": False}, etag=r.headers["etag"])
    assert r.status_code == 200 and r.json()["verified_at"] is None and r.json()["verified_by"] is None
    with db.session() as s:
        from sqlmodel import select

        from app.core.audit import AuditEvent

        actions = [e.action for e in s.exec(select(AuditEvent).where(
            AuditEvent.entity_id == str(fac.id))).all()]  # type: ignore[arg-type]
        assert actions.count("facility.overlay_update") == 3
        assert s.exec(select(FacilityOverlay).where(FacilityOverlay.facility_id == fac.id)).one().version == 3


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("attorney", 200), ("paralegal", 200),
                                              ("family_liaison", 403)])
def test_roles(client: Any, org_a: Any, db: Any, role: str, status: int) -> None:
    fac = _shared(db)
    r = _patch(client, org_a.h(role), fac.id, {"custodian_title": "Warden"})
    assert r.status_code == status, r.text
    if status == 403:
        assert_problem(r, 403)


@pytest.mark.parametrize(("body", "code"), [
    ({"name": "Renamed"}, "shared_facility_field"),
    ({"federal_district": "txwd"}, "shared_facility_field"),
    ({}, "empty_update"),
    ({"verified": False, "verified_at": "2026-12-01T10:00:00Z"}, "verified_conflict"),
    ({"custodian_name": "x" * 201}, "validation_error"),
    ({"notes": 5}, "validation_error"),
    ({"custodian_name": "Bad\u202echaracters"}, "validation_error"),
    ({"verified_at": "2026-12-01T10:00:00"}, "validation_error"),  # no time zone
    ({"organization_id": str(uuid.uuid4())}, "validation_error"),
])
def test_invalid_overlay_is_422(client: Any, org_a: Any, db: Any, body: dict[str, Any], code: str) -> None:
    fac = _shared(db)
    problem = assert_problem(_patch(client, org_a.h("paralegal"), fac.id, body), 422, code)
    if code == "shared_facility_field":
        assert "custodian_name" in problem["detail"] and problem["errors"][0]["loc"][0] == "body"


def test_verified_at_in_the_future_is_422(client: Any, org_a: Any, db: Any) -> None:
    fac = _shared(db)
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert_problem(_patch(client, org_a.h("paralegal"), fac.id, {"verified_at": later}), 422, "verified_in_future")


def test_other_organizations_private_facility_is_404(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    theirs = make_facility(db, org_b.id, name=f"Their Hold Room {uuid.uuid4().hex[:6]}", type="hold_room")
    assert_problem(_patch(client, org_a.h("attorney"), theirs.id, {"custodian_name": "x"}, etag='"1"'), 404,
                   "facility_not_found")
    assert_problem(_patch(client, org_a.h("attorney"), uuid.uuid4(), {"custodian_name": "x"}), 404,
                   "facility_not_found")
    with db.session() as s:
        row = s.get(Facility, theirs.id)
        assert row is not None and row.custodian_name == "Warden Pat Example"


def test_own_facility_patch_changes_the_row(client: Any, org_a: Any, db: Any) -> None:
    h = org_a.h("paralegal")
    created = client.post(FAC, headers=h, json={"name": "Fictional Hold Room", "type": "hold_room",
                                                 "city": "Baltimore", "state": "MD"})
    assert created.status_code == 201
    fid, etag = created.json()["id"], created.headers["etag"]
    r = _patch(client, h, fid, {"custodian_name": "Supervisor Example", "phone": "+1-410-555-0111"}, etag=etag)
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"' and r.json()["version"] == 2 and r.json()["overlay_version"] is None
    assert r.json()["custodian_name"] == "Supervisor Example" and r.json()["overlay_fields"] == []
    # Moving it to Texas re-derives nothing (four districts): the district must be given, and is checked.
    assert_problem(_patch(client, h, fid, {"state": "TX"}, etag='"2"'), 422, "federal_district_required")
    assert_problem(_patch(client, h, fid, {"state": "TX", "federal_district": "mdd"}, etag='"2"'), 422,
                   "district_state_mismatch")
    r = _patch(client, h, fid, {"state": "TX", "federal_district": "txsd", "city": "Brownsville",
                                "county": "Cameron"}, etag='"2"')
    assert r.status_code == 200, r.text
    assert (r.json()["federal_district"], r.json()["circuit"], r.json()["version"]) == ("txsd", "5th", 3)
    assert_problem(_patch(client, h, fid, {"notes": "x"}, etag='"3"'), 422, "own_facility_field")
    assert_problem(_patch(client, h, fid, {"name": ""}, etag='"3"'), 422, "validation_error")
    assert_problem(_patch(client, h, fid, {"name": "Again"}, etag='"1"'), 412, "version_conflict")
    assert_problem(_patch(client, org_a.h("family_liaison"), fid, {"name": "Again"}, etag='"3"'), 403)


@pytest.fixture
def seeded(db: Any) -> None:
    """The bundled shared list, upserted as ``dueprocess seed-facilities`` does (idempotent)."""
    from app.custody.facility_csv import load_seed_facilities

    with db.session(write=True) as s:
        facilities_service.upsert_facilities(s, load_seed_facilities(), org_id=None)
        s.commit()


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("q", ["Port Isabel", "port isab", "PORT ISABEL SPC", "Port Isabel Service Processing",
                               "isabel spc", "Los Fresnos", "port-isabel"])
def test_search_by_word_prefix_and_alias(client: Any, org_a: Any, q: str) -> None:
    """The seeded Port Isabel SPC is found by words, word prefixes and its abbreviation, either way."""
    items = client.get(FAC, headers=org_a.h("paralegal"), params={"q": q, "limit": 200}).json()["items"]
    assert "Port Isabel Service Processing Center" in [i["name"] for i in items], q


def test_search_words_must_begin_words(client: Any, org_a: Any, db: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    fac = make_facility(db, org_a.id, name=f"Fictional SPC {tag}", type="hold_room")
    h = org_a.h("paralegal")

    def names(q: str) -> list[str]:
        return [i["name"] for i in client.get(FAC, headers=h, params={"q": q, "limit": 200}).json()["items"]]

    assert names(f"{tag} service processing center") == [fac.name]   # abbreviation in the name
    assert names(f"{tag[:4]} fict") == [fac.name]
    assert names(f"{tag} ictional") == []                            # not the start of a word


@pytest.mark.usefixtures("seeded")
def test_habeas_draft_names_the_overlay_custodian(client: Any, org_a: Any) -> None:
    """README step 6: the custodian set in the overlay is the respondent of a habeas draft (no 422)."""
    api, h = "/api/v1", org_a.h("attorney")
    fac = client.get(FAC, headers=h, params={"q": "port isabel spc"}).json()["items"][0]
    c = client.post(f"{api}/clients", headers=h, json={"given_names": "Ana", "first_surname": "Ejemplo",
                                                      "country_of_birth": "SV", "citizenships": ["SV"]}).json()
    assert client.post(f"{api}/clients/{c['id']}/custody-events", headers=h, json={
        "status": "detained_ice", "effective_at": "2026-11-20T15:00:00Z", "facility_id": fac["id"],
        "source_type": "ice_locator", "confidence": "confirmed"}).status_code == 201
    assert _patch(client, h, fac["id"], {"custodian_name": "Pat Example",
                                         "custodian_title": "Officer in Charge"}).status_code == 200
    proc = client.post(f"{api}/clients/{c['id']}/proceedings", headers=h,
                       json={"forum": "district_court", "federal_district": "txsd"}).json()
    r = client.post(f"{api}/clients/{c['id']}/filings", headers=h, json={
        "template": "habeas_2241", "proceeding_id": proc["id"],
        "options": {"attorney_id": str(org_a.users["attorney"].id)}})
    assert r.status_code == 201, r.text
