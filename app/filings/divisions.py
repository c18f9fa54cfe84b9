"""Statutory divisions of a district, where we hold the data (captions name the division).

Only districts whose division rule we have recorded are listed; elsewhere the caption names no division
and counsel adds it (or the proceeding's `division` is used). D. Md.: cases from Calvert, Charles,
Montgomery, Prince George's and St. Mary's counties go to the Southern Division (Greenbelt), all
others to the Northern Division (Baltimore) — Local Rule 501; listed as unverified until an attorney
confirms it (docs/DECISIONS.md).
"""

from __future__ import annotations

import unicodedata

# district -> (division for listed counties, counties, division for every other county)
_BY_COUNTY: dict[str, tuple[str, frozenset[str], str]] = {
    "mdd": ("Southern", frozenset({"calvert", "charles", "montgomery", "prince george's", "st. mary's"}),
            "Northern"),
}


def _county_key(county: str) -> str:
    text = unicodedata.normalize("NFKC", county).replace("\u2019", "'").casefold().strip()
    for suffix in (" county", " parish"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    if text.startswith("saint "):
        text = "st. " + text[6:]
    elif text.startswith("st "):
        text = "st. " + text[3:]
    return text


def division_for(district: str | None, county: str | None) -> str | None:
    """The division of `district` for a place in `county`, or None when unknown."""
    if not district or not county:
        return None
    rule = _BY_COUNTY.get(district.lower())
    if rule is None:
        return None
    listed_division, counties, other_division = rule
    return listed_division if _county_key(county) in counties else other_division
