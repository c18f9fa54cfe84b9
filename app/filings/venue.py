"""Venue engine: which court, division and respondents a filing names. Pure rules: no database, no clock.

One function, `decide_venue`, decides for every template, so a petition, a TRO motion, a status report, a
notice of compliance, a declaration and a certificate of service for the same client and proceeding name
the same court. Each rule is a named function citing its authority:

- `endo_docketed_court`: once the case has a docket number, the court, division, caption and respondents are
  the docketed ones. A transfer of the petitioner after filing does not defeat the court's jurisdiction;
  the court may direct any respondent, or any official with authority, to carry out its orders. Ex parte
  Endo, 323 U.S. 283 (1944), as read in Rumsfeld v. Padilla, 542 U.S. 426 (2004). The transfer is pleaded
  as a fact, never re-venued.
- `padilla_district_of_confinement`: a new petition challenging present physical confinement is filed in
  the district of confinement and names the immediate custodian. Rumsfeld v. Padilla, 542 U.S. 426 (2004);
  28 U.S.C. §§ 2241(a), 2242.
- `last_us_confinement_in_transit`: a person being moved with no new facility on record is, for venue, still
  confined where the transfer began (the district of last U.S. confinement); filing there preserves Endo
  jurisdiction if the move completes after filing.
- `abroad_officials_who_can_effect_return`: a person removed, or held abroad at the United States' behest,
  is in no district. The immediate-custodian rule governs "core" challenges to present physical
  confinement in the United States (Padilla); for custody outside every district, jurisdiction runs to the
  officials who can effect release or return (Braden v. 30th Judicial Circuit Court of Kentucky, 410 U.S.
  484 (1973); Rasul v. Bush, 542 U.S. 466 (2004)), and venue against federal officers sued in their official
  capacity follows 28 U.S.C. § 1391(e)(1): where a defendant resides (e.g. the District of Columbia), where a
  substantial part of the events occurred (the district the person was held in and removed from), or where
  the plaintiff resides. Default: the district of last U.S. confinement; a proceeding that names another
  district with `venue_basis = held_abroad` (e.g. D.D.C., or the district of residence) is followed.
  Respondents are the officials able to effect return, not a warden who no longer holds the person.

A new (undocketed) filing whose proceeding names a district other than the one these rules give is a
`venue_conflict` (422, naming both) unless `options.venue_basis` gives a recognised reason; then the
proceeding's district is used and the reason is recorded with the filing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.filings.districts import get_district
from app.filings.viewmodels import (
    FacilityView,
    FilingRecord,
    ProceedingView,
    RespondentView,
    VenueView,
    default_respondents,
)

#: Reasons a new filing may be captioned in a district other than the district of (last) confinement.
RECOGNISED_BASES: tuple[str, ...] = ("custodian_unknown", "transferred_after_filing", "held_abroad", "in_transit")

ENDO = ("Ex parte Endo, 323 U.S. 283 (1944); Rumsfeld v. Padilla, 542 U.S. 426 (2004) (a court that had "
        "jurisdiction when the petition was filed keeps it after the petitioner is moved)")
PADILLA = ("Rumsfeld v. Padilla, 542 U.S. 426 (2004) (district of confinement; immediate custodian); "
           "28 U.S.C. §§ 2241(a), 2242")
IN_TRANSIT = ("Rumsfeld v. Padilla, 542 U.S. 426 (2004); Ex parte Endo, 323 U.S. 283 (1944) (district of last "
              "confinement while a transfer is under way)")
ABROAD = ("Braden v. 30th Judicial Circuit Court of Ky., 410 U.S. 484 (1973); Rasul v. Bush, 542 U.S. 466 "
          "(2004); 28 U.S.C. § 1391(e)(1) (officials able to effect return; no district of confinement)")
BASIS = "options.venue_basis"


@dataclass(frozen=True)
class VenueFacts:
    """What the rules look at, all plain view models."""

    proceeding: ProceedingView | None
    current_facility: FacilityView | None  # where the client is held now (None: not held in a U.S. facility)
    last_us_facility: FacilityView | None  # last U.S. facility of the current custody (removed / in transit)
    removed: bool
    venue_basis: str | None = None
    explicit_respondents: tuple[RespondentView, ...] = ()


@dataclass(frozen=True)
class VenueOutcome:
    venue: VenueView | None
    missing: list[str] = field(default_factory=list)
    conflict: tuple[str, str] | None = None  # (district the rules give, district the proceeding names)


def _facility_in(court_id: str | None, facility: FacilityView | None) -> bool:
    return bool(court_id and facility is not None and facility.federal_district == court_id)


def return_respondents(last_facility: FacilityView | None) -> list[RespondentView]:
    """Officials able to effect a removed person's return: the field office director who carried out the
    removal (when known), the ICE Director, the Secretary of Homeland Security, the Secretary of State
    (diplomatic steps abroad) and the Attorney General. No warden: nobody in a U.S. facility holds the person."""
    out: list[RespondentView] = []
    if last_facility is not None and last_facility.ice_field_office:
        out.append(RespondentView(
            title=(f"Field Office Director, {last_facility.ice_field_office} Field Office, Enforcement and Removal "
                   "Operations, U.S. Immigration and Customs Enforcement"),
            role="field_office_director"))
    out.append(RespondentView(title="Director, U.S. Immigration and Customs Enforcement", role="agency_head"))
    out.append(RespondentView(title="Secretary of Homeland Security", role="department_head"))
    out.append(RespondentView(title="Secretary of State", role="secretary_of_state"))
    out.append(RespondentView(title="Attorney General of the United States", role="attorney_general"))
    return out


def _respondents(facts: VenueFacts, fallback: list[RespondentView]) -> list[RespondentView]:
    if facts.explicit_respondents:
        return list(facts.explicit_respondents)
    if facts.proceeding is not None and facts.proceeding.respondents:
        return list(facts.proceeding.respondents)
    return fallback


def endo_docketed_court(facts: VenueFacts) -> VenueOutcome:
    """A docketed case keeps its court, division, caption and respondents (Ex parte Endo)."""
    proc = facts.proceeding
    assert proc is not None and proc.docket_number
    if not proc.district or get_district(proc.district) is None:
        return VenueOutcome(None, ["proceeding.district"])
    here = facts.current_facility if not facts.removed else None
    respondents = _respondents(facts, [])
    missing: list[str] = []
    if not respondents:
        # The docketed respondents are not on record: derive them only from a facility in the docketed
        # district (a facility elsewhere would caption the other district's warden).
        origin = here if _facility_in(proc.district, here) else (
            facts.last_us_facility if _facility_in(proc.district, facts.last_us_facility) else None)
        if origin is not None:
            respondents = default_respondents(origin)
        else:
            missing.append("proceeding.respondents")
    venue = VenueView(rule="endo_docketed_court", citation=ENDO, court_id=proc.district, division=proc.division,
                      respondents=respondents, abroad=facts.removed, docketed=True,
                      confinement_in_district=_facility_in(proc.district, here))
    return VenueOutcome(venue if not missing else None, missing)


def padilla_district_of_confinement(facts: VenueFacts) -> VenueOutcome:
    """New petition, client held in a U.S. facility: its district and its immediate custodian (Padilla)."""
    fac = facts.current_facility
    assert fac is not None
    if get_district(fac.federal_district) is None:
        return VenueOutcome(None, ["facility.federal_district"])
    venue = VenueView(rule="padilla_district_of_confinement", citation=PADILLA, court_id=fac.federal_district or "",
                      division=fac.division, respondents=_respondents(facts, default_respondents(fac)),
                      confinement_in_district=True)
    return VenueOutcome(venue)


def last_us_confinement_in_transit(facts: VenueFacts) -> VenueOutcome:
    """In transit with no facility on record: the district of last U.S. confinement."""
    fac = facts.last_us_facility
    if fac is None:
        return VenueOutcome(None, ["client.current_facility"])
    if get_district(fac.federal_district) is None:
        return VenueOutcome(None, ["facility.federal_district"])
    venue = VenueView(rule="last_us_confinement_in_transit", citation=IN_TRANSIT, court_id=fac.federal_district or "",
                      division=fac.division, respondents=_respondents(facts, default_respondents(fac)),
                      confinement_in_district=True)
    return VenueOutcome(venue)


def abroad_officials_who_can_effect_return(facts: VenueFacts) -> VenueOutcome:
    """Removed / held abroad: the district of last U.S. confinement (28 U.S.C. § 1391(e)(1)(B)), against the
    officials able to effect return."""
    fac = facts.last_us_facility
    if fac is None:
        return VenueOutcome(None, ["last_us_facility"])
    if get_district(fac.federal_district) is None:
        return VenueOutcome(None, ["facility.federal_district"])
    venue = VenueView(rule="abroad_officials_who_can_effect_return", citation=ABROAD,
                      court_id=fac.federal_district or "", division=fac.division,
                      respondents=_respondents(facts, return_respondents(fac)), abroad=True)
    return VenueOutcome(venue)


def _by_recognised_basis(facts: VenueFacts, derived: VenueView) -> VenueOutcome:
    """The proceeding's district, for a recognised reason given by counsel (recorded with the filing)."""
    proc = facts.proceeding
    assert proc is not None and proc.district
    if get_district(proc.district) is None:
        return VenueOutcome(None, ["proceeding.district"])
    fallback = derived.respondents
    if not derived.abroad and derived.rule != "abroad_officials_who_can_effect_return" and facts.removed:
        fallback = return_respondents(facts.last_us_facility)
    venue = VenueView(rule=f"{derived.rule}+venue_basis", citation=derived.citation, court_id=proc.district,
                      division=proc.division, respondents=_respondents(facts, fallback), basis=facts.venue_basis,
                      abroad=derived.abroad, confinement_in_district=False)
    return VenueOutcome(venue)


def decide_venue(facts: VenueFacts) -> VenueOutcome:
    """The one decision every template's caption uses (see the module docstring for the rules)."""
    proc = facts.proceeding
    if proc is not None and proc.docket_number:
        return endo_docketed_court(facts)
    if facts.removed:
        outcome = abroad_officials_who_can_effect_return(facts)
    elif facts.current_facility is not None:
        outcome = padilla_district_of_confinement(facts)
    else:
        outcome = last_us_confinement_in_transit(facts)
    if outcome.venue is None:
        # Nothing places the client anywhere: a proceeding that names a district with a recognised reason
        # (e.g. custodian_unknown) still decides; otherwise report what is missing.
        if proc is not None and proc.district and facts.venue_basis in RECOGNISED_BASES \
                and get_district(proc.district) is not None:
            venue = VenueView(rule="venue_basis", citation="28 U.S.C. § 2241(a); " + PADILLA,
                              court_id=proc.district, division=proc.division,
                              respondents=_respondents(facts, default_respondents(None)),
                              basis=facts.venue_basis, abroad=facts.removed)
            return VenueOutcome(venue)
        return outcome
    derived = outcome.venue
    if proc is not None and proc.district and proc.district.lower() != derived.court_id:
        if facts.venue_basis in RECOGNISED_BASES:
            return _by_recognised_basis(facts, derived)
        return VenueOutcome(None, conflict=(derived.court_id, proc.district.lower()))
    if proc is not None and proc.division and not derived.division:
        derived = derived.model_copy(update={"division": proc.division})
    return VenueOutcome(derived)


def facts_of(ctx: FilingRecord) -> VenueFacts:
    basis = ctx.options.get("venue_basis") if isinstance(ctx.options, dict) else None
    return VenueFacts(proceeding=ctx.proceeding,
                      current_facility=None if ctx.removed else ctx.client.current_facility,
                      last_us_facility=ctx.last_us_facility, removed=ctx.removed,
                      venue_basis=basis if isinstance(basis, str) else None,
                      explicit_respondents=tuple(ctx.respondents))


def caption_venue(ctx: FilingRecord) -> VenueView | None:
    """The venue every template of this filing prints: the decision stored with the filing, or (for a context
    built by hand, e.g. in tests or an older snapshot) the same rules applied to it now."""
    if ctx.venue is not None:
        return ctx.venue
    return decide_venue(facts_of(ctx)).venue
