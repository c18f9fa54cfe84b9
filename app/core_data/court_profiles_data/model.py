"""The types of a court profile: a cited rule and a district's profile (re-exported by
app/core_data/court_profiles.py, which is what the rest of the application imports)."""

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
