"""Family-portal labels (labels.py, label_text.py; docs/domain/family-view.md)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.core_data.country_names import COUNTRY_ROWS
from app.custody.statuses import ABROAD_STATUSES, CustodyStatus
from app.portal.label_text import STATUS_LABELS, STRINGS
from app.portal.labels import format_date, format_datetime, normalize_lang, status_label, t

BRACES = re.compile(r"[{}]")
ALL = list(CustodyStatus)
FACILITY = "Stewart Detention Center"


@pytest.mark.parametrize("status", ALL)
def test_every_status_has_both_languages(status: CustodyStatus) -> None:
    assert status in STATUS_LABELS and "base" in STATUS_LABELS[status]
    for facility in (None, FACILITY):
        for country in (None, "SV"):
            en = status_label(status, "en", facility, country)
            es = status_label(status, "es", facility, country)
            assert en.strip() and es.strip()
            assert en != es
            assert not BRACES.search(en) and not BRACES.search(es)


@pytest.mark.parametrize("status", ALL)
def test_every_variant_is_well_formed(status: CustodyStatus) -> None:
    for variant, (en, es) in STATUS_LABELS[status].items():
        expected = {"base": set(), "facility": {"facility"}, "country": {"country"}}.get(
            variant, {"facility", "country"}
        )
        for text in (en, es):
            assert set(re.findall(r"\{(\w+)\}", text)) == expected, (status, variant)
            assert text == text.strip() and "  " not in text


def test_detained_ice_with_and_without_location_scope() -> None:
    assert status_label("detained_ice", "en", FACILITY) == "Detained by ICE at Stewart Detention Center"
    assert status_label("detained_ice", "es", FACILITY) == "Detenido por ICE en Stewart Detention Center"
    assert status_label("detained_ice", "en") == "Detained by ICE"
    assert status_label("detained_ice", "es") == "Detenido por ICE"
    assert status_label(CustodyStatus.DETAINED_ICE, "es", "   ") == "Detenido por ICE"


def test_key_wordings() -> None:
    assert status_label("in_transit", "en") == "Being transferred"
    assert status_label("in_transit", "es").startswith("Trasladado")
    assert status_label("released_bond", "en") == "Released on bond"
    assert status_label("released_bond", "es") == "Liberado bajo fianza"
    for status in ("unknown", "arrested_unlocated"):
        assert "Whereabouts unknown".lower() in status_label(status, "en").lower()
        assert "paradero desconocido" in status_label(status, "es").lower()
    assert status_label("not_detained", "es") == "En libertad"


@pytest.mark.parametrize("status", ["removed_to_designated_country", "removed_to_third_country"])
def test_deported_to_country_in_the_right_language(status: str) -> None:
    assert status_label(status, "en", country_code="SV") == "Deported to El Salvador"
    assert status_label(status, "es", country_code="SV") == "Deportado a El Salvador"
    assert status_label(status, "en", country_code="MX") == "Deported to Mexico"
    assert status_label(status, "es", country_code="MX") == "Deportado a México"
    assert status_label(status, "es", country_code="ht") == "Deportado a Haití"


@pytest.mark.parametrize("status", sorted(ABROAD_STATUSES | {CustodyStatus.IN_TRANSIT}))
def test_country_never_revealed_without_country_code(status: CustodyStatus) -> None:
    foreign_names = {name for code, en, es in COUNTRY_ROWS if code != "US" for name in (en, es)}
    for lang in ("en", "es"):
        for facility in (None, FACILITY):
            label = status_label(status, lang, facility, None)
            assert not [name for name in foreign_names if name in label], label
    assert "Venezuela" in status_label(status, "es", None, "VE")


def test_unknown_country_code_is_not_shown_raw() -> None:
    assert (
        status_label("removed_to_third_country", "en", country_code="ZZ") == "Deported from the United States"
    )


def test_irrelevant_details_are_ignored() -> None:
    assert status_label("released_bond", "en", FACILITY, "SV") == "Released on bond"
    assert status_label("detained_ice", "en", None, "SV") == "Detained by ICE"


def test_in_transit_combinations() -> None:
    assert status_label("in_transit", "en", "Alexandria Staging Facility", "VE") == (
        "Being transferred — now at Alexandria Staging Facility, destination: Venezuela"
    )
    assert status_label("in_transit", "es", None, "VE") == "Trasladado — destino: Venezuela"


def test_deceased_is_gentle_and_points_to_people() -> None:
    assert "legal team" in status_label("deceased", "en")
    assert "equipo legal" in status_label("deceased", "es")


def test_unknown_status_raises() -> None:
    with pytest.raises(ValueError):
        status_label("escaped", "en")


def test_languages() -> None:
    assert normalize_lang("es-MX") == "es" and normalize_lang("ES_us") == "es"
    assert normalize_lang("fr") == "en" and normalize_lang(None) == "en"
    assert status_label("released_bond", "es-US") == "Liberado bajo fianza"


def test_format_date() -> None:
    assert format_date(date(2025, 3, 12), "en") == "March 12, 2025"
    assert format_date(date(2025, 3, 12), "es") == "12 de marzo de 2025"
    assert format_date(date(2025, 1, 1), "es") == "1 de enero de 2025"
    assert format_date(date(2025, 12, 31), "en") == "December 31, 2025"


def test_format_datetime_in_court_zone() -> None:
    five_pm_edt = datetime(2025, 3, 12, 21, 0, tzinfo=UTC)  # DST began 9 March 2025
    assert format_datetime(five_pm_edt, "en", "America/New_York") == "March 12, 2025, 5:00 PM EDT"
    assert (
        format_datetime(five_pm_edt, "es", "America/New_York") == "12 de marzo de 2025, 17:00 (hora del Este)"
    )
    winter = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
    assert format_datetime(winter, "en", "America/New_York") == "January 6, 2025, 9:30 AM EST"
    assert format_datetime(winter, "en", "America/Phoenix") == "January 6, 2025, 7:30 AM MST"
    assert format_datetime(winter, "es", "America/Chicago") == "6 de enero de 2025, 08:30 (hora del Centro)"
    assert format_datetime(winter, "en", "Pacific/Guam") == "January 7, 2025, 12:30 AM ChST"


def test_format_datetime_date_changes_with_zone() -> None:
    late = datetime(2025, 3, 13, 3, 30, tzinfo=UTC)
    assert format_datetime(late, "en", "America/Los_Angeles").startswith("March 12, 2025, 8:30 PM")


def test_format_datetime_fallbacks() -> None:
    dt = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)
    assert format_datetime(dt, "es", "America/El_Salvador") == "12 de marzo de 2025, 12:00 (UTC-6)"
    assert format_datetime(dt, "en", "America/Sao_Paulo") == "March 12, 2025, 3:00 PM UTC-3"
    assert format_datetime(dt, "en", "Asia/Kolkata") == "March 12, 2025, 11:30 PM IST"
    assert format_datetime(dt, "es", "Asia/Kolkata").endswith("23:30 (UTC+5:30)")
    assert format_datetime(dt, "en", timezone(timedelta(hours=-5))).endswith("1:00 PM UTC-5")
    with pytest.raises(ValueError):
        format_datetime(datetime(2025, 3, 12, 17, 0), "en", "America/New_York")


def test_fixed_strings() -> None:
    for key, (en, es) in STRINGS.items():
        assert en.strip() and es.strip() and en != es, key
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", es)), key
    assert t("last_confirmed", "en") == "Last confirmed"
    assert t("next_hearing", "es") == "Próxima audiencia"
    day = format_date(date(2025, 3, 12), "es")
    assert t("filing_due", "es", date=day) == "Hay un escrito con fecha límite el 12 de marzo de 2025"
    assert t("filing_due", "en", date="March 12, 2025") == "A filing is due on March 12, 2025"


def test_t_refuses_to_leak_braces() -> None:
    with pytest.raises(ValueError):
        t("filing_due", "en")
    with pytest.raises(KeyError):
        t("no_such_key", "en")


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_fills_without_braces(key: str) -> None:
    values = {"date": "x", "datetime": "x", "court": "x", "phone": "x"}
    for lang in ("en", "es"):
        assert not BRACES.search(t(key, lang, **values))
