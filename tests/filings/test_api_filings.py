"""Filings over HTTP: templates, drafting from the record, PDF download, versions, finalize, roles.

Every generated PDF is read back through the API and checked with pypdf.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from app.filings.viewmodels import FilingRecord
from tests.conftest import assert_problem
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding

from .conftest import API, OPTIONS, add_protection, detained_client, flat

JURAT_IN = "I declare under penalty of perjury that the foregoing is true and correct. Executed on"
JURAT_OUT = ("I declare under penalty of perjury under the laws of the United States of America "
             "that the foregoing is true and correct. Executed on")
FILE_NAME = re.compile(r'^attachment; filename="(habeas_2241|tro_motion|status_report|notice_of_compliance|'
                       r'declaration|certificate_of_service)-v\d+-[0-9a-f]{8}\.pdf"$')


def draft(api: Any, org: Any, client_id: Any, template: str = "habeas_2241", role: str = "paralegal",
          options: dict[str, Any] | None = None, proceeding_id: Any = None, attorney: bool = True) -> Any:
    opts = dict(OPTIONS[template] if options is None else options)
    if attorney and role != "attorney":
        opts.setdefault("attorney_id", str(org.users["attorney"].id))
    body: dict[str, Any] = {"template": template, "options": opts}
    if proceeding_id is not None:
        body["proceeding_id"] = str(proceeding_id)
    return api.post(f"{API}/clients/{client_id}/filings", headers=org.h(role), json=body)


def fetch_pdf(api: Any, org: Any, filing_id: str, role: str = "paralegal") -> tuple[bytes, str]:
    r = api.get(f"{API}/filings/{filing_id}/pdf", headers=org.h(role))
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    assert FILE_NAME.match(r.headers["content-disposition"]), r.headers["content-disposition"]
    reader = PdfReader(BytesIO(r.content))
    text = flat("\n".join(p.extract_text() or "" for p in reader.pages))
    return r.content, text


def _walk_keys(reader: PdfReader) -> set[str]:
    """Every dictionary key and /S action name reachable from the trailer."""
    keys: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if hasattr(obj, "idnum"):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            keys.update(str(k) for k in obj.keys())
            if "/S" in obj:
                keys.add(f"S={obj['/S']}")
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, list):
            stack.extend(obj)
    return keys


def assert_court_ready(pdf: bytes) -> None:
    """Letter pages, embedded fonts, no JavaScript, encryption, forms or attachments."""
    reader = PdfReader(BytesIO(pdf))
    assert not reader.is_encrypted and "/Encrypt" not in reader.trailer
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            if font.get("/Subtype") == "/Type3":
                continue
            descriptor = font["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")
    keys = _walk_keys(reader)
    for bad in ("/JavaScript", "/JS", "/AcroForm", "/EmbeddedFiles", "/EmbeddedFile", "/Encrypt", "S=/Launch"):
        assert bad not in keys, bad
    for raw in (b"/JavaScript", b"/Encrypt", b"/AcroForm", b"/EmbeddedFiles"):
        assert raw not in pdf


def filing_count(db: Any, client_id: Any) -> int:
    import sqlalchemy as sa

    from app.filings.models import Filing

    with db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Filing)
                             .where(Filing.client_id == client_id)).scalar_one())


def audit_actions(db: Any, org_id: Any, entity_id: Any) -> list[str]:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    with db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_id,
                                               AuditEvent.entity_id == str(entity_id))
                      .order_by(AuditEvent.seq)).all()
        return [r.action for r in rows]


# --- templates -----------------------------------------------------------------------------------

def test_template_listing(api: Any, org_a: Any) -> None:
    for role in ("admin", "attorney", "paralegal"):
        r = api.get(f"{API}/filing-templates", headers=org_a.h(role))
        assert r.status_code == 200
    listing = {t["key"]: t for t in r.json()}
    assert set(listing) == {"habeas_2241", "tro_motion", "status_report", "notice_of_compliance",
                            "declaration", "certificate_of_service", "proposed_order",
                            "proposed_order_to_show_cause", "civil_cover_sheet", "sealed_identifiers",
                            "supplemental_motion", "tro_memorandum"}
    habeas = listing["habeas_2241"]
    assert habeas["version"] and habeas["title"].startswith("Petition for Writ of Habeas Corpus")
    assert "facility.custodian_name" in habeas["required_fields"]
    assert {o["name"] for o in habeas["options"]} >= {"facts", "relief", "detention_authority"}
    decl = {o["name"]: o for o in listing["declaration"]["options"]}
    assert decl["execution_country"]["required"] and decl["execution_country"]["type"] == "country"
    assert_problem(api.get(f"{API}/filing-templates", headers=org_a.h("family_liaison")), 403)


# --- drafting ------------------------------------------------------------------------------------

def test_paralegal_drafts_habeas_from_the_record(api: Any, db: Any, org_a: Any) -> None:
    client, fac = detained_client(db, org_a.id)
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["client_id"] == str(client.id) and body["template"] == "habeas_2241"
    assert body["status"] == "draft" and body["version"] == 1 and body["template_version"]
    assert body["created_by"] == str(org_a.users["paralegal"].id)
    assert body["attorney_id"] == str(org_a.users["attorney"].id)
    assert body["preflight_ok"] and body["preflight"]["ok"] and body["pages"] >= 3
    assert len(body["sha256"]) == 64 and body["bytes"] > 1000
    assert re.fullmatch(r"habeas_2241-v1-[0-9a-f]{8}\.pdf", body["file_name"])
    assert r.headers["location"] == f"/api/v1/filings/{body['id']}"

    pdf, text = fetch_pdf(api, org_a, body["id"])
    assert_court_ready(pdf)
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == body["sha256"] and len(pdf) == body["bytes"]
    assert "José Luis Ramírez Núñez" in text
    assert "A-012-345-678" in text
    assert "FOR THE DISTRICT OF MARYLAND" in text and "(Northern Division)" in text
    assert "Dana K. Whitfield, Warden, Chesapeake Regional Detention Center" in text
    assert "Field Office Director, Baltimore Field Office" in text
    assert "Director, U.S. Immigration and Customs Enforcement" in text
    assert "Secretary of Homeland Security" in text and "Attorney General of the United States" in text
    assert "El Salvador" in text and "withholding of removal" in text
    assert "under penalty of perjury" in text  # 28 U.S.C. 2242 verification in 1746 form
    assert "ICE Online Detainee Locator System" in text and "November 2, 2026" in text
    assert "/s/ Test Attorney" in text and "MD-0000" in text
    # The e-mail may wrap after its hyphen ("attorney-" / "1a2b3c4d@…"); text extraction adds a space there.
    assert org_a.users["attorney"].email in text.replace("- ", "-")

    assert audit_actions(db, org_a.id, body["id"]) == ["filing.create", "filing.pdf_read"]


def test_snapshot_is_stored_and_rerenders(api: Any, db: Any, org_a: Any) -> None:
    from app.filings.render.renderer import render_html

    client, _ = detained_client(db, org_a.id)
    created = draft(api, org_a, client.id).json()
    r = api.get(f"{API}/filings/{created['id']}", headers=org_a.h("admin"))
    assert r.status_code == 200 and r.headers["etag"] == f'"{created["sha256"]}"'
    snap = r.json()["input_snapshot"]
    assert snap["client"]["name"]["given_names"] == "José Luis"
    assert snap["client"]["current_facility"]["federal_district"] == "mdd"
    assert "attorney_id" not in snap["options"]
    ctx = FilingRecord.model_validate(snap)
    assert "Dana K. Whitfield" in render_html("habeas_2241", ctx)
    pdf, text = fetch_pdf(api, org_a, created["id"], role="admin")
    assert_court_ready(pdf)
    assert "José Luis Ramírez Núñez" in text


def test_attorney_signs_own_draft(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    r = draft(api, org_a, client.id, role="attorney")
    assert r.status_code == 201, r.text
    assert r.json()["attorney_id"] == str(org_a.users["attorney"].id)
    assert r.json()["created_by"] == str(org_a.users["attorney"].id)
    pdf, text = fetch_pdf(api, org_a, r.json()["id"], role="attorney")
    assert_court_ready(pdf)
    assert "/s/ Test Attorney" in text and "Fictional Defense Collective" in text
    assert "100 Example St" in text and "Baltimore, MD 21201" in text


def test_signing_attorney_must_be_an_attorney_of_the_org(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    body = assert_problem(draft(api, org_a, client.id, attorney=False), 422, "missing_filing_data")
    assert body["missing"] == ["options.attorney_id"]
    for bad in (org_a.users["paralegal"].id, org_b.users["attorney"].id, "not-a-uuid"):
        body = assert_problem(draft(api, org_a, client.id, options={"attorney_id": str(bad)}), 422,
                              "invalid_filing_options")
        assert any(i.startswith("options.attorney_id") for i in body["invalid"])
    assert filing_count(db, client.id) == 0


def test_missing_data_lists_every_field(api: Any, db: Any, org_a: Any) -> None:
    fac = make_facility(db, org_a.id, federal_district=None, custodian_name=None, ice_field_office=None)
    client = make_client(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "detained_ice", datetime(2026, 11, 2, tzinfo=UTC),
                      facility_id=fac.id)
    body = assert_problem(draft(api, org_a, client.id, attorney=False), 422, "missing_filing_data")
    assert set(body["missing"]) == {"facility.federal_district", "facility.custodian_name",
                                    "facility.ice_field_office", "options.attorney_id"}

    nowhere = make_client(db, org_a.id, a_number="087654321")
    body = assert_problem(draft(api, org_a, nowhere.id), 422, "missing_filing_data")
    assert body["missing"] == ["client.current_facility"]

    # Required options are missing fields too, reported with the record fields (the caption's court
    # comes from a proceeding or the facility).
    body = assert_problem(draft(api, org_a, nowhere.id, "declaration", options={"statements": ["x"]}), 422,
                          "missing_filing_data")
    assert set(body["missing"]) == {"client.current_facility", "options.declarant_name",
                                    "options.place_of_execution", "options.execution_country"}
    assert filing_count(db, client.id) == filing_count(db, nowhere.id) == 0


def test_released_client_has_no_current_facility(api: Any, db: Any, org_a: Any) -> None:
    client, fac = detained_client(db, org_a.id)
    add_custody_event(db, org_a.id, client.id, "released_bond", datetime(2026, 11, 10, tzinfo=UTC),
                      facility_id=fac.id)
    body = assert_problem(draft(api, org_a, client.id), 422, "missing_filing_data")
    assert body["missing"] == ["client.current_facility"]


def test_invalid_options_and_unknown_template(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    body = assert_problem(draft(api, org_a, client.id, options={"bogus": 1, "bond_hearing_days": "7",
                                                                "relief": "not a list"}),
                          422, "invalid_filing_options")
    assert sorted(i.split(":")[0] for i in body["invalid"]) == ["options.bogus", "options.bond_hearing_days",
                                                                  "options.relief"]
    raw = json.dumps({"template": "habeas_2241", "options": {  # ASCII JSON with \u escapes
        "attorney_id": str(org_a.users["attorney"].id), "facts": "Paid \u202egnirts\u202c", "relief": ["ok"],
        "verifier_name": "x\ud800"}})
    r = api.post(f"{API}/clients/{client.id}/filings", content=raw,
                 headers={**org_a.h("paralegal"), "Content-Type": "application/json"})
    body = assert_problem(r, 422, "invalid_filing_options")
    assert sorted(i.split(":")[0] for i in body["invalid"]) == ["options.facts", "options.verifier_name"]
    body = assert_problem(draft(api, org_a, client.id, "no_such_template", options={}), 422, "unknown_template")
    assert "habeas_2241" in body["templates"]
    r = api.post(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal"),
                 json={"template": "habeas_2241", "options": {}, "extra": 1})
    assert_problem(r, 422, "validation_error")
    assert filing_count(db, client.id) == 0


def test_foreign_or_mismatched_proceeding_is_404(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    other_client = make_client(db, org_a.id)
    foreign_client = make_client(db, org_b.id)
    for proc in (make_proceeding(db, org_b.id, foreign_client.id), make_proceeding(db, org_a.id, other_client.id)):
        assert_problem(draft(api, org_a, client.id, proceeding_id=proc.id), 404, "proceeding_not_found")
    assert_problem(draft(api, org_a, client.id, proceeding_id=uuid.uuid4()), 404, "proceeding_not_found")


def test_proceeding_supplies_docket_and_respondents(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    proc = make_proceeding(db, org_a.id, client.id, division="Southern", docket_number="8:26-cv-04321-PX",
                           respondents=[{"name": "Jordan Example", "title": "Warden, Chesapeake Regional "
                                         "Detention Center", "role": "immediate_custodian"},
                                        {"title": "Secretary of Homeland Security"}])
    r = draft(api, org_a, client.id, "status_report", proceeding_id=proc.id)
    assert r.status_code == 201, r.text
    assert r.json()["proceeding_id"] == str(proc.id)
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "8:26-cv-04321-PX" in text and "(Southern Division)" in text
    assert "Jordan Example, Warden, Chesapeake Regional Detention Center" in text
    assert "Field Office Director" not in text


def test_hostile_names_print_literally(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, given_names='<img src="file:///etc/passwd">',
                                first_surname="{{7*7}}", second_surname=None, a_number="076543210")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    pdf, text = fetch_pdf(api, org_a, r.json()["id"])
    assert '<img src="file:///etc/passwd"> {{7*7}}' in text
    assert "root:" not in text
    assert_court_ready(pdf)


def test_sealed_a_number(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="011122233", a_number_sealed=True)
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "A-number filed under seal" in text
    assert "011-122-233" not in text and "011122233" not in text
    snap = api.get(f"{API}/filings/{r.json()['id']}", headers=org_a.h("paralegal")).json()["input_snapshot"]
    assert snap["client"]["a_number_display"] is None and snap["client"]["a_number_sealed"] is True


def test_removed_client_venue_is_last_us_facility(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="033344455")
    cecot = make_facility(db, org_a.id, name="Centro de Confinamiento del Terrorismo", type="foreign_prison",
                          city="Tecoluca", state=None, country="SV", federal_district=None, circuit=None,
                          ice_field_office=None, custodian_name=None, custodian_title=None)
    add_custody_event(db, org_a.id, client.id, "removed_to_designated_country",
                      datetime(2026, 11, 5, tzinfo=UTC), country="SV", source_type="flight_manifest",
                      confidence="reported")
    add_custody_event(db, org_a.id, client.id, "held_by_foreign_government", datetime(2026, 11, 6, tzinfo=UTC),
                      country="SV", facility_id=cecot.id, source_type="news_report", confidence="reported")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    snap = api.get(f"{API}/filings/{r.json()['id']}", headers=org_a.h("paralegal")).json()["input_snapshot"]
    assert snap["removed"] is True and snap["last_us_facility"]["federal_district"] == "mdd"
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "FOR THE DISTRICT OF MARYLAND" in text
    # Held abroad: respondents are the officials able to effect return, not a warden who no longer holds him.
    assert "Dana K. Whitfield" not in text and "Secretary of State" in text
    assert "Field Office Director, Baltimore Field Office" in text
    assert "facilitate Petitioner's return" in text


def test_in_transit_client_venue_is_the_facility_the_transfer_left(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="088899900")
    add_custody_event(db, org_a.id, client.id, "in_transit", datetime(2026, 11, 5, tzinfo=UTC),
                      source_type="family_report", confidence="reported")
    for template in ("habeas_2241", "tro_motion"):
        r = draft(api, org_a, client.id, template)
        assert r.status_code == 201, r.text
        snap = api.get(f"{API}/filings/{r.json()['id']}", headers=org_a.h("paralegal")).json()["input_snapshot"]
        assert snap["client"]["current_facility"] is None and snap["removed"] is False
        assert snap["last_us_facility"]["name"] == "Chesapeake Regional Detention Center"
        pdf, text = fetch_pdf(api, org_a, r.json()["id"])
        assert_court_ready(pdf)
        assert "FOR THE DISTRICT OF MARYLAND" in text and "being transferred" in text
        assert "In transit between facilities" in text or template == "tro_motion"

    # Released in between: the old facility belongs to an earlier detention and fixes no venue.
    other, _ = detained_client(db, org_a.id, a_number="088899901")
    add_custody_event(db, org_a.id, other.id, "released_bond", datetime(2026, 11, 3, tzinfo=UTC))
    add_custody_event(db, org_a.id, other.id, "in_transit", datetime(2026, 11, 5, tzinfo=UTC))
    body = assert_problem(draft(api, org_a, other.id), 422, "missing_filing_data")
    assert body["missing"] == ["client.current_facility"]


@pytest.mark.parametrize(("country", "jurat"), [("US", JURAT_IN), ("SV", JURAT_OUT)])
def test_declaration_1746_language(api: Any, db: Any, org_a: Any, country: str, jurat: str) -> None:
    client, _ = detained_client(db, org_a.id, a_number=None)
    opts = dict(OPTIONS["declaration"], execution_country=country,
                place_of_execution="Baltimore, Maryland" if country == "US" else "San Salvador, El Salvador")
    r = draft(api, org_a, client.id, "declaration", options=opts, attorney=False)
    assert r.status_code == 201, r.text
    pdf, text = fetch_pdf(api, org_a, r.json()["id"])
    assert_court_ready(pdf)
    assert jurat in text
    assert "Ana Núñez de Ramírez" in text and "José Luis Ramírez Núñez" in text
    if country == "US":
        assert "under the laws of the United States of America" not in text


def test_every_template_drafts(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="044455566")
    proc = make_proceeding(db, org_a.id, client.id)
    for key in ("tro_motion", "notice_of_compliance", "certificate_of_service"):
        r = draft(api, org_a, client.id, key, proceeding_id=proc.id)
        assert r.status_code == 201, (key, r.text)
        pdf, text = fetch_pdf(api, org_a, r.json()["id"])
        assert_court_ready(pdf)
        assert "José Luis Ramírez Núñez" in text and "A-044-455-566" in text
        assert "DISTRICT OF MARYLAND" in text


def test_non_country_protection_reads_cleanly(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="055566677", protection=False)
    add_protection(db, org_a.id, client.id, countries=[], type="automatic_stay", scope="all_removal")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "an automatic stay of removal under 8 C.F.R. § 1003.6" in text
    assert " as to ." not in text and "as to ," not in text


# --- versions, finalize ----------------------------------------------------------------------------

def test_versions_finalize_and_immutability(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="066677788")
    first = draft(api, org_a, client.id).json()
    url = f"{API}/filings/{first['id']}/finalize"
    assert_problem(api.post(url, headers=org_a.h("paralegal")), 403, "forbidden")
    assert_problem(api.post(url, headers=org_a.h("admin")), 403, "forbidden")
    assert_problem(api.post(url, headers={**org_a.h("attorney"), "If-Match": '"0000"'}), 412, "version_conflict")
    r = api.post(url, headers={**org_a.h("attorney"), "If-Match": f'"{first["sha256"]}"'})
    assert r.status_code == 200, r.text
    final = r.json()
    assert final["status"] == "final" and final["finalized_by"] == str(org_a.users["attorney"].id)
    assert final["finalized_at"] and final["sha256"] == first["sha256"]
    assert_problem(api.post(url, headers=org_a.h("attorney")), 409, "already_final")
    assert "filing.finalize" in audit_actions(db, org_a.id, first["id"])

    second = draft(api, org_a, client.id).json()
    assert second["version"] == 2 and second["status"] == "draft" and second["id"] != first["id"]
    for f in (first, second):
        pdf, text = fetch_pdf(api, org_a, f["id"])
        assert_court_ready(pdf)
        assert "A-066-677-788" in text
    assert re.fullmatch(r"habeas_2241-v2-[0-9a-f]{8}\.pdf", second["file_name"])
    other = draft(api, org_a, client.id, "tro_motion").json()
    assert other["version"] == 1  # versions count per client and template
    assert_court_ready(fetch_pdf(api, org_a, other["id"])[0])

    listing = api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("paralegal")).json()
    assert listing["total"] == 3 and [f["id"] for f in listing["items"]] == [other["id"], second["id"], first["id"]]
    assert "input_snapshot" not in listing["items"][0]
    page = api.get(f"{API}/clients/{client.id}/filings?limit=1&offset=1&template=habeas_2241",
                   headers=org_a.h("paralegal")).json()
    assert page["total"] == 2 and [f["id"] for f in page["items"]] == [first["id"]]
    finals = api.get(f"{API}/clients/{client.id}/filings?status=final", headers=org_a.h("paralegal")).json()
    assert [f["id"] for f in finals["items"]] == [first["id"]]
    assert api.get(f"{API}/filings/{first['id']}", headers=org_a.h("paralegal")).json()["status"] == "final"


def test_final_filing_is_immutable_in_the_database(api: Any, db: Any, org_a: Any) -> None:
    import sqlalchemy as sa

    from app.filings.models import Filing, FilingDocument

    client, _ = detained_client(db, org_a.id, a_number="077788899")
    created = draft(api, org_a, client.id).json()
    assert api.post(f"{API}/filings/{created['id']}/finalize", headers=org_a.h("attorney")).status_code == 200
    pdf, _ = fetch_pdf(api, org_a, created["id"])
    assert_court_ready(pdf)
    fid = uuid.UUID(created["id"])
    for stmt in (sa.update(Filing.__table__).where(Filing.__table__.c.id == fid).values(pages=1),
                 sa.delete(Filing.__table__).where(Filing.__table__.c.id == fid),
                 sa.update(FilingDocument.__table__).where(FilingDocument.__table__.c.filing_id == fid)
                 .values(pdf_ct=b"v1.forged.%PDF-forged")):
        with db.session(write=True) as s, pytest.raises(Exception, match="immutable|write-once"):
            s.execute(stmt)
            s.commit()


# --- roles and tenancy -----------------------------------------------------------------------------

def test_liaison_is_refused_everywhere(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    created = draft(api, org_a, client.id).json()
    assert_court_ready(fetch_pdf(api, org_a, created["id"])[0])
    h = org_a.h("family_liaison")
    for method, path in (("GET", "/filing-templates"), ("POST", f"/clients/{client.id}/filings"),
                         ("GET", f"/clients/{client.id}/filings"), ("GET", f"/filings/{created['id']}"),
                         ("GET", f"/filings/{created['id']}/pdf"), ("POST", f"/filings/{created['id']}/finalize"),
                         ("POST", "/filing-batches"), ("GET", f"/filing-batches/{uuid.uuid4()}")):
        assert_problem(api.request(method, API + path, headers=h, json={"template": "habeas_2241"}), 403)


def test_other_organization_gets_404_everywhere(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    created = draft(api, org_a, client.id).json()
    fid = created["id"]
    assert_court_ready(fetch_pdf(api, org_a, fid)[0])
    for role in ("attorney", "paralegal"):
        h = org_b.h(role)
        assert_problem(draft(api, org_b, client.id, role=role), 404, "client_not_found")
        assert_problem(api.get(f"{API}/clients/{client.id}/filings", headers=h), 404, "client_not_found")
        assert_problem(api.get(f"{API}/filings/{fid}", headers=h), 404, "filing_not_found")
        assert_problem(api.get(f"{API}/filings/{fid}/pdf", headers=h), 404, "filing_not_found")
    assert_problem(api.post(f"{API}/filings/{fid}/finalize", headers=org_b.h("attorney")), 404, "filing_not_found")
    assert_problem(api.get(f"{API}/filings/{uuid.uuid4()}", headers=org_a.h("paralegal")), 404, "filing_not_found")
    # Nothing leaked or changed: still a draft, and org B's attempts wrote no audit rows about it.
    assert api.get(f"{API}/filings/{fid}", headers=org_a.h("paralegal")).json()["status"] == "draft"
    assert audit_actions(db, org_b.id, fid) == []
