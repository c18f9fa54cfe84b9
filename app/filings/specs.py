"""The six filing templates: metadata, required record fields and accepted options (data)."""

from __future__ import annotations

from app.filings.options import OptionSpec
from app.filings.packet_specs import PACKET_SPECS
from app.filings.spec_model import (
    ATTORNEY_FIELDS,
    COMMON,
    DETENTION_AUTHORITIES,
    NOTICE_METHODS,
    SERVICE_METHODS,
    TemplateSpec,
)

__all__ = ["TEMPLATES", "TemplateSpec"]

_HABEAS = TemplateSpec(
    key="habeas_2241",
    title="Petition for Writ of Habeas Corpus (28 U.S.C. § 2241)",
    description=(
        "Counsel-drafted petition filed in the district of confinement: introduction, custody, "
        "jurisdiction, venue, parties, legal framework, facts, exhaustion, claims, prayer "
        "(no transfer / no removal, order to show cause returnable within 3 days, release or "
        "bond hearing, facilitation of return when removed), 28 U.S.C. 2242 verification, "
        "signature, certificate of service and exhibit index."
    ),
    template="habeas_2241.html",
    required_fields=(
        "client.current_facility",
        "facility.federal_district",
        "facility.custodian_name",
        "facility.ice_field_office",
        *ATTORNEY_FIELDS,
    ),
    court_from="facility",
    options=(
        OptionSpec("facts", "text", "Statement of facts written by counsel; blank lines separate "
                   "paragraphs. Added after the chronology drawn from the record.",
                   max_length=60_000),
        OptionSpec("relief", "list[string]", "Additional prayers for relief, one per item.",
                   max_items=20, max_length=2_000),
        OptionSpec("detention_authority", "enum", "Statute the government invokes for detention.",
                   default="unknown", choices=DETENTION_AUTHORITIES),
        OptionSpec("custody_start_date", "date", "Date the petitioner was taken into custody."),
        OptionSpec("bond_hearing_days", "int", "Days within which a bond hearing is requested.",
                   default=7, minimum=1, maximum=60),
        OptionSpec("exhaustion", "text", "Replaces the standard exhaustion section.",
                   max_length=20_000),
        OptionSpec("exhibits", "list[string]", "Exhibit index; default is built from the record.",
                   max_items=60, max_length=500),
        OptionSpec("verifier", "enum", "Who verifies the petition under 28 U.S.C. 2242.",
                   default="counsel", choices=("counsel", "petitioner", "next_friend")),
        OptionSpec("verifier_name", "string", "Name of the next friend verifying the petition.",
                   required_if=("verifier", "next_friend")),
        OptionSpec("verifier_relationship", "string", "Next friend's relationship to petitioner."),
        OptionSpec("eaja_fees", "bool", "Ask for fees under the Equal Access to Justice Act; left out where the "
                   "circuit forecloses EAJA fees in habeas.", default=False),
        *COMMON,
    ),
)

_TRO = TemplateSpec(
    key="tro_motion",
    title="Emergency Motion for Temporary Restraining Order and Stay of Removal",
    description=(
        "Emergency motion under FRCP 65(b) with the Nken / Winter factors, counsel's Rule "
        "65(b)(1) certification of notice efforts, and a proposed order on its own page."
    ),
    template="tro_motion.html",
    required_fields=("client.current_facility", "facility.ice_field_office", *ATTORNEY_FIELDS),
    court_from="either",
    options=(
        OptionSpec("notice_efforts", "text", "Counsel's FRCP 65(b)(1)(B) certification: the "
                   "efforts made to give notice to the government and why notice should not be "
                   "required.", required=True, max_length=10_000),
        OptionSpec("facts", "text", "Summary of the emergency.", max_length=30_000),
        OptionSpec("irreparable_harm", "text", "Case-specific irreparable harm.",
                   max_length=20_000),
        OptionSpec("relief", "list[string]", "Additional relief requested.", max_items=20,
                   max_length=2_000),
        OptionSpec("notice_date", "date", "Date counsel gave (or tried to give) notice to the government "
                   "(default: the document date)."),
        OptionSpec("notice_to", "string", "Whom counsel notified, e.g. \"the Civil Chief of the United States "
                   "Attorney's Office\"."),
        OptionSpec("notice_method", "enum", "How notice was given.", choices=NOTICE_METHODS),
        OptionSpec("proposed_order", "enum", "\"attached\": the proposed order follows the motion on its own page; "
                   "\"separate\": it is filed as its own document (the emergency packet; many districts' rules).",
                   default="attached", choices=("attached", "separate")),
        OptionSpec("memorandum", "enum", "\"combined\": the legal standard and argument are in the motion; "
                   "\"separate\": they are in a separate memorandum (where the court profile requires one).",
                   default="combined", choices=("combined", "separate")),
        *COMMON,
    ),
)

_STATUS = TemplateSpec(
    key="status_report",
    title="Status Report",
    description="Status report answering a court order, item by item, with next steps.",
    template="status_report.html",
    required_fields=("proceeding.docket_number", *ATTORNEY_FIELDS),
    court_from="proceeding",
    options=(
        OptionSpec("order_reference", "string", "The order requiring the report, e.g. "
                   "\"the Court's Order of April 11, 2025 (ECF No. 61)\".", required=True),
        OptionSpec("report_text", "text", "Body of the report; blank lines separate paragraphs.",
                   required=True, max_length=60_000),
        OptionSpec("report_items", "list[string]", "Numbered answers, in the order's sequence.",
                   max_items=100, max_length=10_000),
        OptionSpec("next_steps", "list[string]", "Next steps with dates.", max_items=50,
                   max_length=2_000),
        *COMMON,
    ),
)

_NOTICE = TemplateSpec(
    key="notice_of_compliance",
    title="Notice of Compliance",
    description="Tells the court that an ordered act was done: what, when and by whom.",
    template="notice_of_compliance.html",
    required_fields=("proceeding.docket_number", *ATTORNEY_FIELDS),
    court_from="proceeding",
    options=(
        OptionSpec("order_reference", "string", "The order and directive complied with.",
                   required=True),
        OptionSpec("obligation_description", "text", "What the order required.", required=True,
                   max_length=10_000),
        OptionSpec("compliance_items", "list[string]", "What was done, when and by whom.",
                   required=True, max_items=100, max_length=5_000),
        OptionSpec("completed_on", "date", "Date compliance was completed."),
        OptionSpec("supporting_documents", "list[string]", "Declarations or exhibits attached.",
                   max_items=30, max_length=500),
        *COMMON,
    ),
)

_DECLARATION = TemplateSpec(
    key="declaration",
    title="Declaration under 28 U.S.C. § 1746",
    description=(
        "Unsworn declaration with the 1746 jurat chosen by place of execution (within or "
        "outside the United States) and an interpreter's certificate when the declarant's "
        "language is not English."
    ),
    template="declaration.html",
    required_fields=(),
    court_from="either",
    options=(
        OptionSpec("declarant_name", "string", "Full name of the declarant.", required=True),
        OptionSpec("declarant_title", "string", "Position or relationship to the petitioner."),
        OptionSpec("basis_of_knowledge", "text", "How the declarant knows the facts.",
                   max_length=5_000),
        OptionSpec("place_of_execution", "string", "City and country where signed.",
                   required=True),
        OptionSpec("execution_country", "country", "ISO 3166-1 alpha-2 code of the place of "
                   "execution; decides the 1746 form.", required=True),
        OptionSpec("statements", "list[string]", "Numbered statements of fact.", required=True,
                   max_items=300, max_length=10_000),
        OptionSpec("language", "string", "Language the declaration was read to the declarant "
                   "in; anything but English adds an interpreter's certificate.",
                   default="English"),
        OptionSpec("interpreter_name", "string", "Interpreter who read the declaration back."),
        OptionSpec("executed_on", "date", "Date of signature; left blank for hand entry."),
        OptionSpec("verb", "enum", "Statutory verb of the jurat.", default="declare",
                   choices=("declare", "certify", "verify", "state")),
        *COMMON,
    ),
)

_SERVICE = TemplateSpec(
    key="certificate_of_service",
    title="Certificate of Service",
    description="Proof of service: document, date, method and the parties served.",
    template="certificate_of_service.html",
    required_fields=ATTORNEY_FIELDS,
    court_from="either",
    options=(
        OptionSpec("document_title", "string", "Title of the document served.", required=True),
        OptionSpec("served_parties", "list[string]", "Each party served, with address or email.",
                   required=True, max_items=50, max_length=1_000),
        OptionSpec("service_method", "enum", "How the document was served.", required=True,
                   choices=SERVICE_METHODS),
        OptionSpec("service_date", "date", "Date of service (default: today)."),
        *COMMON,
    ),
)

TEMPLATES: dict[str, TemplateSpec] = {
    s.key: s for s in (_HABEAS, _TRO, _STATUS, _NOTICE, _DECLARATION, _SERVICE, *PACKET_SPECS)
}
