"""Court profiles: the local rules and standing orders of a district that bear on an emergency habeas filing.

Pure data with citations, keyed by PACER court id (``mdd``, ``txsd``, ... as in ``app.core_data.districts``).
Every rule carries ``source`` (the local rule, standing order or general order), ``as_of`` (when it was last
read) and ``verified`` (False until a person admitted in that court checks it). A packet built on an
unverified rule says so in its ``warnings``; a district without a profile falls back to the Federal Rules of
Civil Procedure with a warning (``FEDERAL_DEFAULT``).

The emergency packet reads these fields; ``GET /court-profiles`` serves them (``describe``).
"""

from __future__ import annotations

from app.core_data.court_profiles_data import east, south
from app.core_data.court_profiles_data.model import AS_OF, CourtProfile, CourtRule

__all__ = ["AS_OF", "FEDERAL_DEFAULT", "PROFILES", "CourtProfile", "CourtRule", "court_profile"]


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

# One entry per district with a researched profile (the data lives in app/core_data/court_profiles_data/).

PROFILES: dict[str, CourtProfile] = {p.court: p for p in (
    east.MDD, east.NJD, east.NYSD, east.MAD, east.DCD, south.TXSD, south.TXWD, south.LAWD, south.AZD, south.CASD)}


def court_profile(court: str) -> CourtProfile | None:
    """The profile of a district, or None (the caller falls back to FEDERAL_DEFAULT and warns)."""
    return PROFILES.get(court)
