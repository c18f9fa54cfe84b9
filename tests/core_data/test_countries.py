"""ISO 3166-1 table (countries.py)."""

from __future__ import annotations

import re
import unicodedata

import pytest

from app.core_data.countries import COUNTRY_CODES, country_name, is_valid_country, normalize_country_code
from app.core_data.country_names import COUNTRY_ROWS


def test_exactly_the_249_assigned_codes() -> None:
    assert len(COUNTRY_ROWS) == 249
    assert len(COUNTRY_CODES) == 249
    codes = [row[0] for row in COUNTRY_ROWS]
    assert codes == sorted(codes), "keep the table sorted so diffs stay readable"
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)


def test_every_row_has_clean_names() -> None:
    for code, en, es in COUNTRY_ROWS:
        for name in (en, es):
            assert name and name == name.strip(), code
            assert unicodedata.is_normalized("NFC", name), code
            assert "{" not in name and "}" not in name, code


@pytest.mark.parametrize(
    ("code", "en", "es"),
    [
        ("SV", "El Salvador", "El Salvador"),
        ("GT", "Guatemala", "Guatemala"),
        ("HN", "Honduras", "Honduras"),
        ("MX", "Mexico", "México"),
        ("VE", "Venezuela", "Venezuela"),
        ("CU", "Cuba", "Cuba"),
        ("HT", "Haiti", "Haití"),
        ("NI", "Nicaragua", "Nicaragua"),
        ("CO", "Colombia", "Colombia"),
        ("EC", "Ecuador", "Ecuador"),
        ("PE", "Peru", "Perú"),
        ("BR", "Brazil", "Brasil"),
        ("IN", "India", "India"),
        ("CN", "China", "China"),
        ("SO", "Somalia", "Somalia"),
        ("ER", "Eritrea", "Eritrea"),
        ("ET", "Ethiopia", "Etiopía"),
        ("AF", "Afghanistan", "Afganistán"),
        ("UA", "Ukraine", "Ucrania"),
        ("RU", "Russia", "Rusia"),
        ("SS", "South Sudan", "Sudán del Sur"),
        ("CD", "Democratic Republic of the Congo", "República Democrática del Congo"),
        ("CG", "Republic of the Congo", "República del Congo"),
        ("US", "United States", "Estados Unidos"),
        ("DZ", "Algeria", "Argelia"),
        ("TN", "Tunisia", "Túnez"),
    ],
)
def test_names_families_will_see(code: str, en: str, es: str) -> None:
    assert country_name(code) == en
    assert country_name(code, "en") == en
    assert country_name(code, lang="es") == es


@pytest.mark.parametrize("code", ["US", "SV", "CD", "SS", "AX", "BQ", "SX", "PS", "TW"])
def test_valid_codes(code: str) -> None:
    assert is_valid_country(code)


@pytest.mark.parametrize("code", ["", "sv", "USA", "XK", "UK", "EU", "ZZ", "AN", "YU", "CS", " US", None, 1])
def test_invalid_codes(code: object) -> None:
    assert not is_valid_country(code)


def test_normalize_country_code() -> None:
    assert normalize_country_code(" sv ") == "SV"
    with pytest.raises(ValueError):
        normalize_country_code("XK")
    with pytest.raises(ValueError):
        normalize_country_code("USA")


def test_unknown_code_and_language_fallback() -> None:
    assert country_name("sv", "es") == "El Salvador"
    assert country_name("MX", "fr") == "Mexico"
    with pytest.raises(KeyError):
        country_name("XK")


def test_spanish_differs_where_it_should() -> None:
    differing = sum(1 for _, en, es in COUNTRY_ROWS if en != es)
    assert differing > 120  # a table of English names copied twice would fail this
