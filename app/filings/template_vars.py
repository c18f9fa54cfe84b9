"""Turn a FilingRecord into the variables a template sees: caption, resolved options, labels.

Derived once here (not in templates) so every document shows the same court, parties and
A-number line, and templates stay plain markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.filings.countries import country_name, executed_within_united_states
from app.filings.districts import District, get_district
from app.filings.pleading import decide_pleading, detention_authority, detention_days, included, profile_of
from app.filings.registry import get_spec, resolve_options
from app.filings.specs import TemplateSpec
from app.filings.venue import caption_venue
from app.filings.viewmodels import FilingRecord, RespondentView

BLANK_CASE_NUMBER = "____________________"

DETENTION_AUTHORITY_LABELS = {
    "ina_236a": "section 236(a) of the Immigration and Nationality Act, 8 U.S.C. § 1226(a)",
    "ina_236c": "section 236(c) of the Immigration and Nationality Act, 8 U.S.C. § 1226(c)",
    "ina_235b": "section 235(b) of the Immigration and Nationality Act, 8 U.S.C. § 1225(b)",
    "ina_241a": "section 241(a) of the Immigration and Nationality Act, 8 U.S.C. § 1231(a)",
    "aea": "the Alien Enemies Act, 50 U.S.C. § 21",
    "unknown": "an authority Respondents have not identified",
}

SERVICE_METHOD_LABELS = {
    "cm_ecf": "the Court's CM/ECF system",
    "email": "electronic mail, by consent",
    "first_class_mail": "first-class United States mail, postage prepaid",
    "certified_mail": "certified United States mail, return receipt requested",
    "overnight_courier": "overnight courier",
    "hand_delivery": "hand delivery",
}

ENGLISH = {"en", "eng", "english", "inglés", "ingles"}


@dataclass(frozen=True)
class Caption:
    court_lines: list[str]
    district_name: str
    petitioner_name: str
    a_number_line: str | None
    petitioner_detail: str | None
    respondents: list[RespondentView]
    case_number: str
    judge: str | None = None
    division: str | None = None
    circuit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def caption_court_id(spec: TemplateSpec, ctx: FilingRecord) -> str | None:
    """The captioned court: the venue engine's decision, the same for every template (`spec` is kept for
    callers; it no longer changes the court)."""
    venue = caption_venue(ctx)
    if venue is not None:
        return venue.court_id
    return ctx.proceeding.district if ctx.proceeding else None


def _court_lines(district: District | None, division: str | None) -> list[str]:
    if district is None:
        lines = ["UNITED STATES DISTRICT COURT"]
    elif district.court_name.startswith("United States District Court for the "):
        lines = ["UNITED STATES DISTRICT COURT", f"FOR THE {district.name.upper()}"]
    else:
        lines = [district.court_name.upper()]
    if division:
        label = division if "division" in division.lower() else f"{division} Division"
        lines.append(f"({label})")
    return lines


def build_caption(spec: TemplateSpec, ctx: FilingRecord) -> Caption:
    """The caption of every template: court, division and respondents from the venue engine
    (app/filings/venue.py), so all documents of one proceeding name the same court and parties."""
    venue = caption_venue(ctx)
    district = get_district(caption_court_id(spec, ctx))
    proceeding = ctx.proceeding
    division = venue.division if venue is not None else (proceeding.division if proceeding else None)
    client = ctx.client
    if client.a_number_sealed:
        a_line: str | None = "A-number filed under seal"
    elif client.a_number_display:
        a_line = client.a_number_display
    else:
        a_line = None
    case_number = (proceeding.docket_number if proceeding else None) or BLANK_CASE_NUMBER
    return Caption(
        court_lines=_court_lines(district, division),
        district_name=district.name if district else "",
        petitioner_name=client.display_name,
        a_number_line=a_line,
        petitioner_detail=None,
        respondents=list(venue.respondents) if venue is not None else ctx.all_respondents,
        case_number=case_number,
        judge=(f"Hon. {proceeding.judge}" if proceeding and proceeding.judge else None),
        division=division,
        circuit=district.circuit if district else None,
    )


def is_english(language: str | None) -> bool:
    return not language or language.strip().casefold() in ENGLISH


def template_variables(key: str, ctx: FilingRecord) -> dict[str, Any]:
    """Variables for `templates/filings/<key>.html` (call after registry.check)."""
    spec = get_spec(key)
    opts = resolve_options(key, ctx.options)
    caption = build_caption(spec, ctx)
    venue = caption_venue(ctx)
    pleading = list(ctx.pleading) if ctx.pleading else decide_pleading(ctx)
    auth = detention_authority(ctx)
    fac = ctx.facility
    # A facility is "within this District" only when it is in the captioned district (after a transfer it
    # is not: the transfer is pleaded as a fact, Ex parte Endo).
    fac_in_district = bool(fac is not None and venue is not None and fac.federal_district == venue.court_id)
    admission = ctx.attorney.admission_in(venue.court_id) if ctx.attorney is not None and venue else None
    variables: dict[str, Any] = {
        "ctx": ctx,
        "client": ctx.client,
        "facility": ctx.facility,
        "attorney": ctx.attorney,
        "proceeding": ctx.proceeding,
        "opts": opts,
        "spec": spec,
        "caption": caption,
        "today": ctx.today,
        "removed": ctx.removed,
        # Venue from the last facility while the client is being moved (no current facility on record).
        "in_transit": (not ctx.removed and ctx.client.current_facility is None and ctx.facility is not None),
        "notice_date": opts.get("notice_date") or ctx.today,
        "doc_title": spec.title.upper(),
        "authority_label": DETENTION_AUTHORITY_LABELS.get(auth, DETENTION_AUTHORITY_LABELS["unknown"]),
        "auth": auth,
        "venue": venue,
        "pleading": pleading,
        "inc": included(pleading),
        "profile": profile_of(ctx),
        "fac_in_district": fac_in_district,
        "docketed": bool(venue is not None and venue.docketed),
        # Moved out of the docketed district: relief asks for return to it, not merely "no transfer".
        "transferred_out": bool(venue is not None and venue.docketed and fac is not None and not fac_in_district
                                and not ctx.removed),
        "abroad": bool(venue is not None and venue.abroad) or ctx.removed,
        "flight": ctx.flight,
        "days_detained": detention_days(ctx),
        "signer_bar": ({"number": admission.bar_number, "label": f"{caption.district_name} Bar No."}
                       if admission is not None and admission.bar_number else None),
        "service_method_label": SERVICE_METHOD_LABELS.get(str(opts.get("service_method")), ""),
        "protected_countries": sorted(
            {c.display for p in ctx.active_protection_orders for c in p.countries}
        ),
        "latest_event": ctx.latest_custody_event,
    }
    if key == "declaration":
        variables["within_us"] = executed_within_united_states(opts["execution_country"])
        variables["execution_country_name"] = country_name(opts["execution_country"])
        variables["needs_interpreter"] = not is_english(opts.get("language"))
        variables["doc_title"] = f"DECLARATION OF {opts['declarant_name'].upper()}"
    if key == "habeas_2241":
        variables["verifier_within_us"] = not (opts.get("verifier") == "petitioner" and ctx.removed)
    return variables


def longdate(value: date | None) -> str:
    """date(2026, 11, 3) -> "November 3, 2026"."""
    if value is None:
        return ""
    return f"{value:%B} {value.day}, {value.year}"


def paragraphs(text: str | None) -> list[str]:
    """Split attorney-written text into paragraphs on blank lines; single newlines join."""
    if not text:
        return []
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [" ".join(line.strip() for line in b.splitlines()) for b in blocks if b]


def roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def capfirst(text: str) -> str:
    """Upper-case the first character only (Jinja's `capitalize` lowers the rest)."""
    return text[:1].upper() + text[1:] if text else text


FILTERS = {"longdate": longdate, "paragraphs": paragraphs, "roman": roman,
           "country_name": country_name, "capfirst": capfirst}
