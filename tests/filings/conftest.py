"""Fixtures for filing render tests: fictional people and places only, no database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from app.filings.viewmodels import (
    AttorneyView,
    ClientView,
    CountryView,
    CustodyEventView,
    FacilityView,
    FilingRecord,
    PersonName,
    ProceedingView,
    ProtectionOrderView,
)

TODAY = date(2026, 11, 16)

FACILITY = FacilityView(
    name="Chesapeake Regional Detention Center",
    address_lines=["100 Harbor Road"],
    city="Glen Burnie",
    state="MD",
    country="US",
    federal_district="mdd",
    division="Northern",
    custodian_name="Dana K. Whitfield",
    custodian_title="Warden",
    ice_field_office="Baltimore",
)

WITHHOLDING = ProtectionOrderView(
    type_label="withholding of removal under 8 U.S.C. § 1231(b)(3)",
    countries=[CountryView(code="SV", name="El Salvador")],
    issuing_body="Immigration Judge, Baltimore Immigration Court",
    issued_date=date(2019, 10, 10),
    docket_entry="IJ decision",
)

ATTORNEY = AttorneyView(
    full_name="Miriam L. Okafor",
    bar_number="21457",
    bar_state="Maryland",
    firm="Harbor Immigrant Defense Project",
    address_lines=["200 Example Street, Suite 4", "Baltimore, MD 21201"],
    phone="(410) 555-0142",
    email="mokafor@example.org",
)


def make_context(
    *,
    given: str = "José",
    first: str = "Ramírez",
    second: str | None = "Núñez",
    options: dict[str, Any] | None = None,
    removed: bool = False,
    facility: FacilityView | None = FACILITY,
    proceeding: ProceedingView | None = None,
    attorney: AttorneyView | None = ATTORNEY,
    a_number: str | None = "A-012-345-678",
    sealed: bool = False,
    events: list[CustodyEventView] | None = None,
    surname_first: bool = False,
) -> FilingRecord:
    client = ClientView(
        name=PersonName(given_names=given, first_surname=first, second_surname=second,
                        name_on_charging_document="JOSE RAMIREZ-NUNEZ",
                        surname_first=surname_first),
        a_number_display=a_number,
        a_number_sealed=sealed,
        country_of_birth="SV",
        citizenships=["SV"],
        languages=["Spanish"],
        current_facility=None if removed else facility,
    )
    if events is None:
        events = [CustodyEventView(status_label="Arrested and detained by ICE",
                                   effective_date=date(2026, 11, 2),
                                   location=FACILITY.name, country="US",
                                   source_label="ICE Online Detainee Locator")]
    return FilingRecord(
        client=client,
        last_us_facility=facility if removed else None,
        protection_orders=[WITHHOLDING],
        custody_events=events,
        proceeding=proceeding,
        attorney=attorney,
        options=options or {},
        today=TODAY,
        removed=removed,
    )


PROCEEDING = ProceedingView(court_name="United States District Court for the District of Maryland",
                            district="mdd", division="Southern", docket_number="8:26-cv-01234-ABC",
                            judge="Example Judge")

OPTIONS: dict[str, dict[str, Any]] = {
    "habeas_2241": {"facts": "Petitioner reported to a routine check-in.\n\nOfficers detained him there.",
                    "detention_authority": "ina_241a"},
    "tro_motion": {"notice_efforts": "At 9:05 a.m. counsel emailed the Civil Chief of the United States "
                                     "Attorney's Office a copy of this motion and the petition."},
    "status_report": {"order_reference": "the Court's Order of November 12, 2026 (ECF No. 14)",
                      "report_text": "Counsel spoke with Petitioner on November 15, 2026."},
    "notice_of_compliance": {"order_reference": "the Court's Order of November 12, 2026 (ECF No. 14)",
                             "obligation_description": "File Petitioner's A-number under seal.",
                             "compliance_items": ["Filed the A-number under seal on November 13, 2026."]},
    "declaration": {"declarant_name": "Ana Núñez de Ramírez", "declarant_title": "Petitioner's wife",
                    "place_of_execution": "Baltimore, Maryland", "execution_country": "US",
                    "statements": ["I am married to Petitioner.", "He was detained on November 2, 2026."]},
    "certificate_of_service": {"document_title": "Petition for Writ of Habeas Corpus",
                               "served_parties": ["Civil Chief, U.S. Attorney's Office, 36 S. Charles St., "
                                                  "Baltimore, MD 21201"],
                               "service_method": "certified_mail"},
    # The emergency packet's own templates (tests/filings/test_api_packets.py drives them through the API).
    "proposed_order": {},
    "proposed_order_to_show_cause": {},
    "civil_cover_sheet": {},
    "sealed_identifiers": {"a_number": "A-012-345-678", "rule_source": "a fictional standing order"},
    "supplemental_motion": {"notice_efforts": "At 9:05 a.m. counsel emailed the Civil Chief of the United States "
                                              "Attorney's Office a copy of this motion."},
    "tro_memorandum": {},
}


def context_for(key: str, **kw: Any) -> FilingRecord:
    opts = dict(OPTIONS[key])
    opts.update(kw.pop("options", {}) or {})
    if key in ("status_report", "notice_of_compliance", "supplemental_motion") and "proceeding" not in kw:
        kw["proceeding"] = PROCEEDING
    return make_context(options=opts, **kw)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    """Collapse whitespace so phrases broken across lines still match."""
    return " ".join(text.split())


@pytest.fixture
def ctx_factory() -> Callable[..., FilingRecord]:
    return context_for


@pytest.fixture(scope="session")
def renderer() -> Iterator[Any]:
    from app.filings.render.renderer import Renderer

    r = Renderer(max_workers=2, timeout=60)
    r.start()
    yield r
    r.shutdown()


# --- API tests (test_api_*.py, test_batches*.py) ----------------------------------------------------

API = "/api/v1"


@pytest.fixture(scope="session")
def filings_app(settings: Any, db: Any) -> Any:
    """An application with a small renderer pool (2 workers) on the session database."""
    from app.main import create_app

    return create_app(settings.model_copy(update={"render_workers": 2}), db=db)


@pytest.fixture(scope="session")
def api(filings_app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(filings_app, raise_server_exceptions=False) as c:
        yield c


@contextmanager
def running_app(settings: Any, db: Any, *, batch_worker: bool = False, **overrides: Any) -> Iterator[Any]:
    """Start an extra application with other settings (page cap, timeout); it runs no jobs by default, so it
    never takes batch items of other tests."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app(settings.model_copy(update={**overrides, "jobs_in_process": batch_worker}), db=db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def add_protection(db: Any, org_id: Any, client_id: Any, countries: list[str] | None = None,
                   type: str = "withholding_241b3", scope: str = "removal_to_listed_countries",
                   status: str = "active") -> Any:
    """Direct insert of a protection order (fictional)."""
    from datetime import UTC, datetime

    from app.protection.models import ProtectionOrder

    with db.session(write=True) as s:
        order = ProtectionOrder(
            organization_id=org_id, client_id=client_id, type=type, scope=scope,
            countries=["SV"] if countries is None else countries,
            issuing_body="Immigration Judge, Baltimore Immigration Court",
            issued_at=datetime(2019, 10, 10, 15, 0, tzinfo=UTC), status=status,
            status_changed_at=datetime(2019, 10, 10, 15, 0, tzinfo=UTC))
        s.add(order)
        s.commit()
        return order


def detained_client(db: Any, org_id: Any, *, facility_kw: dict[str, Any] | None = None,
                    protection: bool = True, **client_kw: Any) -> tuple[Any, Any]:
    """A client detained by ICE at an organization-owned facility in the District of Maryland."""
    from datetime import UTC, datetime

    from tests.factories import add_custody_event, make_client, make_facility

    fac = make_facility(db, org_id, name="Chesapeake Regional Detention Center", county="Anne Arundel",
                        address="100 Harbor Road", zip="21061", custodian_name="Dana K. Whitfield",
                        **(facility_kw or {}))
    client_kw.setdefault("a_number", "012345678")
    client = make_client(db, org_id, **client_kw)
    add_custody_event(db, org_id, client.id, "detained_ice", datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
                      facility_id=fac.id, source_type="ice_locator")
    if protection:
        add_protection(db, org_id, client.id)
    return client, fac
