"""The emergency packet over HTTP, read back from the PDFs and the DOCX (both backends): a new case in the district
of confinement, a pending case after a transfer, a client abroad; court profiles that add a sealed-identifiers
notice and a separate memorandum; the zip and the review PDF; every gap at once; tenancy and roles."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader
from sqlmodel import select

from app.core_data import court_profiles
from app.core_data.court_profiles import CourtProfile, CourtRule
from tests.conftest import assert_problem
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding
from tests.key_ring import restore, spec_of

from .conftest import API, detained_client, flat, running_app
from .test_api_venue import MD_RESPONDENTS

NEW_CASE_KINDS = ["habeas_2241", "tro_motion", "declaration", "proposed_order", "proposed_order_to_show_cause",
                  "civil_cover_sheet", "certificate_of_service"]
OPTIONS = {"notice_efforts": "At 2:10 a.m. counsel emailed the Civil Chief of the United States Attorney's Office "
                             "a copy of the petition and this motion and left a voicemail at the duty number.",
           "notice_to": "the Civil Chief of the United States Attorney's Office",
           "service_method": "email", "place_of_execution": "Baltimore, Maryland"}


def add_alert(db: Any, org_id: Any, client_id: Any) -> Any:
    from app.protection.models import Alert

    with db.session(write=True) as s:
        alert = Alert(organization_id=org_id, client_id=client_id, kind="removal_to_protected_country",
                      severity="critical", severity_rank=0, dedupe_key=f"test:{uuid.uuid4().hex}",
                      trigger_type="custody_event", details={}, created_at=datetime(2026, 11, 3, 7, 5, tzinfo=UTC))
        s.add(alert)
        s.commit()
        return alert


def post_packet(api: Any, org: Any, client_id: Any, role: str = "paralegal", **body: Any) -> Any:
    payload: dict[str, Any] = {"attorney_id": str(org.users["attorney"].id), "options": dict(OPTIONS)}
    payload.update({k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in body.items()})
    return api.post(f"{API}/clients/{client_id}/emergency-packets", headers=org.h(role), json=payload)


def fetch_text(api: Any, org: Any, filing_id: str) -> str:
    r = api.get(f"{API}/filings/{filing_id}/pdf", headers=org.h("paralegal"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text[:300]
    return flat("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(r.content)).pages))


def texts(api: Any, org: Any, packet: dict[str, Any]) -> dict[str, str]:
    return {d["kind"]: fetch_text(api, org, d["filing_id"]) for d in packet["documents"]}


def assert_orders_submitted_not_signed(text: dict[str, str]) -> None:
    for kind in ("proposed_order", "proposed_order_to_show_cause"):
        if kind in text:
            assert "Submitted by" in text[kind] and "/s/" not in text[kind], kind
    if "proposed_order" in text:
        order = text["proposed_order"]
        assert "65(b)(2)" in order and "65(d)(2)" in order and "expires 14 days after entry" in order
        assert "active concert or participation" in order
        assert "preliminary injunction is set for ____" in order  # the hearing date is the court's


def test_new_case_packet_in_the_district_of_confinement(api: Any, db: Any, org_a: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # The federal rules alone (no profile for the district): the real D. Md. profile is tested below.
    monkeypatch.delitem(court_profiles.PROFILES, "mdd", raising=False)
    client, _ = detained_client(db, org_a.id, a_number="031122233")
    alert = add_alert(db, org_a.id, client.id)
    r = post_packet(api, org_a, client.id, alert_id=alert.id)
    assert r.status_code == 201, r.text
    packet = r.json()
    assert [d["kind"] for d in packet["documents"]] == NEW_CASE_KINDS
    assert packet["situation"] == "new_case" and packet["court_id"] == "mdd"
    assert all(d["pages"] >= 1 for d in packet["documents"])
    if court_profiles.court_profile("mdd") is None:
        assert "court_profile_missing" in [w["code"] for w in packet["warnings"]]
    text = texts(api, org_a, packet)
    for kind, t in text.items():
        assert "FOR THE DISTRICT OF MARYLAND" in t, kind
    assert_orders_submitted_not_signed(text)
    assert "[PROPOSED] TEMPORARY RESTRAINING ORDER" not in text["tro_motion"]  # a separate file
    assert "proposed order submitted with this motion" in text["tro_motion"]
    assert "LEGAL STANDARD" in text["tro_motion"]  # no profile asks for a separate memorandum here
    osc = text["proposed_order_to_show_cause"]
    assert "28 U.S.C. § 2243" in osc and "three (3) days" in osc and "twenty (20) days" in osc
    js44 = text["civil_cover_sheet"]
    assert "463 Habeas Corpus – Alien Detainee" in js44 and "28 U.S.C. § 2241" in js44
    assert "2 U.S. Government Defendant" in js44 and "1 Original Proceeding" in js44
    decl = text["declaration"]
    assert "ICE Online Detainee Locator System" in decl and "Chesapeake Regional Detention Center" in decl
    assert "removal to protected country" in decl and "emailed the Civil Chief" in decl
    assert "Civil Division, United States Attorney's Office for the District of Maryland" in \
        text["certificate_of_service"]

    # The proposed orders are finalized by the attorney who files the packet (not by a paralegal).
    order_id = packet["documents"][3]["filing_id"]
    assert_problem(api.post(f"{API}/filings/{order_id}/finalize", headers=org_a.h("paralegal")), 403)
    assert api.post(f"{API}/filings/{order_id}/finalize", headers=org_a.h("attorney")).status_code == 200

    # GET answers the same packet; the zip holds exactly the listed documents, the DOCX and a manifest.
    got = api.get(f"{API}/emergency-packets/{packet['id']}", headers=org_a.h("admin"))
    assert got.status_code == 200 and got.json()["documents"] == packet["documents"]
    z = api.get(f"{API}/emergency-packets/{packet['id']}/zip", headers=org_a.h("attorney"))
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(z.content))
    manifest = json.loads(zf.read("manifest.json"))
    pdfs = sorted(n for n in zf.namelist() if n.endswith(".pdf"))
    assert pdfs == sorted(f"{i:02d}-{k}.pdf" for i, k in enumerate(NEW_CASE_KINDS, start=1))
    docx_names = sorted(n for n in zf.namelist() if n.endswith(".docx"))
    assert docx_names == ["04-proposed_order.docx", "05-proposed_order_to_show_cause.docx"]
    assert len(zf.namelist()) == len(NEW_CASE_KINDS) + 2 + 1
    assert [d["filing_id"] for d in manifest["documents"]] == [d["filing_id"] for d in packet["documents"]]
    for name, needle in (("04-proposed_order.docx", "shall not remove Petitioner"),
                         ("05-proposed_order_to_show_cause.docx", "within three (3) days of service")):
        doc = Document(io.BytesIO(zf.read(name)))
        body = "\n".join(p.text for p in doc.paragraphs)
        assert needle in body and "Submitted by:" in body and "/s/" not in body
        assert "FOR THE DISTRICT OF MARYLAND" in body
    # The review PDF: every page of every document, a bookmark per document.
    rv = api.get(f"{API}/emergency-packets/{packet['id']}/review.pdf", headers=org_a.h("paralegal"))
    assert rv.status_code == 200 and rv.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(rv.content))
    assert len(reader.pages) == sum(d["pages"] for d in packet["documents"])
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [d["title"] for d in packet["documents"]]


def test_pending_case_after_a_transfer_gets_a_supplemental_motion(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="042233344")
    proc = make_proceeding(db, org_a.id, client.id, federal_district="mdd", division="Northern",
                           docket_number="1:26-cv-03111-ABC", respondents=MD_RESPONDENTS)
    tx = make_facility(db, org_a.id, name="El Paso Service Processing Center", city="El Paso", state="TX",
                       county="El Paso", federal_district="txwd", circuit="5th", ice_field_office="El Paso",
                       custodian_name="Robin Q. Example", custodian_title="Warden")
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
                      facility_id=tx.id, source_type="ice_locator")
    r = post_packet(api, org_a, client.id, role="admin", proceeding_id=proc.id)
    assert r.status_code == 201, r.text
    packet = r.json()
    assert packet["situation"] == "pending_case"
    assert [d["kind"] for d in packet["documents"]] == ["supplemental_motion", "declaration", "proposed_order",
                                                        "certificate_of_service"]
    text = texts(api, org_a, packet)
    for kind, t in text.items():
        assert "FOR THE DISTRICT OF MARYLAND" in t and "1:26-cv-03111-ABC" in t, kind
        assert "DISTRICT OF TEXAS" not in t and "Robin Q. Example" not in t, kind
    assert "Ex parte Endo" in text["supplemental_motion"]
    assert "El Paso Service Processing Center" in text["supplemental_motion"]
    assert "return Petitioner to the District of Maryland" in text["proposed_order"]
    assert_orders_submitted_not_signed(text)


def test_client_abroad_asks_to_facilitate_return(api: Any, db: Any, org_a: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(court_profiles.PROFILES, "mdd", raising=False)
    client, _ = detained_client(db, org_a.id, a_number="053344455")
    add_custody_event(db, org_a.id, client.id, "removed_to_designated_country", datetime(2026, 11, 5, tzinfo=UTC),
                      country="SV", source_type="flight_manifest", confidence="reported")
    r = post_packet(api, org_a, client.id, role="attorney")
    assert r.status_code == 201, r.text
    packet = r.json()
    assert packet["situation"] == "abroad"
    assert [d["kind"] for d in packet["documents"]] == NEW_CASE_KINDS
    text = texts(api, org_a, packet)
    for kind, t in text.items():
        assert "FOR THE DISTRICT OF MARYLAND" in t, kind
        assert "stay of removal" not in t.lower() and "within this district" not in t.lower(), kind
    assert "facilitate Petitioner" in text["proposed_order"] and "shall not remove" not in text["proposed_order"]
    assert "seeking an order requiring Respondents to facilitate return" in text["civil_cover_sheet"]
    assert_orders_submitted_not_signed(text)


def test_a_profile_with_sealed_identifiers_adds_the_sealed_notice(api: Any, db: Any, org_a: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(court_profiles.PROFILES, "mdd", CourtProfile(
        court="mdd",
        sealed_identifiers=CourtRule(True, "Test Standing Order 1 (fictional)"),
        separate_memorandum=CourtRule(True, "Test Local Rule 2 (fictional)")))
    client, _ = detained_client(db, org_a.id, a_number="064455566")
    r = post_packet(api, org_a, client.id)
    assert r.status_code == 201, r.text
    packet = r.json()
    kinds = [d["kind"] for d in packet["documents"]]
    assert "sealed_identifiers" in kinds and "tro_memorandum" in kinds
    assert "unverified_court_rule" in [w["code"] for w in packet["warnings"]]
    text = texts(api, org_a, packet)
    assert "A-064-455-566" in text["sealed_identifiers"] and "Test Standing Order 1" in text["sealed_identifiers"]
    for kind, t in text.items():
        assert "FOR THE DISTRICT OF MARYLAND" in t, kind
        if kind != "sealed_identifiers":
            assert "A-064-455-566" not in t, kind
    assert "A-number filed under seal" in text["habeas_2241"]
    assert "LEGAL STANDARD" in text["tro_memorandum"] and "LEGAL STANDARD" not in text["tro_motion"]


def test_a_profile_without_sealed_identifiers_has_no_sealed_notice(api: Any, db: Any, org_a: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(court_profiles.PROFILES, "mdd", CourtProfile(
        court="mdd", sealed_identifiers=CourtRule(False, "Test: no such order (fictional)")))
    client, _ = detained_client(db, org_a.id, a_number="075566677")
    r = post_packet(api, org_a, client.id)
    assert r.status_code == 201, r.text
    assert [d["kind"] for d in r.json()["documents"]] == NEW_CASE_KINDS


def test_the_real_maryland_profile(api: Any, db: Any, org_a: Any) -> None:
    profile = court_profiles.court_profile("mdd")
    if profile is None:
        pytest.skip("PROFILES has no 'mdd' yet: the court-profile data is not merged")
    client, _ = detained_client(db, org_a.id, a_number="086677788")
    r = post_packet(api, org_a, client.id)
    assert r.status_code == 201, r.text
    kinds = [d["kind"] for d in r.json()["documents"]]
    wanted = bool(profile.sealed_identifiers and profile.sealed_identifiers.value is True)
    assert ("sealed_identifiers" in kinds) == wanted
    separate_memo = bool(profile.separate_memorandum and profile.separate_memorandum.value is True)
    assert ("tro_memorandum" in kinds) == separate_memo
    assert "court_profile_missing" not in [w["code"] for w in r.json()["warnings"]]
    if wanted:  # the public papers name no A-number; the sealed notice carries it
        text = texts(api, org_a, r.json())
        for kind, t in text.items():
            if kind != "sealed_identifiers":
                assert "086677788" not in t and "086-677-788" not in t, kind


def test_every_gap_of_every_document_at_once_and_nothing_written(api: Any, db: Any, org_a: Any) -> None:
    client = make_client(db, org_a.id, a_number="097788899")  # no custody record: no court, no facility
    r = post_packet(api, org_a, client.id, options={})
    body = assert_problem(r, 422, "missing_filing_data")
    kinds = {d["kind"] for d in body["documents"]}
    assert {"habeas_2241", "tro_motion", "certificate_of_service"} <= kinds
    assert "options.notice_efforts" in body["missing"] and "options.service_method" in body["missing"]
    assert any(m.startswith("client.current_facility") for m in body["missing"]), body["missing"]
    listed = api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()
    assert listed["total"] == 0


def test_a_failed_render_stores_nothing(settings: Any, db: Any, org_a: Any) -> None:
    # A two-page cap: the short orders render, the petition does not; no filing and no packet may remain.
    client, _ = detained_client(db, org_a.id, a_number="017788899")
    with running_app(settings, db, render_workers=2, render_max_pages=2) as http:
        body = assert_problem(post_packet(http, org_a, client.id), 422, "page_limit_exceeded")
        assert body["limit"] == 2
        assert http.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()["total"] == 0
    from app.packets.models import EmergencyPacket

    with db.session() as s:
        assert not s.exec(select(EmergencyPacket).where(EmergencyPacket.client_id == client.id)).all()


def test_invalid_input(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="018899900")
    body = assert_problem(post_packet(api, org_a, client.id, options={**OPTIONS, "colour": "red",
                                                                    "documents": {"proposed_order":
                                                                                  {"expiry_days": 30}}}),
                          422, "invalid_filing_options")
    assert "options.colour: unknown option" in body["invalid"]
    assert any(i.startswith("options.expiry_days") for i in body["invalid"]), body["invalid"]
    r = api.post(f"{API}/clients/{client.id}/emergency-packets", headers=org_a.h("paralegal"), json={})
    assert_problem(r, 422)
    not_attorney = post_packet(api, org_a, client.id, attorney_id=org_a.users["paralegal"].id)
    assert_problem(not_attorney, 422, "invalid_filing_options")
    assert api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()["total"] == 0


def test_tenancy_and_roles(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="029900011")
    other, _ = detained_client(db, org_a.id, a_number="039900022")
    other_alert = add_alert(db, org_a.id, other.id)
    # Another organization's client, another client's alert: 404.
    assert_problem(post_packet(api, org_b, client.id), 404)
    assert_problem(post_packet(api, org_a, client.id, alert_id=other_alert.id), 404, "alert_not_found")
    # The family liaison cannot draft or read packets.
    assert_problem(post_packet(api, org_a, client.id, role="family_liaison"), 403)
    r = post_packet(api, org_a, client.id)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    for path in ("", "/zip", "/review.pdf"):
        assert_problem(api.get(f"{API}/emergency-packets/{pid}{path}", headers=org_b.h("admin")), 404,
                       "packet_not_found")
        assert_problem(api.get(f"{API}/emergency-packets/{pid}{path}", headers=org_a.h("family_liaison")), 403)
    for role in ("admin", "attorney", "paralegal"):
        assert api.get(f"{API}/emergency-packets/{pid}", headers=org_a.h(role)).status_code == 200


def test_the_alert_view_offers_the_packet(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="049900033")
    alert = add_alert(db, org_a.id, client.id)
    got = api.get(f"{API}/alerts/{alert.id}", headers=org_a.h("paralegal"))
    assert got.status_code == 200, got.text
    action = next(a for a in got.json()["actions"] if a["rel"] == "emergency_packet")
    assert action["method"] == "POST" and action["href"] == f"{API}/clients/{client.id}/emergency-packets"
    assert action["body"]["alert_id"] == str(alert.id)


def test_key_rotation_re_encrypts_the_docx(api: Any, db: Any, org_a: Any) -> None:
    from app.core import crypto, keyring
    from app.packets.keys import rotate_packet_keys
    from app.packets.models import PacketDocx

    client, _ = detained_client(db, org_a.id, a_number="059900044")
    packet = post_packet(api, org_a, client.id).json()
    zip_before = zipfile.ZipFile(io.BytesIO(api.get(f"{API}/emergency-packets/{packet['id']}/zip",
                                                    headers=org_a.h("admin")).content))
    before = {n: zip_before.read(n) for n in zip_before.namelist() if n.endswith(".docx")}
    old = keyring.ring()
    old_spec = spec_of(old)
    new_spec = crypto.new_key_spec("pkt2")
    try:
        keyring.configure(f"{old_spec},{new_spec}", "pkt2", crypto._b64e(old.index_key))
        with db.session(write=True) as s:
            assert rotate_packet_keys(s)["emergency_packet_docx"]["rotated"] >= 2
            rows = s.exec(select(PacketDocx).where(PacketDocx.packet_id == uuid.UUID(packet["id"]))).all()
            assert {crypto.KeyRing.key_id_bytes(bytes(r.docx_ct)) for r in rows} == {"pkt2"}
        zf = zipfile.ZipFile(io.BytesIO(api.get(f"{API}/emergency-packets/{packet['id']}/zip",
                                                headers=org_a.h("admin")).content))
        assert {n: zf.read(n) for n in zf.namelist() if n.endswith(".docx")} == before
        with db.session(write=True) as s:
            assert rotate_packet_keys(s)["emergency_packet_docx"]["rotated"] == 0  # idempotent
    finally:
        restore(db, old, new_spec)


def test_exhibits_ride_with_the_lead_document(api: Any, db: Any, org_a: Any) -> None:
    """An uploaded document attached to the packet: the petition's exhibit index names it, review.pdf ends with
    it behind a slip sheet (bookmarked under "Exhibits"), and the zip carries it as its own exhibits PDF."""
    from tests.documents import samples

    client, _ = detained_client(db, org_a.id, a_number="019988776")
    up = api.post(f"{API}/clients/{client.id}/documents", headers=org_a.h("paralegal"),
                  files={"file": ("scan.png", samples.png(), "image/png")}, data={"title": "Order of the IJ"})
    assert up.status_code == 201, up.text
    r = post_packet(api, org_a, client.id, exhibits=[{"document_id": up.json()["id"]}])
    assert r.status_code == 201, r.text
    packet = r.json()
    lead = packet["documents"][0]
    assert lead["kind"] == "habeas_2241"
    assert "Order of the IJ" in fetch_text(api, org_a, lead["filing_id"])
    rv = api.get(f"{API}/emergency-packets/{packet['id']}/review.pdf", headers=org_a.h("paralegal"))
    reader = PdfReader(io.BytesIO(rv.content))
    assert len(reader.pages) == sum(d["pages"] for d in packet["documents"]) + 2  # slip sheet + the image page
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    assert top == [d["title"] for d in packet["documents"]] + ["Exhibits"]
    slip = flat(reader.pages[-2].extract_text() or "")
    assert "Exhibit A" in slip and "Order of the IJ" in slip
    zf = zipfile.ZipFile(io.BytesIO(api.get(f"{API}/emergency-packets/{packet['id']}/zip",
                                            headers=org_a.h("paralegal")).content))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["exhibits"] in zf.namelist()
    assert len(PdfReader(io.BytesIO(zf.read(manifest["exhibits"]))).pages) == 2


def test_an_exhibit_of_another_client_is_refused(api: Any, db: Any, org_a: Any) -> None:
    from tests.documents import samples

    client, _ = detained_client(db, org_a.id, a_number="029988776")
    other, _ = detained_client(db, org_a.id, a_number="039988776")
    up = api.post(f"{API}/clients/{other.id}/documents", headers=org_a.h("paralegal"),
                  files={"file": ("scan.png", samples.png(), "image/png")}, data={"title": "Someone else's"})
    assert up.status_code == 201, up.text
    r = post_packet(api, org_a, client.id, exhibits=[{"document_id": up.json()["id"]}])
    assert_problem(r, 422, "exhibit_not_found")
    assert api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()["total"] == 0
