"""Court profiles: the local rules and standing orders of a district that bear on an emergency habeas filing.

Pure data with citations, keyed by PACER court id (``mdd``, ``txsd``, ... as in ``app.core_data.districts``).
Every rule carries ``source`` (the local rule, standing order or general order), ``as_of`` (when it was last
read) and ``verified`` (False until a person admitted in that court checks it). A packet built on an
unverified rule says so in its ``warnings``; a district without a profile falls back to the Federal Rules of
Civil Procedure with a warning (``FEDERAL_DEFAULT``).

The emergency packet reads these fields; ``GET /court-profiles`` serves them (``describe``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AS_OF = "2026-12-05"


@dataclass(frozen=True)
class CourtRule:
    """One cited rule. ``value`` is what code acts on (True/False, a number, a short token)."""

    value: bool | int | str
    source: str
    note: str = ""
    as_of: str = AS_OF
    verified: bool = False

    def describe(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "note": self.note, "as_of": self.as_of,
                "verified": self.verified}


@dataclass(frozen=True)
class CourtProfile:
    court: str  # PACER id, e.g. "mdd"
    name: str = ""  # the court's name, e.g. "United States District Court for the District of Maryland"
    # Divisions as the court names them (statute first, 28 U.S.C. §§ 81-131; else the court's own rules).
    divisions: tuple[str, ...] = ()
    # Proposed orders must be submitted as separate documents (not embedded in the motion).
    separate_proposed_order: CourtRule | None = None
    # The TRO memorandum must be a separate document (else it is combined with the motion).
    separate_memorandum: CourtRule | None = None
    # A certificate of conference / of good-faith effort to confer must accompany the motion.
    certificate_of_conference: CourtRule | None = None
    # Standing order requiring the A-number (and like identifiers) outside the public petition.
    sealed_identifiers: CourtRule | None = None
    # Standing order that automatically stays transfer/removal when a habeas petition is filed (D. Md.).
    automatic_stay_of_transfer: CourtRule | None = None
    # Page limits by document kind ("tro_motion", "memorandum", "habeas_2241"), value = pages.
    page_limits: dict[str, CourtRule] = field(default_factory=dict)
    # Largest single PDF the court's CM/ECF accepts, in megabytes.
    pdf_size_cap_mb: CourtRule | None = None
    # How the court writes a bar number in a signature block (value: a short pattern description).
    bar_number_format: CourtRule | None = None
    # Anything else a filer must know at 2 a.m. (duty-judge / emergency-filing procedure, chambers copies).
    other_rules: tuple[tuple[str, CourtRule], ...] = ()

    def rules(self) -> dict[str, CourtRule]:
        out: dict[str, CourtRule] = {}
        for name in ("separate_proposed_order", "separate_memorandum", "certificate_of_conference",
                     "sealed_identifiers", "automatic_stay_of_transfer", "pdf_size_cap_mb", "bar_number_format"):
            rule = getattr(self, name)
            if rule is not None:
                out[name] = rule
        for kind, rule in self.page_limits.items():
            out[f"page_limit.{kind}"] = rule
        for name, rule in self.other_rules:
            out[name] = rule
        return out

    @property
    def verified(self) -> bool:
        return all(rule.verified for rule in self.rules().values())

    def describe(self) -> dict[str, Any]:
        return {"court": self.court, "name": self.name, "divisions": list(self.divisions),
                "rules": {name: rule.describe() for name, rule in self.rules().items()},
                "verified": self.verified}


# The federal rules alone: used for a district without a profile (the packet warns).
FEDERAL_DEFAULT = CourtProfile(
    court="",
    separate_proposed_order=CourtRule(
        True, "Fed. R. Civ. P. 65(b)(2), 65(d)(1)",
        "A TRO must state its own terms specifically and describe the acts restrained in reasonable detail; a "
        "separate proposed order lets the judge sign it as is."),
    separate_memorandum=CourtRule(False, "Fed. R. Civ. P. 7(b)", "The federal rules do not require a separate "
                                  "memorandum; the grounds may be stated in the motion."),
)

# Filled in by the court-profile work: one entry per district with a researched profile.
PROFILES: dict[str, CourtProfile] = {}


def court_profile(court: str) -> CourtProfile | None:
    """The profile of a district, or None (the caller falls back to FEDERAL_DEFAULT and warns)."""
    return PROFILES.get(court)
