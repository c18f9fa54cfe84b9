"""Shared wording and helpers for the court-profile data modules."""

from __future__ import annotations

from app.core_data.judicial_divisions import district_record

NOT_READ = ("Primary text not read in this round: the rule number and value are as the rule is commonly "
            "cited and must be checked against the court's current local rules before relying on them.")
NO_CAP = ("The court's CM/ECF size limit for one PDF was not established from a primary source in this round; "
          "split large exhibits and check the court's CM/ECF manual.")


def statutory_divisions(court: str) -> tuple[str, ...]:
    """The divisions 28 U.S.C. §§ 81-131 names for the district (app/core_data/judicial_divisions.py)."""
    record = district_record(court)
    return tuple(r.division for r in record.divisions if r.division) if record is not None else ()
