"""Plain-language English/Spanish labels and date formatting for the family portal (docs/domain/family-view.md).

No Babel: the few strings and formats the portal needs are tables in label_text.py.

Date/time formats (chosen to match how U.S. English and U.S. Spanish media write them):

- English: ``March 12, 2025`` and ``March 12, 2025, 5:00 PM EDT`` (12-hour clock, the zone's
  abbreviation as ``zoneinfo`` reports it).
- Spanish: ``12 de marzo de 2025`` and ``12 de marzo de 2025, 17:00 (hora del Este)`` (24-hour
  clock, which avoids "p. m." ambiguity, and the zone spelled out for U.S. zones).
- Zones without a name in our table fall back to the UTC offset: ``(UTC-6)``, ``(UTC+5:30)``.

Redaction is the caller's job, but these helpers never add information: ``status_label`` shows
a facility only when ``facility_name`` is passed (the portal passes it only with the liaison's
``location`` scope) and a country only when ``country_code`` is passed.
"""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from app.core_data.countries import country_name
from app.custody.statuses import CustodyStatus
from app.portal.label_text import ES_ZONE_NAMES, MONTHS, STATUS_LABELS, STRINGS

__all__ = ["LANGUAGES", "format_date", "format_datetime", "is_feminine", "normalize_lang", "status_label", "t"]

Lang = Literal["en", "es"]
LANGUAGES: tuple[Lang, ...] = ("en", "es")


def normalize_lang(lang: str | None) -> Lang:
    """``"es"``, ``"es-MX"``, ``"ES_us"`` -> ``"es"``; anything else -> ``"en"``."""
    if isinstance(lang, str) and lang.strip().lower()[:2] == "es":
        return "es"
    return "en"


def _pick(pair: tuple[str, str], lang: str | None) -> str:
    return pair[1] if normalize_lang(lang) == "es" else pair[0]


# Spanish participles in the status labels and their feminine forms, used when the client's record says she is
# a woman (``Client.sex``): "Detenida por ICE", not the generic masculine. Only the label's first word changes.
_FEMININE_ES = {"Detenido": "Detenida", "Arrestado": "Arrestada", "Deportado": "Deportada",
                "Liberado": "Liberada", "Trasladado": "Trasladada"}
_FEMININE_VALUES = {"f", "female", "femenino", "mujer", "woman"}


def is_feminine(sex: str | None) -> bool:
    """True when the record's free-text ``sex`` names a woman (the grammatical gender of the Spanish labels)."""
    return isinstance(sex, str) and sex.strip().casefold() in _FEMININE_VALUES


def status_label(
    status: CustodyStatus | str,
    lang: str = "en",
    facility_name: str | None = None,
    country_code: str | None = None,
    feminine: bool = False,
) -> str:
    """Family-facing label for a custody status, e.g. ``"Detenido por ICE en Stewart Detention Center"``.

    Details that a status does not use are ignored (no facility for "released on bond").
    An unknown ``country_code`` is treated as absent rather than shown raw.
    """
    variants = STATUS_LABELS[CustodyStatus(status)]
    facility = facility_name.strip() if facility_name and facility_name.strip() else None
    country = None
    if country_code:
        try:
            country = country_name(country_code, normalize_lang(lang))
        except KeyError:
            country = None
    if facility and country and "facility_country" in variants:
        key = "facility_country"
    elif country and "country" in variants:
        key = "country"
    elif facility and "facility" in variants:
        key = "facility"
    else:
        key = "base"
    label = _pick(variants[key], lang).format(facility=facility, country=country)
    if feminine and normalize_lang(lang) == "es":
        first, sep, rest = label.partition(" ")
        label = _FEMININE_ES.get(first, first) + sep + rest
    return label


def format_date(d: date, lang: str = "en") -> str:
    """``March 12, 2025`` / ``12 de marzo de 2025`` (a datetime is formatted by its own date)."""
    if normalize_lang(lang) == "es":
        return f"{d.day} de {MONTHS['es'][d.month - 1]} de {d.year}"
    return f"{MONTHS['en'][d.month - 1]} {d.day}, {d.year}"


def _offset_label(offset: timedelta | None) -> str:
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def _zone(tz: str | tzinfo) -> tuple[tzinfo, str | None]:
    if isinstance(tz, str):
        zone = ZoneInfo(tz)
        return zone, zone.key
    return tz, getattr(tz, "key", None)


def format_datetime(dt: datetime, lang: str, tz: str | tzinfo) -> str:
    """An instant in the court's/facility's zone: ``March 12, 2025, 5:00 PM EDT`` /
    ``12 de marzo de 2025, 17:00 (hora del Este)``. Naive datetimes are refused (``ValueError``)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_datetime needs a timezone-aware datetime")
    zone, key = _zone(tz)
    local = dt.astimezone(zone)
    day = format_date(local.date(), lang)
    abbr = local.tzname()
    if normalize_lang(lang) == "es":
        name = ES_ZONE_NAMES.get(key or "") or _offset_label(local.utcoffset())
        return f"{day}, {local:%H:%M} ({name})"
    if not abbr or not abbr.isalpha():  # zoneinfo reports "-03" for zones without an abbreviation
        abbr = _offset_label(local.utcoffset())
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{day}, {hour}:{local:%M} {meridiem} {abbr}"


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def t(key: str, lang: str = "en", **values: str) -> str:
    """A fixed portal string; ``KeyError`` for an unknown key, ``ValueError`` if a placeholder
    (``{date}``, ``{datetime}``, ``{court}``, ``{phone}``) is not supplied — so braces never
    reach a family."""
    template = _pick(STRINGS[key], lang)
    missing = _placeholders(template) - values.keys()
    if missing:
        raise ValueError(f"portal string {key!r} needs {sorted(missing)}")
    return template.format(**values)
