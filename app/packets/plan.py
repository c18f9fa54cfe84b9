"""Which documents a packet holds and what each is drafted with (pure functions, no database).

The situation decides the documents (docs/filings-packet.md):

- ``new_case`` (no docket number; venue from (last) confinement) and ``abroad`` (the client has been removed;
  relief asks to facilitate return): petition, TRO motion, counsel's declaration, a separate proposed TRO,
  a proposed order to show cause, the JS 44 cover sheet, the certificate of service; a separate memorandum
  and a sealed-identifiers notice only where the court profile requires them.
- ``pending_case`` (the proceeding has a docket number): a supplemental emergency motion, the declaration,
  the proposed TRO and the certificate of service, all captioned as docketed (Ex parte Endo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from app.core_data.court_profiles import FEDERAL_DEFAULT, CourtProfile, CourtRule
from app.filings.specs import TEMPLATES

NEW_CASE, PENDING_CASE, ABROAD = "new_case", "pending_case", "abroad"

#: Documents drafted before the court is known; their order is the filing order.
LEAD = {
    NEW_CASE: ("habeas_2241", "tro_motion", "proposed_order", "proposed_order_to_show_cause", "civil_cover_sheet"),
    ABROAD: ("habeas_2241", "tro_motion", "proposed_order", "proposed_order_to_show_cause", "civil_cover_sheet"),
    PENDING_CASE: ("supplemental_motion", "proposed_order"),
}
#: Proposed orders also go to chambers as DOCX.
DOCX_KINDS = frozenset({"proposed_order", "proposed_order_to_show_cause"})
#: Filing order of every kind a packet may hold.
ORDER = ("habeas_2241", "supplemental_motion", "tro_motion", "tro_memorandum", "declaration", "proposed_order",
         "proposed_order_to_show_cause", "civil_cover_sheet", "sealed_identifiers", "certificate_of_service")

#: How the certificate of service names each paper it covers (it must fit one option of 300 characters).
SHORT_TITLES = {
    "habeas_2241": "Petition for Writ of Habeas Corpus",
    "supplemental_motion": "Supplemental Emergency Motion for TRO",
    "tro_motion": "Emergency Motion for TRO",
    "tro_memorandum": "Memorandum in Support",
    "declaration": "Declaration of Counsel",
    "proposed_order": "Proposed TRO",
    "proposed_order_to_show_cause": "Proposed Order to Show Cause",
    "civil_cover_sheet": "Civil Cover Sheet",
    "sealed_identifiers": "Notice of Identifiers (under seal)",
}
#: The TRO motion's title follows the relief: a client abroad asks for return, never a stay of removal.
ABROAD_TITLES = {"tro_motion": "Emergency Motion for Temporary Restraining Order Requiring Respondents to "
                               "Facilitate Return"}


def title_of(kind: str, situation: str) -> str:
    if situation == ABROAD and kind in ABROAD_TITLES:
        return ABROAD_TITLES[kind]
    return TEMPLATES[kind].title


#: Packet-level options that are not template options.
PACKET_OPTIONS = frozenset({"documents", "place_of_execution", "served_parties"})


def situation_of(docketed: bool, removed: bool) -> str:
    if docketed:
        return PENDING_CASE
    return ABROAD if removed else NEW_CASE


def rule_on(profile: CourtProfile, name: str) -> CourtRule | None:
    rule = getattr(profile, name)
    return rule if isinstance(rule, CourtRule) else None


def needs(profile: CourtProfile, name: str) -> bool:
    rule = rule_on(profile, name)
    return bool(rule is not None and rule.value is True)


def conditional_kinds(situation: str, profile: CourtProfile) -> list[str]:
    """Documents the court profile adds (a separate memorandum; sealed identifiers)."""
    kinds: list[str] = []
    if situation != PENDING_CASE and needs(profile, "separate_memorandum"):
        kinds.append("tro_memorandum")
    if situation != PENDING_CASE and needs(profile, "sealed_identifiers"):
        kinds.append("sealed_identifiers")
    return kinds


def template_option_names() -> set[str]:
    return {o.name for kind in ORDER for o in TEMPLATES[kind].options}


def unknown_options(options: dict[str, Any]) -> list[str]:
    """Top-level packet options no document accepts, and per-document overrides for unknown kinds."""
    known = template_option_names() | PACKET_OPTIONS
    out = [f"options.{name}: unknown option" for name in options if name not in known]
    docs = options.get("documents")
    if docs is not None and not isinstance(docs, dict):
        out.append("options.documents: must be an object keyed by document kind")
    elif isinstance(docs, dict):
        out += [f"options.documents.{k}: not a document of a packet" for k in docs if k not in ORDER]
        out += [f"options.documents.{k}: must be an object" for k, v in docs.items()
                if k in ORDER and not isinstance(v, dict)]
    return out


def options_for(kind: str, packet_options: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """A document's template options: the packet's defaults, then the top-level options the template accepts,
    then the per-document overrides (``options.documents.<kind>``), which the template validates itself."""
    accepted = {o.name for o in TEMPLATES[kind].options}
    out = {k: v for k, v in defaults.items() if k in accepted}
    out.update({k: v for k, v in packet_options.items() if k in accepted})
    docs = packet_options.get("documents")
    if isinstance(docs, dict) and isinstance(docs.get(kind), dict):
        out.update(docs[kind])
    return out


@dataclass(frozen=True)
class DeclarationInput:
    attorney_name: str
    office_address: str | None
    events: list[Any]  # CustodyEventView, newest first
    alert: Any | None  # protection Alert row
    notice_efforts: str | None
    notice_to: str | None
    timezone: str


def _alert_sentence(alert: Any, tz: str) -> str:
    try:
        local = alert.created_at.astimezone(ZoneInfo(tz))
    except Exception:  # noqa: BLE001 - a bad zone name falls back to UTC
        local = alert.created_at
    hour = local.hour % 12 or 12
    when = (f"{local:%B} {local.day}, {local.year}, at {hour}:{local.minute:02d} "
            f"{'a.m.' if local.hour < 12 else 'p.m.'} {local.tzname() or 'UTC'}")
    what = str(alert.kind).replace("_", " ")
    source = str(alert.trigger_type).replace("_", " ")
    return (f"On {when}, my office's case-monitoring records raised an alert of the kind \"{what}\" for "
            f"Petitioner, triggered by a {source} entered in those records.")


def declaration_statements(data: DeclarationInput) -> list[str]:
    """Counsel's statements, each a fact from the record with its source and date (oldest first), then the
    alert that prompted the packet and the efforts to give notice (FRCP 65(b)(1)(B))."""
    out = ["I am counsel for Petitioner. I make this declaration on personal knowledge and on the records of my "
           "office; for each fact below I state the source from which it was learned and when."]
    for e in reversed(data.events[:20]):
        where = f" at {e.location}" if e.location else ""
        country = f" ({e.country_display})" if e.country and e.country != "US" else ""
        source = e.source_label or "a source not recorded"
        flight = ""
        if e.flight is not None:
            f = e.flight
            parts = [p for p in (f.carrier, f"flight {f.flight_number}" if f.flight_number else None) if p]
            flight = (f" The record shows {' '.join(parts) or 'a flight'} bound for {f.destination_display}"
                      + (f", departing {f.departure_airport}" if f.departure_airport else "")
                      + (f" on {f.departed_at}" if f.departed_at else "") + ".")
        out.append(f"On {e.effective_date:%B} {e.effective_date.day}, {e.effective_date.year}, the record of "
                   f"Petitioner's custody shows: {e.status_label}{where}{country}. Source: {source}.{flight}")
    if data.alert is not None:
        out.append(_alert_sentence(data.alert, data.timezone))
    if data.notice_efforts:
        lead = f"To give notice of this application to {data.notice_to}, " if data.notice_to else \
            "To give notice of this application to Respondents, "
        out.append(lead + "I took the following steps: " + " ".join(data.notice_efforts.split()))
    return out


def declaration_defaults(data: DeclarationInput, place: str | None) -> dict[str, Any]:
    return {
        "declarant_name": data.attorney_name,
        "declarant_title": "Counsel for Petitioner",
        "place_of_execution": place or data.office_address,
        "execution_country": "US",
        "statements": declaration_statements(data),
    }


def profile_warnings(court: str, profile: CourtProfile | None, kinds: list[str]) -> list[dict[str, str]]:
    """Say when the packet follows the federal rules alone, or local rules nobody has verified yet."""
    if profile is None:
        return [{"code": "court_profile_missing",
                 "message": f"No court profile for '{court}': the packet follows the Federal Rules of Civil "
                            "Procedure only. Check the district's local rules and standing orders before filing."}]
    used = ["separate_proposed_order", "separate_memorandum", "sealed_identifiers", "certificate_of_conference",
            "automatic_stay_of_transfer"]
    unverified = sorted({r.source for n in used if (r := rule_on(profile, n)) is not None and not r.verified})
    out = []
    if unverified:
        out.append({"code": "unverified_court_rule",
                    "message": "This packet follows court rules not yet verified by an attorney admitted there: "
                               + "; ".join(unverified)})
    if needs(profile, "certificate_of_conference") and "certificate_of_conference" not in kinds:
        out.append({"code": "certificate_of_conference_needed",
                    "message": "The court's rules call for a certificate of conference with the motion; the packet "
                               "does not draft one. Add it before filing."})
    return out


def effective_profile(profile: CourtProfile | None) -> CourtProfile:
    return profile if profile is not None else FEDERAL_DEFAULT

