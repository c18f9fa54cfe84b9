"""The venue engine and the circuit-dependent counts and prayers, as pure rules (no database, no render),
and per circuit read back from the rendered PDF."""

from __future__ import annotations

from typing import Any

import pytest

from app.filings import circuits
from app.filings.pleading import decide_pleading, included
from app.filings.render.pipeline import render_filing
from app.filings.venue import RECOGNISED_BASES, VenueFacts, caption_venue, decide_venue
from app.filings.viewmodels import FacilityView, ProceedingView, RespondentView

from .conftest import FACILITY, context_for, flat, make_context, pdf_text

EL_PASO = FacilityView(name="El Paso Service Processing Center", city="El Paso", state="TX", country="US",
                       federal_district="txwd", custodian_name="Robin Q. Example", custodian_title="Warden",
                       ice_field_office="El Paso")
MD_RESPONDENTS = [RespondentView(name="Dana K. Whitfield", title="Warden, Chesapeake Regional Detention Center",
                                 role="immediate_custodian"),
                  RespondentView(title="Field Office Director, Baltimore Field Office", role="field_office_director")]
DOCKETED = ProceedingView(district="mdd", division="Northern", docket_number="1:26-cv-00999-XYZ",
                          respondents=MD_RESPONDENTS)

# One district per circuit profile.
CIRCUIT_DISTRICTS = {"1st": "mad", "2nd": "nysd", "3rd": "njd", "4th": "mdd", "5th": "txsd", "9th": "casd",
                     "11th": "flsd", "D.C.": "dcd"}


def _facility_in(district: str) -> FacilityView:
    return FACILITY.model_copy(update={"federal_district": district, "division": None})


# --- venue rules ---------------------------------------------------------------------------------

def test_endo_docketed_court_survives_a_transfer() -> None:
    out = decide_venue(VenueFacts(proceeding=DOCKETED, current_facility=EL_PASO, last_us_facility=None,
                                  removed=False))
    assert out.venue is not None and out.venue.rule == "endo_docketed_court"
    assert out.venue.court_id == "mdd" and out.venue.division == "Northern"
    assert [r.name for r in out.venue.respondents][0] == "Dana K. Whitfield"
    assert out.venue.docketed and not out.venue.confinement_in_district


def test_docketed_case_without_recorded_respondents_never_takes_the_new_districts_warden() -> None:
    proc = DOCKETED.model_copy(update={"respondents": []})
    out = decide_venue(VenueFacts(proc, EL_PASO, None, False))
    assert out.venue is None and out.missing == ["proceeding.respondents"]
    # Still held in the docketed district: the standard respondents of that facility.
    out = decide_venue(VenueFacts(proc, FACILITY, None, False))
    assert out.venue is not None and out.venue.respondents[0].name == "Dana K. Whitfield"


def test_padilla_district_of_confinement_for_a_new_petition() -> None:
    out = decide_venue(VenueFacts(None, EL_PASO, None, False))
    assert out.venue is not None and out.venue.rule == "padilla_district_of_confinement"
    assert out.venue.court_id == "txwd"
    assert out.venue.respondents[0].role == "immediate_custodian"


def test_in_transit_takes_the_district_of_last_confinement() -> None:
    out = decide_venue(VenueFacts(None, None, FACILITY, False))
    assert out.venue is not None and out.venue.rule == "last_us_confinement_in_transit"
    assert out.venue.court_id == "mdd"
    assert decide_venue(VenueFacts(None, None, None, False)).missing == ["client.current_facility"]


def test_abroad_names_the_officials_who_can_effect_return() -> None:
    out = decide_venue(VenueFacts(None, None, FACILITY, True))
    assert out.venue is not None and out.venue.rule == "abroad_officials_who_can_effect_return"
    assert out.venue.abroad and out.venue.court_id == "mdd"
    roles = [r.role for r in out.venue.respondents]
    assert "immediate_custodian" not in roles and "secretary_of_state" in roles


def test_conflict_names_both_districts_unless_a_recognised_basis() -> None:
    proc = ProceedingView(district="txsd")
    out = decide_venue(VenueFacts(proc, FACILITY, None, False))
    assert out.venue is None and out.conflict == ("mdd", "txsd")
    for basis in RECOGNISED_BASES:
        out = decide_venue(VenueFacts(proc, FACILITY, None, False, venue_basis=basis))
        assert out.venue is not None and out.venue.court_id == "txsd" and out.venue.basis == basis
    # Abroad with a proceeding in D.D.C. (where the officials reside): held_abroad follows it.
    out = decide_venue(VenueFacts(ProceedingView(district="dcd"), None, FACILITY, True, venue_basis="held_abroad"))
    assert out.venue is not None and out.venue.court_id == "dcd" and out.venue.abroad
    assert "secretary_of_state" in [r.role for r in out.venue.respondents]


def test_one_caption_for_every_template() -> None:
    courts = set()
    for key in ("habeas_2241", "tro_motion", "status_report", "notice_of_compliance", "declaration",
                "certificate_of_service"):
        ctx = context_for(key, proceeding=DOCKETED, facility=EL_PASO)
        venue = caption_venue(ctx)
        assert venue is not None
        courts.add((venue.court_id, venue.division, tuple(r.caption_line for r in venue.respondents)))
    assert len(courts) == 1


# --- circuit profiles ----------------------------------------------------------------------------

def test_every_listed_circuit_has_a_cited_unverified_profile() -> None:
    for circuit in ("1st", "2nd", "3rd", "4th", "5th", "9th", "11th", "D.C."):
        profile = circuits.PROFILES[circuit]
        for rule in profile.describe().values():
            if isinstance(rule, dict):
                assert rule["source"] and rule["as_of"] and rule["verified"] is False


def _decide(district: str, **options: Any) -> set[str]:
    ctx = make_context(facility=_facility_in(district), options=options)
    return included(decide_pleading(ctx))


@pytest.mark.parametrize("circuit", sorted(CIRCUIT_DISTRICTS))
def test_eaja_prayer_follows_the_circuit(circuit: str) -> None:
    inc = _decide(CIRCUIT_DISTRICTS[circuit], eaja_fees=True)
    foreclosed = circuits.PROFILES[circuit].eaja_in_habeas.value == "foreclosed"
    assert ("prayer_eaja_fees" in inc) is not foreclosed
    assert "prayer_eaja_fees" not in _decide(CIRCUIT_DISTRICTS[circuit])  # never unless asked
    if circuit in ("4th", "5th"):
        assert foreclosed


@pytest.mark.parametrize("circuit", sorted(CIRCUIT_DISTRICTS))
def test_bond_burden_for_1226a_follows_the_circuit(circuit: str) -> None:
    inc = _decide(CIRCUIT_DISTRICTS[circuit], detention_authority="ina_236a")
    assert "prayer_bond_hearing" in inc
    gov = circuits.PROFILES[circuit].bond_burden_1226a.value == "government"
    assert ("bond_burden_on_government" in inc) is gov
    if circuit == "4th":
        assert not gov  # Miranda v. Garland


def test_1231a_detainee_never_gets_a_bond_hearing_and_zadvydas_waits_six_months() -> None:
    early = _decide("mdd", detention_authority="ina_241a", custody_start_date="2026-11-12")  # day 4
    assert "count_prolonged_detention" not in early and "prayer_bond_hearing" not in early
    assert "prayer_release" not in early
    late = _decide("mdd", detention_authority="ina_241a", custody_start_date="2026-04-01")
    assert "count_prolonged_detention" in late and "prayer_release" in late
    assert "prayer_bond_hearing" not in late and "bond_burden_on_government" not in late


@pytest.mark.parametrize("circuit", sorted(CIRCUIT_DISTRICTS))
def test_prolonged_1226c_hearing_burden_follows_the_circuit(circuit: str) -> None:
    inc = _decide(CIRCUIT_DISTRICTS[circuit], detention_authority="ina_236c", custody_start_date="2026-01-02")
    assert "count_prolonged_detention" in inc and "prayer_bond_hearing" in inc
    gov = circuits.PROFILES[circuit].bond_burden_prolonged.value == "government"
    assert ("bond_burden_on_government" in inc) is gov
    short = _decide(CIRCUIT_DISTRICTS[circuit], detention_authority="ina_236c", custody_start_date="2026-10-01")
    assert "count_prolonged_detention" not in short and "prayer_bond_hearing" not in short


def test_trace_says_why_each_item_is_in_or_out() -> None:
    items = decide_pleading(make_context(options={"detention_authority": "ina_241a"}))
    by = {i.item: i for i in items}
    assert not by["prayer_bond_hearing"].included
    assert by["prayer_bond_hearing"].source == circuits.ARTEAGA_MARTINEZ.source
    assert not by["prayer_eaja_fees"].included and "foreclosed" in by["prayer_eaja_fees"].rule
    assert all(i.rule for i in items)


@pytest.mark.parametrize("circuit", sorted(CIRCUIT_DISTRICTS))
def test_per_circuit_pdf_has_exactly_the_supported_prayers(circuit: str) -> None:
    opts = {"detention_authority": "ina_236a", "eaja_fees": True}
    ctx = make_context(facility=_facility_in(CIRCUIT_DISTRICTS[circuit]), options=opts)
    text = flat(pdf_text(render_filing("habeas_2241", ctx).pdf))
    profile = circuits.PROFILES[circuit]
    assert ("Equal Access to Justice Act" in text) is (profile.eaja_in_habeas.value != "foreclosed")
    assert "individualized bond hearing" in text
    assert ("bear the burden of justifying continued detention" in text) is \
        (profile.bond_burden_1226a.value == "government")


@pytest.mark.parametrize("circuit", ["4th", "5th", "9th"])
def test_removed_client_tro_pleads_the_circuits_mandatory_injunction_standard(circuit: str) -> None:
    ctx = context_for("tro_motion", removed=True, facility=_facility_in(CIRCUIT_DISTRICTS[circuit]))
    text = flat(pdf_text(render_filing("tro_motion", ctx).pdf))
    source = circuits.PROFILES[circuit].mandatory_injunction.source
    assert source.split(",")[0] in text
    assert "facilitate Petitioner's return" in text
    assert "stay of removal" not in text.lower() and "shall not remove" not in text


def test_bond_burden_is_pleaded_only_as_far_as_the_circuit_holds() -> None:
    # 2d Cir.: Velasco Lopez shifted the burden as applied after prolonged § 1226(a) detention, not at every
    # hearing; 1st Cir.: Hernandez-Lara puts clear and convincing proof on dangerousness but only a
    # preponderance on flight risk. The old petition asked "clear and convincing" for both, from day one.
    def text_for(district: str, start: str | None) -> str:
        opts: dict[str, Any] = {"detention_authority": "ina_236a"}
        if start:
            opts["custody_start_date"] = start
        ctx = make_context(facility=_facility_in(district), options=opts)
        return flat(pdf_text(render_filing("habeas_2241", ctx).pdf))

    fresh = text_for("nysd", None)  # detained 14 days
    assert "individualized bond hearing" in fresh
    assert "bear the burden of justifying continued detention" not in fresh and "Velasco Lopez" not in fresh
    long = text_for("nysd", "2026-01-02")
    assert "once § 1226(a) detention has become prolonged, due process requires the government" in long
    assert "bear the burden of justifying continued detention by clear and convincing evidence" in long
    first = text_for("mad", None)
    assert ("by clear and convincing evidence that Petitioner is dangerous or by a preponderance of the evidence "
            "that Petitioner is a flight risk") in first
