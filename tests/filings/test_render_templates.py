"""Each filing template renders from a fictional FilingRecord into a court-ready PDF whose
text carries the facts (read back with pypdf) and which passes preflight."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from app.filings.registry import TEMPLATES
from app.filings.render.renderer import render_filing, render_html

from .conftest import FACILITY, OPTIONS, context_for, flat, pdf_text

KEYS = list(TEMPLATES)

JURAT_IN = "I declare under penalty of perjury that the foregoing is true and correct. Executed on"
JURAT_OUT = (
    "I declare under penalty of perjury under the laws of the United States of America "
    "that the foregoing is true and correct. Executed on"
)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[object, str]]:
    out = {}
    for key in KEYS:
        result = render_filing(key, context_for(key))
        out[key] = (result, flat(pdf_text(result.pdf)))
    return out


def test_registry_has_the_six_templates_and_the_packets() -> None:
    assert set(KEYS) == {"habeas_2241", "tro_motion", "status_report", "notice_of_compliance",
                         "declaration", "certificate_of_service", "proposed_order", "proposed_order_to_show_cause",
                         "civil_cover_sheet", "sealed_identifiers", "supplemental_motion", "tro_memorandum"}
    assert set(OPTIONS) == set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_pdf_is_court_ready(rendered, key: str) -> None:
    result, _ = rendered[key]
    assert result.pdf.startswith(b"%PDF-")
    assert result.bytes == len(result.pdf) and len(result.sha256) == 64
    report = result.preflight
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    assert report["pages"] == result.pages >= 1
    reader = PdfReader(BytesIO(result.pdf))
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 612
        assert round(float(page.mediabox.height)) == 792
    root = reader.trailer["/Root"]
    assert "/AcroForm" not in root and "/OpenAction" not in root
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    assert not reader.is_encrypted and "/Encrypt" not in reader.trailer
    assert b"/JavaScript" not in result.pdf and b"/JS " not in result.pdf


@pytest.mark.parametrize("key", [k for k in KEYS if k != "civil_cover_sheet"])  # the JS 44 has no caption
def test_caption_facts_in_text(rendered, key: str) -> None:
    _, text = rendered[key]
    assert "José Ramírez Núñez" in text
    assert "A-012-345-678" in text
    assert "DISTRICT OF MARYLAND" in text
    assert "Page 1 of" in text
    assert "Petitioner, v." in text


@pytest.mark.parametrize("key", ["habeas_2241", "tro_motion"])
def test_venue_respondents_and_protection(rendered, key: str) -> None:
    _, text = rendered[key]
    assert "Dana K. Whitfield, Warden, Chesapeake Regional Detention Center" in text
    assert "Field Office Director, Baltimore Field Office" in text
    assert "El Salvador" in text


@pytest.mark.parametrize("key", ["habeas_2241", "tro_motion", "status_report",
                                 "notice_of_compliance", "certificate_of_service"])
def test_signature_block(rendered, key: str) -> None:
    _, text = rendered[key]
    for piece in ("/s/ Miriam L. Okafor", "Bar No. 21457", "Harbor Immigrant Defense Project",
                  "Baltimore, MD 21201", "(410) 555-0142", "mokafor@example.org"):
        assert piece in text


def test_habeas_sections_in_order(rendered) -> None:
    _, text = rendered["habeas_2241"]
    sections = ["PETITION FOR WRIT OF HABEAS CORPUS PURSUANT TO 28 U.S.C. § 2241", "INTRODUCTION",
                "CUSTODY", "JURISDICTION", "VENUE", "PARTIES", "LEGAL FRAMEWORK", "STATEMENT OF FACTS",
                "EXHAUSTION", "CLAIMS FOR RELIEF", "PRAYER FOR RELIEF",
                "VERIFICATION PURSUANT TO 28 U.S.C. § 2242", "Respectfully submitted",
                "CERTIFICATE OF SERVICE", "EXHIBIT INDEX"]
    positions = [text.find(s) for s in sections]
    assert all(p >= 0 for p in positions), dict(zip(sections, positions, strict=True))
    assert positions == sorted(positions)


def test_habeas_prayer_and_verification(rendered) -> None:
    _, text = rendered["habeas_2241"]
    assert "shall not transfer Petitioner out of the District of Maryland" in text
    assert "shall not remove Petitioner from the United States while this petition is pending" in text
    assert "returnable within three days under 28 U.S.C. § 2243" in text
    # Day 14 of post-order detention: inside the removal period, so no prolonged-detention count, no release
    # prayer and never a bond hearing for a § 1231(a) detainee (Johnson v. Arteaga-Martinez).
    assert "bond hearing" not in text.replace("does not itself require a bond hearing", "")
    assert "Unlawful Prolonged Detention" not in text and "release under reasonable conditions" not in text
    assert "Equal Access to Justice Act" not in text  # foreclosed in the Fourth Circuit
    assert "Enjoin Respondents from removing Petitioner to El Salvador" in text
    assert "facilitate" not in text  # not removed
    assert JURAT_IN in text and "Executed on November 16, 2026" in text
    assert "Zadvydas v. Davis, 533 U.S. 678 (2001)" in text  # detention_authority ina_241a
    assert "Rumsfeld v. Padilla, 542 U.S. 426 (2004)" in text
    assert "Officers detained him there." in text  # attorney-written facts
    assert 'name appears in the charging document as "JOSE RAMIREZ-NUNEZ."' in text


def test_habeas_for_removed_client_asks_to_facilitate_return() -> None:
    ctx = context_for("habeas_2241", removed=True)
    assert ctx.facility == FACILITY  # venue from the last U.S. facility
    text = flat(pdf_text(render_filing("habeas_2241", ctx).pdf))
    assert "Order Respondents to facilitate Petitioner's return to the United States" in text
    assert "Noem v. Abrego Garcia, No. 24A949" in text
    assert "DISTRICT OF MARYLAND" in text
    # Relief is return, never a stay of a removal already carried out, nor a bond hearing.
    assert "shall not remove Petitioner" not in text and "stay of removal" not in text.lower()
    assert "bond hearing" not in text.replace("does not itself require a bond hearing", "")
    assert "district of confinement" not in text.lower() and "within this district" not in text.lower()


def test_sealed_a_number_caption() -> None:
    ctx = context_for("habeas_2241", sealed=True)
    text = flat(pdf_text(render_filing("habeas_2241", ctx).pdf))
    assert "A-number filed under seal" in text
    assert "A-012-345-678" not in text


def test_tro_has_certification_and_proposed_order_on_new_page(rendered) -> None:
    result, text = rendered["tro_motion"]
    assert "CERTIFICATION UNDER FED. R. CIV. P. 65(b)(1)(B)" in text
    assert "counsel emailed the Civil Chief" in text
    assert "Nken v. Holder, 556 U.S. 418 (2009)" in text
    reader = PdfReader(BytesIO(result.pdf))
    starts = [i for i, p in enumerate(reader.pages) if "[PROPOSED] TEMPORARY RESTRAINING ORDER"
              in flat(p.extract_text())]
    assert len(starts) == 1
    page_text = flat(reader.pages[starts[0]].extract_text())
    assert page_text.lstrip().startswith("UNITED STATES DISTRICT COURT")  # order starts the page
    assert "SO ORDERED" in flat(pdf_text(result.pdf))


def test_status_report_and_notice_use_the_docket(rendered) -> None:
    for key in ("status_report", "notice_of_compliance"):
        _, text = rendered[key]
        assert "8:26-cv-01234-ABC" in text
        assert "the Court's Order of November 12, 2026 (ECF No. 14)" in text
        assert "(Southern Division)" in text
    assert "Counsel spoke with Petitioner on November 15, 2026." in rendered["status_report"][1]
    assert "Filed the A-number under seal on November 13, 2026." in rendered["notice_of_compliance"][1]


def test_certificate_of_service_lists_method_and_parties(rendered) -> None:
    _, text = rendered["certificate_of_service"]
    assert "certified United States mail" in text
    assert "Civil Chief, U.S. Attorney's Office" in text
    assert "Petition for Writ of Habeas Corpus" in text


def test_declaration_inside_united_states_uses_1746_2(rendered) -> None:
    _, text = rendered["declaration"]
    assert "DECLARATION OF ANA NÚÑEZ DE RAMÍREZ" in text
    assert JURAT_IN in text
    assert "laws of the United States of America" not in text
    assert "CERTIFICATE OF INTERPRETER" not in text  # language defaults to English
    assert "1. I am married to Petitioner." in text


@pytest.mark.parametrize("country", ["SV", "MX"])
def test_declaration_outside_united_states_uses_1746_1(country: str) -> None:
    ctx = context_for("declaration", options={"execution_country": country,
                                              "place_of_execution": "Tecoluca",
                                              "executed_on": "2026-11-14"})
    text = flat(pdf_text(render_filing("declaration", ctx).pdf))
    assert JURAT_OUT in text
    assert "Executed on November 14, 2026." in text
    assert JURAT_IN not in text


def test_declaration_in_a_territory_is_within_the_united_states() -> None:
    ctx = context_for("declaration", options={"execution_country": "PR",
                                              "place_of_execution": "San Juan, Puerto Rico"})
    text = flat(pdf_text(render_filing("declaration", ctx).pdf))
    assert JURAT_IN in text and "laws of the United States of America" not in text


def test_interpreter_certificate_only_for_other_languages() -> None:
    spanish = context_for("declaration", options={"language": "Spanish", "interpreter_name": "Luis Ortega"})
    text = flat(pdf_text(render_filing("declaration", spanish).pdf))
    assert "CERTIFICATE OF INTERPRETER" in text
    assert "I, Luis Ortega, certify that I am competent to interpret between English and Spanish" in text
    for english in ("English", "en", "ENG"):
        ctx = context_for("declaration", options={"language": english})
        assert "CERTIFICATE OF INTERPRETER" not in render_html("declaration", ctx)


def test_declaration_verb_alternative() -> None:
    ctx = context_for("declaration", options={"verb": "certify"})
    text = flat(pdf_text(render_filing("declaration", ctx).pdf))
    assert "I certify under penalty of perjury that the foregoing is true and correct." in text


def test_same_snapshot_same_bytes() -> None:
    ctx = context_for("status_report")
    assert render_filing("status_report", ctx).sha256 == render_filing("status_report", ctx).sha256


def test_pdfa_variant_passes_preflight() -> None:
    result = render_filing("declaration", context_for("declaration"), pdf_variant="pdf/a-2b")
    assert result.preflight["ok"], result.preflight
    reader = PdfReader(BytesIO(result.pdf))
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert "/Metadata" in reader.trailer["/Root"]
