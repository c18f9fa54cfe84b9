"""Country names for filings: a view over ``app.core_data.countries`` (the one ISO 3166-1 table), plus
the 28 U.S.C. 1746 place-of-execution rule."""

from __future__ import annotations

from app.core_data import countries as _countries

# 28 U.S.C. 1746(2) covers declarations executed "within the United States, its territories,
# possessions, or commonwealths"; everywhere else takes the 1746(1) form.
US_JURISDICTIONS: frozenset[str] = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})


def country_name(code: str | None) -> str:
    """`SV` -> "El Salvador"; an unknown code is returned upper-cased (never silently dropped)."""
    if not code:
        return ""
    code = code.strip().upper()
    return _countries.country_name(code, "en") if _countries.is_valid_country(code) else code


def is_valid_country(code: str | None) -> bool:
    if not code:
        return False
    return _countries.is_valid_country(code.strip().upper())


def executed_within_united_states(code: str) -> bool:
    """True when 28 U.S.C. 1746(2) applies; False means the 1746(1) "laws of the United
    States of America" form is required."""
    return code.strip().upper() in US_JURISDICTIONS
