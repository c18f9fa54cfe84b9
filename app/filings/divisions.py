"""The division a caption names, read from the statute data in ``app.core_data.judicial_divisions``.

Divisions come from 28 U.S.C. §§ 81–131 where the section divides the district (e.g. D. Md.: § 100,
Northern and Southern Divisions; S.D. Tex.: § 124(b), Brownsville Division for Cameron and Willacy
Counties), else from the court's own local rule, cited in the data. Where neither is recorded the
caption names no division and counsel adds it (or the proceeding's ``division`` is used). Every record
is unverified until a person checks it against the official text (docs/facilities.md).
"""

from __future__ import annotations

from app.core_data import judicial_divisions


def division_for(district: str | None, county: str | None) -> str | None:
    """The division of `district` for a place in `county`, or None when unknown."""
    return judicial_divisions.division_for(district, county)


#: Divisions whose courthouse keeps a different zone from the district's default (core data keeps one zone per
#: district). Time zone boundaries: 49 C.F.R. §§ 71.5 (Central), 71.7 (Mountain); divisions: 28 U.S.C.
#: § 124(d)(3) (W.D. Tex., El Paso Division: El Paso County), § 89(a) (N.D. Fla., Pensacola and
#: Panama City Divisions). Unverified: a person checks each row against the official text.
DIVISION_TIMEZONES: dict[tuple[str, str], str] = {
    ("txwd", "El Paso"): "America/Denver",
    ("flnd", "Pensacola"): "America/Chicago",
    ("flnd", "Panama City"): "America/Chicago",
}


def division_timezone(district: str | None, division: str | None) -> str | None:
    """The IANA zone of a division's courthouse when it differs from the district default, else None."""
    if not district or not division:
        return None
    return DIVISION_TIMEZONES.get((district.strip().lower(), division.strip()))
