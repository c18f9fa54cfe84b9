"""Cross-tenant fuzzing generated from ``app.routes`` (docs/security-model.md#tenant-isolation-Z3, Z6).

Organization B builds one object of every kind through the API. Then organization A (admin and attorney)
calls EVERY route that has a path id with B's ids, for every method, with a plausible body — and any 2xx
fails the test. B's objects are re-read afterwards and must be unchanged. List endpoints must never show
B's ids, and B's ids placed in request bodies must be refused with nothing written.
A route whose path parameter this test does not know how to fill fails the test, so new routes are covered.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.route_inventory import declared_permission, iter_routes

NOW = datetime.now(UTC)
PAST = (NOW - timedelta(days=3)).isoformat()


def _ok(r: Any, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201, 202)), (r.request.method, r.request.url.path, r.status_code,
                                                         r.text[:400])
    return r.json() if r.content else None


def build_world(client: Any, org: Any, facility_owner: Any = None) -> dict[str, Any]:
    """One object of every kind in ``org``, created through the API by its own staff."""
    att, par = org.h("attorney"), org.h("paralegal")
    w: dict[str, Any] = {"user_id": str(org.users["paralegal"].id)}
    w["access_token_id"] = _ok(client.post("/api/v1/auth/me/tokens", headers=par, json={
        "name": "probe", "scopes": ["clients:read"],
        "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}), 201)["id"]
    cl = _ok(client.post("/api/v1/clients", headers=par, json={
        "given_names": "Tenancy", "first_surname": "Probe", "a_number": f"{uuid.uuid4().int % 10**9:09d}",
        "country_of_birth": "SV", "citizenships": ["SV"]}))
    w["client_id"] = cl["id"]
    fac = _ok(client.post("/api/v1/facilities", headers=par, json={
        "name": f"Probe Hospital {uuid.uuid4().hex[:5]}", "type": "hospital", "city": "Baltimore", "state": "MD",
        "country": "US", "federal_district": "mdd", "custodian_name": "Pat Warden", "custodian_title": "Warden",
        "ice_field_office": "Baltimore"}))
    w["facility_id"] = fac["id"]
    w["proceeding_id"] = _ok(client.post(f"/api/v1/clients/{cl['id']}/proceedings", headers=par, json={
        "forum": "district_court", "federal_district": "mdd", "docket_number": "8:26-cv-00099"}))["id"]
    grp = _ok(client.post("/api/v1/groups", headers=par, json={"name": f"Flight {uuid.uuid4().hex[:6]}"}))
    w["group_id"] = grp["id"]
    _ok(client.post(f"/api/v1/groups/{grp['id']}/members", headers=par, json={"client_ids": [cl["id"]]}))
    ev = _ok(client.post(f"/api/v1/clients/{cl['id']}/custody-events", headers=par, json={
        "status": "detained_ice", "effective_at": PAST, "facility_id": fac["id"], "source_type": "attorney_visit",
        "confidence": "confirmed", "family_visible": True}))
    w["custody_event_id"] = ev["event"]["id"]
    po = _ok(client.post(f"/api/v1/clients/{cl['id']}/protection-orders", headers=par, json={
        "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": ["SV"],
        "issuing_body": "Immigration Court", "issued_at": "2019-05-01T12:00:00Z"}))
    w["protection_order_id"] = po["order"]["id"]
    moved = _ok(client.post(f"/api/v1/clients/{cl['id']}/custody-events", headers=par, json={
        "status": "in_transit", "effective_at": (NOW - timedelta(days=1)).isoformat(), "country": "SV",
        "source_type": "family_report", "confidence": "reported"}))
    w["alert_id"] = moved["alerts"][0]["id"]
    co = _ok(client.post(f"/api/v1/clients/{cl['id']}/court-orders", headers=par, json={
        "issuing_court": "D. Md.", "issued_at": PAST, "obligations": [{
            "obligated_party": "government", "description": "Daily declaration",
            "first_due_at": (NOW - timedelta(days=2)).replace(microsecond=0).isoformat(),
            "timezone": "America/New_York", "recurrence": "FREQ=DAILY"}]}))
    w["court_order_id"] = co["id"]
    w["obligation_id"] = co["obligations"][0]["id"]
    occ = _ok(client.get(f"/api/v1/obligations/{w['obligation_id']}/occurrences", headers=par))
    w["occurrence_id"] = occ["items"][0]["id"]
    w["rule_id"] = _ok(client.post("/api/v1/deadline-rules", headers=att, json={
        "id": f"ORG-PROBE-{uuid.uuid4().hex[:6].upper()}", "title": "Probe rule", "trigger": "order",
        "period": 10, "unit": "days", "regime": "frcp6", "citation": "Local practice"}))["id"]
    w["deadline_id"] = _ok(client.post(f"/api/v1/clients/{cl['id']}/deadlines", headers=par, json={
        "title": "Probe deadline", "rule": "PFR-30", "trigger_date": NOW.date().isoformat()}))["id"]
    w["trigger_event_id"] = _ok(client.post(f"/api/v1/clients/{cl['id']}/trigger-events", headers=par, json={
        "kind": "bia_decision", "occurred_on": NOW.date().isoformat()}))["id"]
    w["grant_id"] = _ok(client.post(f"/api/v1/clients/{cl['id']}/liaison-grants", headers=att, json={
        "liaison_user_id": str(org.users["family_liaison"].id), "scopes": ["custody_status", "location"],
        "consent": {"method": "written_signed", "obtained_at": PAST, "language": "es"}}))["id"]
    from tests.documents.samples import png

    w["document_id"] = _ok(client.post(f"/api/v1/clients/{cl['id']}/documents", headers=par,
                                       files={"file": ("p.png", png(), "image/png")}, data={"title": "Exhibit"}))["id"]
    filing = client.post(f"/api/v1/clients/{cl['id']}/filings", headers=att, json={
        "template": "habeas_2241", "proceeding_id": w["proceeding_id"], "options": {},
        "exhibits": [{"document_id": w["document_id"]}]})
    if filing.status_code == 201:
        w["filing_id"] = filing.json()["id"]
        w["packet_id"] = _packet_of(client, org, cl["id"], w["filing_id"])
    else:
        w["filing_error"] = filing.text[:500]
    batch = client.post("/api/v1/filing-batches", headers=att, json={
        "template": "status_report", "client_ids": [cl["id"]], "options": {}})
    if batch.status_code == 202:
        w["batch_id"] = batch.json()["id"]
    settings = client.app.state.settings  # a webhook endpoint on 127.0.0.1 needs private targets allowed
    client.app.state.settings = settings.model_copy(update={"webhook_allow_private_networks": True})
    try:
        w["endpoint_id"] = _ok(client.post("/api/v1/webhook-endpoints", headers=org.h("admin"), json={
            "url": "http://127.0.0.1:9/probe", "events": ["alert.raised"]}))["id"]
    finally:
        client.app.state.settings = settings
    return w


def _packet_of(client: Any, org: Any, client_id: str, filing_id: str) -> str:
    """An emergency packet holding the world's filing, inserted directly: a packet made through the API renders
    seven PDFs (tests/filings/test_api_packets.py does that); here only the routes' tenancy is at stake."""
    from app.packets.models import EmergencyPacket

    with client.app.state.db.session(write=True) as s:
        packet = EmergencyPacket(organization_id=org.id, client_id=uuid.UUID(client_id),
                                 attorney_id=org.users["attorney"].id, court_id="mdd", situation="new_case",
                                 documents=[{"kind": "habeas_2241", "filing_id": filing_id,
                                             "title": "Petition for Writ of Habeas Corpus", "pages": 1}],
                                 warnings=[])
        s.add(packet)
        s.commit()
        return str(packet.id)


# (path template, parameter) -> world key. Unknown combinations fail the test.
PARAM_KEYS = {
    "user_id": "user_id", "client_id": "client_id", "proceeding_id": "proceeding_id", "group_id": "group_id",
    "facility_id": "facility_id", "alert_id": "alert_id", "obligation_id": "obligation_id",
    "occurrence_id": "occurrence_id", "rule_id": "rule_id", "deadline_id": "deadline_id", "grant_id": "grant_id",
    "filing_id": "filing_id", "batch_id": "batch_id", "token_id": "access_token_id", "endpoint_id": "endpoint_id",
    "document_id": "document_id", "packet_id": "packet_id",
}
PATH_SPECIFIC = {
    ("/api/v1/custody-events/{event_id}/retract", "event_id"): "custody_event_id",
    ("/api/v1/trigger-events/{event_id}", "event_id"): "trigger_event_id",
    ("/api/v1/protection-orders/{order_id}", "order_id"): "protection_order_id",
    ("/api/v1/court-orders/{order_id}", "order_id"): "court_order_id",
    ("/api/v1/court-orders/{order_id}/obligations", "order_id"): "court_order_id",
}
SKIP = {"/calendar/{feed_token}.ics",  # authenticated by its own secret; covered in tests/deadlines/test_feed.py
        "/api/v1/court-profiles/{court}"}  # public reference data, no tenant; tests/documents/test_court_profiles.py


def _body(method: str, path: str, own: dict[str, Any]) -> dict[str, Any] | None:
    """A body that would be valid for the caller's own objects (so a 404 means 'not yours', not 'bad body')."""
    if method in ("GET", "DELETE"):
        return None
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/clients/{client_id}": {"given_names": "Changed"},
        "/api/v1/users/{user_id}": {"full_name": "Changed Name"},
        "/api/v1/clients/{client_id}/proceedings": {"forum": "immigration_court"},
        "/api/v1/proceedings/{proceeding_id}": {"judge": "Hon. Changed"},
        "/api/v1/groups/{group_id}/members": {"client_ids": [own["client_id"]]},
        "/api/v1/clients/{client_id}/custody-events": {
            "status": "detained_ice", "effective_at": PAST, "facility_id": own["facility_id"],
            "source_type": "attorney_visit", "confidence": "confirmed"},
        "/api/v1/custody-events/{event_id}/retract": {"reason": "entered in error"},
        "/api/v1/clients/{client_id}/protection-orders": {
            "type": "cat_deferral", "scope": "removal_to_listed_countries", "countries": ["GT"],
            "issuing_body": "Immigration Court", "issued_at": "2020-01-01T00:00:00Z"},
        "/api/v1/protection-orders/{order_id}": {"judge": "Hon. Changed"},
        "/api/v1/alerts/{alert_id}/acknowledge": {"note": "seen"},
        "/api/v1/clients/{client_id}/court-orders": {"issuing_court": "D. Md.", "issued_at": PAST},
        "/api/v1/court-orders/{order_id}/obligations": {
            "obligated_party": "us", "description": "Status report", "first_due_at": NOW.isoformat(),
            "timezone": "America/New_York"},
        "/api/v1/obligations/{obligation_id}": {"paused": True},
        "/api/v1/occurrences/{occurrence_id}/filings": {"filed_at": NOW.isoformat(), "docket_entry": "ECF 1",
                                                         "answered_elements": []},
        "/api/v1/deadline-rules/{rule_id}": {"title": "Changed"},
        "/api/v1/clients/{client_id}/deadlines": {"title": "x", "rule": "PFR-30",
                                                  "trigger_date": NOW.date().isoformat()},
        "/api/v1/deadlines/{deadline_id}": {"status": "met", "met_at": NOW.isoformat()},
        "/api/v1/clients/{client_id}/trigger-events": {"kind": "ij_decision", "occurred_on": NOW.date().isoformat()},
        "/api/v1/trigger-events/{event_id}": {"occurred_on": NOW.date().isoformat()},
        "/api/v1/clients/{client_id}/filings": {"template": "status_report", "options": {}},
        "/api/v1/filings/{filing_id}/finalize": {},
        "/api/v1/clients/{client_id}/liaison-grants": {
            "liaison_user_id": own["liaison_id"], "scopes": ["custody_status"],
            "consent": {"method": "written_signed", "obtained_at": PAST, "language": "en"}},
        "/api/v1/liaison-grants/{grant_id}/revoke": {"reason": "consent withdrawn"},
        "/api/v1/liaison-grants/{grant_id}/invitation": {},
    }
    return bodies.get(path, {})


def _fill(path: str, world: dict[str, Any]) -> str | None:
    import re

    out = path
    for param in re.findall(r"\{([^}]+)\}", path):
        key = PATH_SPECIFIC.get((path, param)) or PARAM_KEYS.get(param)
        assert key is not None, f"test does not know how to fill {param} in {path}: extend PARAM_KEYS"
        if key not in world:
            return None
        out = out.replace("{" + param + "}", str(world[key]))
    return out


@pytest.fixture
def worlds(client: Any, make_org: Any) -> tuple[Any, dict[str, Any], Any, dict[str, Any]]:
    a, b = make_org("Tenant A"), make_org("Tenant B")
    wa, wb = build_world(client, a), build_world(client, b)
    wa["liaison_id"] = str(a.users["family_liaison"].id)
    return a, wa, b, wb


def _snapshot(client: Any, b: Any, wb: dict[str, Any]) -> dict[str, Any]:
    reads = {"client_id": "/api/v1/clients/{}", "proceeding_id": "/api/v1/proceedings/{}",
             "protection_order_id": "/api/v1/protection-orders/{}", "deadline_id": "/api/v1/deadlines/{}",
             "grant_id": "/api/v1/liaison-grants/{}", "alert_id": "/api/v1/alerts/{}",
             "obligation_id": "/api/v1/obligations/{}", "group_id": "/api/v1/groups/{}"}
    return {k: client.get(p.format(wb[k]), headers=b.h("attorney")).json() for k, p in reads.items() if k in wb}


def test_every_path_id_route_refuses_other_organizations_objects(client: Any, app: Any, worlds: Any) -> None:
    a, wa, b, wb = worlds
    before = _snapshot(client, b, wb)
    checked = 0
    missing: list[str] = []
    for r in iter_routes(app):
        if "{" not in r.path or r.path in SKIP or declared_permission(r.route) is None:
            continue
        if r.path.startswith("/api/v1/portal/"):
            continue  # liaison routes: covered below with A's liaison
        if r.path.startswith("/family/"):
            continue  # the family pages take a cookie session, not a bearer token: tests/family/
        url = _fill(r.path, wb)
        if url is None:
            missing.append(r.path)
            continue
        for role in ("admin", "attorney"):
            resp = client.request(r.method, url, headers={**a.h(role), "If-Match": '"1"'},
                                  json=_body(r.method, r.path, wa))
            assert not 200 <= resp.status_code < 300, (role, r.method, r.path, resp.status_code, resp.text[:300])
            assert resp.status_code in (403, 404, 409, 422), (role, r.method, r.path, resp.status_code)
            checked += 1
    assert checked >= 80
    assert missing == [], f"objects could not be created for: {missing}"
    # A's liaison sees A's granted client, never B's (B's liaison holds the grant there).
    assert client.get(f"/api/v1/portal/clients/{wa['client_id']}", headers=a.h("family_liaison")).status_code == 200
    assert client.get(f"/api/v1/portal/clients/{wb['client_id']}", headers=a.h("family_liaison")).status_code == 404
    assert _snapshot(client, b, wb) == before


def test_get_routes_work_for_own_objects(client: Any, app: Any, worlds: Any) -> None:
    """Positive control: the same GETs with A's own ids succeed, so the 404s above mean 'not yours'."""
    a, wa, _, _ = worlds
    for r in iter_routes(app):
        if (r.method != "GET" or "{" not in r.path or r.path in SKIP
                or r.path.startswith(("/api/v1/portal/", "/family/"))):
            continue
        perm = declared_permission(r.route)
        if perm is None:
            continue
        role = "admin" if perm.value in ("users:manage", "audit:read") else "attorney"
        url = _fill(r.path, wa)
        assert url is not None, r.path
        resp = client.get(url, headers=a.h(role))
        assert resp.status_code == 200, (r.path, resp.status_code, resp.text[:300])


def test_lists_never_show_other_organizations_ids(client: Any, app: Any, worlds: Any) -> None:
    a, wa, b, wb = worlds
    foreign = {str(v) for k, v in wb.items()}
    for r in iter_routes(app):
        if r.method != "GET" or declared_permission(r.route) is None or r.path in SKIP:
            continue
        url = _fill(r.path, wa) if "{" in r.path else r.path
        if url is None:
            continue
        role = "admin" if declared_permission(r.route).value in ("users:manage", "audit:read") else "attorney"
        resp = client.get(url, headers=a.h(role), params={"limit": 200})
        if resp.status_code != 200 or not resp.headers.get("content-type", "").startswith("application/json"):
            continue
        leaked = [fid for fid in foreign if fid in resp.text]
        assert leaked == [], (r.path, leaked)


def test_foreign_ids_in_bodies_are_refused(client: Any, worlds: Any, db: Any) -> None:
    a, wa, b, wb = worlds
    h = a.h("attorney")
    cases = [
        (f"/api/v1/groups/{wa['group_id']}/members", {"client_ids": [wb["client_id"]]}),
        (f"/api/v1/clients/{wa['client_id']}/custody-events", {
            "status": "detained_ice", "effective_at": PAST, "facility_id": wb["facility_id"],
            "source_type": "attorney_visit", "confidence": "confirmed"}),
        (f"/api/v1/clients/{wa['client_id']}/protection-orders", {
            "type": "tro", "scope": "all_removal", "countries": [], "issuing_body": "D. Md.",
            "issued_at": PAST, "expires_at": (NOW + timedelta(days=5)).isoformat(),
            "proceeding_id": wb["proceeding_id"]}),
        (f"/api/v1/clients/{wa['client_id']}/deadlines", {"title": "x", "rule": "PFR-30",
                                                          "trigger_date": NOW.date().isoformat(),
                                                          "proceeding_id": wb["proceeding_id"]}),
        (f"/api/v1/clients/{wa['client_id']}/deadlines", {"title": "x", "rule": "PFR-30",
                                                          "trigger_date": NOW.date().isoformat(),
                                                          "owner_id": str(b.users["paralegal"].id)}),
        (f"/api/v1/clients/{wa['client_id']}/liaison-grants", {
            "liaison_user_id": str(b.users["family_liaison"].id), "scopes": ["custody_status"],
            "consent": {"method": "written_signed", "obtained_at": PAST, "language": "en"}}),
        (f"/api/v1/clients/{wa['client_id']}/filings", {"template": "habeas_2241",
                                                        "proceeding_id": wb["proceeding_id"], "options": {}}),
        ("/api/v1/filing-batches", {"template": "status_report", "client_ids": [wb["client_id"]], "options": {}}),
        ("/api/v1/filing-batches", {"template": "status_report", "group_id": wb["group_id"], "options": {}}),
    ]
    before = client.get("/api/v1/audit-events?limit=1", headers=a.h("admin")).json()["total"]
    for url, body in cases:
        resp = client.post(url, headers=h, json=body)
        assert resp.status_code in (404, 422), (url, resp.status_code, resp.text[:300])
    after = client.get("/api/v1/audit-events?limit=1", headers=a.h("admin")).json()["total"]
    assert after == before  # nothing written (every write is audited)
