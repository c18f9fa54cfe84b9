"""The templates only the emergency packet uses (docs/filings-packet.md): proposed orders, the civil cover
sheet, the sealed-identifiers notice, the supplemental motion in a pending case and a separate TRO memorandum.

Listed with every other template in ``app.filings.specs.TEMPLATES``; import that, not this module. The law
each template pleads is cited in the template itself and in docs/filings-packet.md.
"""

from __future__ import annotations

from app.filings.options import OptionSpec
from app.filings.spec_model import ATTORNEY_FIELDS, COMMON, NOTICE_METHODS, TemplateSpec

# Fed. R. Civ. P. 65(b)(2): a TRO issued without notice expires "at the time after entry—not to exceed 14
# days—that the court sets"; the proposed order asks for at most that.
TRO_MAX_DAYS = 14

_NOTICE_EFFORTS = OptionSpec(
    "notice_efforts", "text", "Counsel's account of the efforts made to give notice to the government "
    "(Fed. R. Civ. P. 65(b)(1)(B)) and why notice should not be required.", required=True, max_length=10_000)

_PROPOSED_ORDER = TemplateSpec(
    key="proposed_order",
    title="[Proposed] Temporary Restraining Order",
    description=(
        "Separate proposed TRO for the judge to sign: Rule 65(b)(2) findings (the injury, why irreparable, why "
        "without notice, expiry not beyond 14 days) and Rule 65(d) terms (reasons, specific terms, acts "
        "restrained in reasonable detail, who is bound); the preliminary-injunction hearing date is left for "
        "the court; a \"Submitted by\" block instead of counsel's /s/. Also delivered as DOCX."
    ),
    template="proposed_order.html",
    required_fields=("client.current_facility", "facility.ice_field_office", *ATTORNEY_FIELDS),
    court_from="either",
    options=(
        OptionSpec("irreparable_harm", "text", "The injury and why it is irreparable (default: from the "
                   "record).", max_length=20_000),
        OptionSpec("without_notice_reason", "text", "Why the order should issue before Respondents can be "
                   "heard (default: the timing shown by the record).", max_length=10_000),
        OptionSpec("expiry_days", "int", "Days after entry at which the order expires (Fed. R. Civ. P. "
                   "65(b)(2): at most 14).", default=TRO_MAX_DAYS, minimum=1, maximum=TRO_MAX_DAYS),
        *COMMON,
    ),
)

_ORDER_TO_SHOW_CAUSE = TemplateSpec(
    key="proposed_order_to_show_cause",
    title="[Proposed] Order to Show Cause (28 U.S.C. § 2243)",
    description=(
        "Order directing the custodian to show cause why the writ should not be granted, returnable within three "
        "days unless for good cause additional time not exceeding twenty days is allowed, with the hearing not "
        "more than five days after the return (28 U.S.C. § 2243). \"Submitted by\" block; also DOCX."
    ),
    template="proposed_order_to_show_cause.html",
    required_fields=("client.current_facility", "facility.ice_field_office", *ATTORNEY_FIELDS),
    court_from="either",
    options=COMMON,
)

_COVER_SHEET = TemplateSpec(
    key="civil_cover_sheet",
    title="Civil Cover Sheet (JS 44)",
    description=(
        "The JS 44 civil cover sheet's content in the form's layout, as a flat PDF (no form fields): parties, "
        "counsel, county, basis of jurisdiction (U.S. Government Defendant), nature of suit 463 Habeas Corpus – "
        "Alien Detainee, origin 1, cause 28 U.S.C. § 2241 with a brief description, related cases."
    ),
    template="civil_cover_sheet.html",
    required_fields=("client.current_facility", "facility.ice_field_office", *ATTORNEY_FIELDS),
    court_from="facility",
    options=(
        OptionSpec("plaintiff_county", "string", "County of residence of the petitioner as the form asks it "
                   "(default: left for counsel, with the place of detention noted).", max_length=120),
        OptionSpec("related_cases", "list[string]", "Related cases, as \"docket number (judge)\".",
                   max_items=10, max_length=300),
        *COMMON,
    ),
)

_SEALED_IDENTIFIERS = TemplateSpec(
    key="sealed_identifiers",
    title="Notice of Petitioner's Identifiers (Filed Under Seal)",
    description=(
        "Filed under seal where the court's standing order keeps the A-number and like identifiers out of the "
        "public petition; the public documents then say \"A-number filed under seal\"."
    ),
    template="sealed_identifiers.html",
    required_fields=("client.current_facility", *ATTORNEY_FIELDS),
    court_from="either",
    options=(
        OptionSpec("a_number", "string", "The A-number, as it appears on the immigration papers.", required=True,
                   max_length=20),
        OptionSpec("date_of_birth", "string", "Date of birth as recorded (may be partial).", max_length=10),
        OptionSpec("rule_source", "string", "The standing order or rule that requires the sealed filing.",
                   max_length=500),
        *COMMON,
    ),
)

_SUPPLEMENTAL = TemplateSpec(
    key="supplemental_motion",
    title="Supplemental Emergency Motion",
    description=(
        "Supplemental emergency motion in a pending case, captioned as docketed (Ex parte Endo): the new facts "
        "from the record (transfer, flight, removal) and the relief they call for, with counsel's Rule "
        "65(b)(1)(B) certification."
    ),
    template="supplemental_motion.html",
    required_fields=("proceeding.docket_number", *ATTORNEY_FIELDS),
    court_from="proceeding",
    options=(
        _NOTICE_EFFORTS,
        OptionSpec("facts", "text", "New facts written by counsel, after those drawn from the record.",
                   max_length=30_000),
        OptionSpec("irreparable_harm", "text", "Case-specific irreparable harm.", max_length=20_000),
        OptionSpec("notice_to", "string", "Whom counsel notified."),
        OptionSpec("notice_method", "enum", "How notice was given.", choices=NOTICE_METHODS),
        *COMMON,
    ),
)

_MEMORANDUM = TemplateSpec(
    key="tro_memorandum",
    title="Memorandum in Support of Emergency Motion for Temporary Restraining Order",
    description="The legal standard and argument of the TRO motion, as its own document where the court "
                "profile requires a separate memorandum.",
    template="tro_memorandum.html",
    required_fields=("client.current_facility", "facility.ice_field_office", *ATTORNEY_FIELDS),
    court_from="either",
    options=(
        OptionSpec("irreparable_harm", "text", "Case-specific irreparable harm.", max_length=20_000),
        *COMMON,
    ),
)

PACKET_SPECS: tuple[TemplateSpec, ...] = (
    _PROPOSED_ORDER, _ORDER_TO_SHOW_CAUSE, _COVER_SHEET, _SEALED_IDENTIFIERS, _SUPPLEMENTAL, _MEMORANDUM)
