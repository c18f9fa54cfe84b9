"""ISO 3166-1 alpha-2 country codes and their English/Spanish short names.

Used for country of birth, citizenships, removal destinations and protection-order scopes
(docs/domain/clients.md#the-person, docs/domain/protection.md#order-types) and for the family portal's "Deported to
{country}" labels (docs/domain/family-view.md#what-families-need-most).
Pure data, no database, importable by any domain.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from app.core_data.country_names import COUNTRY_ROWS

__all__ = [
    "COUNTRY_CODES",
    "Lang",
    "country_name",
    "is_valid_country",
    "normalize_country_code",
]

Lang = Literal["en", "es"]

_NAMES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {code: (en, es) for code, en, es in COUNTRY_ROWS}
)

COUNTRY_CODES: frozenset[str] = frozenset(_NAMES)


def normalize_country_code(code: str) -> str:
    """``" sv "`` -> ``"SV"``; raises ``ValueError`` for anything that is not an assigned code."""
    if not isinstance(code, str):
        raise ValueError("country code must be a string")
    candidate = code.strip().upper()
    if candidate not in _NAMES:
        raise ValueError("not an assigned ISO 3166-1 alpha-2 country code (or a country name we know)")
    return candidate


def is_valid_country(code: object) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code in canonical upper case (``"SV"``, not ``"sv"``)."""
    return isinstance(code, str) and code in _NAMES


def country_name(code: str, lang: str = "en") -> str:
    """Short country name in English or Spanish; case-insensitive code; ``KeyError`` if unknown.

    Any language other than ``"es"`` falls back to English, so a portal user whose preference is
    not yet translated still sees a name.
    """
    en, es = _NAMES[code.strip().upper()]
    return es if lang == "es" else en
