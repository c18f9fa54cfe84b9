"""What a filing template is (``TemplateSpec``) and the parts every template shares: the signer's record fields,
the options every template accepts, and the closed lists options choose from. Its own module so that the
templates of ``app.filings.specs`` and those only the emergency packet uses (``app.filings.packet_specs``) both
build on it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

from app.filings.options import OptionSpec

VERSION = "2026.12.1"

ATTORNEY_FIELDS = (
    "attorney",
    "attorney.bar_number",
    "attorney.address_lines",
    "attorney.phone",
    "attorney.email",
)

DETENTION_AUTHORITIES = ("ina_236a", "ina_236c", "ina_235b", "ina_241a", "aea", "unknown")
SERVICE_METHODS = (
    "cm_ecf",
    "email",
    "first_class_mail",
    "certified_mail",
    "overnight_courier",
    "hand_delivery",
)


VENUE_BASES = ("custodian_unknown", "transferred_after_filing", "held_abroad", "in_transit")
NOTICE_METHODS = ("email", "telephone", "email_and_telephone", "hand_delivery", "cm_ecf")

# Options every template accepts: the venue engine and the document date are the same for all of them.
COMMON = (
    OptionSpec("venue_basis", "enum", "Why a new filing is captioned in the proceeding's district rather than "
               "the district of (last) confinement; without it a difference is a venue_conflict.",
               choices=VENUE_BASES),
    OptionSpec("timezone", "string", "IANA time zone the document is dated in (default: the court's).",
               max_length=64),
    OptionSpec("document_date", "date", "Date the document bears (default: today in the court's time zone); "
               "never before an event it reports."),
)


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    title: str
    description: str
    template: str  # file under templates/filings/
    required_fields: tuple[str, ...]
    options: tuple[OptionSpec, ...]
    court_from: str  # "facility" (district of confinement), "proceeding", or "either"
    version: str = VERSION
