"""Legal holidays for deadline arithmetic, in three layers, each entry with a name and citation.

FRCP 6(a)(6) and FRAP 26(a)(6) define "legal holiday" as (A) the day set aside by statute for
observing the eleven holidays of 5 U.S.C. 6103(a), (B) any day declared a holiday by the President
or Congress, and (C) for periods counted forward only, any day declared a holiday by the state
where the district court is located. EOIR counts "legal holidays" the same way for its own
deadlines (8 CFR 1003.38(b); 8 CFR 1001.1(h)), without state holidays.

Layers (bit flags, so the hot path is one dict lookup per day):

* ``STRICT`` - the statutory date of a 6103(a) holiday. A legal holiday on every reading.
* ``AMBIGUOUS`` - a Friday/Monday observed in place of a weekend holiday (5 U.S.C. 6103(b);
  EO 11582), a dated presidential closure (FRCP 6(a)(6)(B) - whether a closure order is "a day
  declared a holiday by the President" is an attorney call, docs/domain/deadlines.md#legal-holidays), and Inauguration
  Day
  for D.C.-area courts (5 U.S.C. 6103(c)). Treated as a holiday only on the latest-arguable
  reading: whether the observed day is "the day set aside by statute" is unsettled.
* ``STATE`` - holidays of the court's state (FRCP 6(a)(6)(C), FRAP 26(a)(6)(C)), from the
  ``holidays`` package's subdivision data. Forward periods only, and only on the latest-arguable
  reading, because the state tables are not attorney-verified yet (docs/domain/deadlines.md#legal-holidays: "state
  calendars
  must be per district and attorney-maintained").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final, Literal

import holidays

STRICT: Final = 1
AMBIGUOUS: Final = 2
STATE: Final = 4

HolidayKind = Literal["federal", "observed", "closure", "inauguration", "state"]

_KIND_FLAG: Final[dict[str, int]] = {
    "federal": STRICT,
    "observed": AMBIGUOUS,
    "closure": AMBIGUOUS,
    "inauguration": AMBIGUOUS,
    "state": STATE,
}

#: Why a day of this kind is (or may be) a legal holiday - shown in traces.
KIND_REASON: Final[dict[str, str]] = {
    "federal": "legal public holiday",
    "observed": "observed in place of a weekend holiday; whether it is a legal holiday is unsettled",
    "closure": "federal offices closed by executive order; legal-holiday status is an attorney call",
    "inauguration": "Inauguration Day, a holiday only for federal employees in the D.C. area",
    "state": "state holiday of the court's state (forward-counted periods only)",
}

FEDERAL_CITATION: Final = "5 U.S.C. 6103(a); FRCP 6(a)(6)(A); FRAP 26(a)(6)(A)"
OBSERVED_CITATION: Final = "5 U.S.C. 6103(b) (Saturday -> Friday); EO 11582 (Sunday -> Monday)"
INAUGURATION_CITATION: Final = "5 U.S.C. 6103(c)"

# The names used by 5 U.S.C. 6103(a) where the `holidays` package uses a common name.
_STATUTORY_NAME: Final[dict[str, str]] = {
    "Martin Luther King Jr. Day": "Birthday of Martin Luther King, Jr.",
}

# States whose federal courts sit in the area where 5 U.S.C. 6103(c) makes Inauguration Day a holiday.
_INAUGURATION_STATES: Final = frozenset({"DC", "MD", "VA"})


@dataclass(frozen=True, slots=True)
class HolidayEntry:
    """One holiday: its date, name, kind and the legal source that makes it one."""

    date: date
    name: str
    kind: HolidayKind
    citation: str

    @property
    def flag(self) -> int:
        return _KIND_FLAG[self.kind]


def _closure(day: date, name: str, citation: str) -> HolidayEntry:
    return HolidayEntry(day, name, "closure", citation)


#: Full-day closures of executive departments by executive order (FRCP 6(a)(6)(B) candidates).
#: Half-day closures are left out: the clerk's office is open part of the day.
PRESIDENTIAL_CLOSURES: Final[tuple[HolidayEntry, ...]] = (
    _closure(
        date(2018, 12, 5),
        "National Day of Mourning for President George H. W. Bush",
        "Executive Order 13852 of Dec. 1, 2018 (Fed. Reg. doc. 2018-26552)",
    ),
    _closure(date(2018, 12, 24), "Christmas Eve closure", "Executive Order 13854, 83 Fed. Reg. 65481 (2018)"),
    _closure(date(2019, 12, 24), "Christmas Eve closure", "Executive Order 13900, 84 Fed. Reg. 69983 (2019)"),
    _closure(
        date(2020, 12, 24),
        "Christmas Eve closure",
        "Executive Order 13965 of Dec. 11, 2020 (Fed. Reg. doc. 2020-27807)",
    ),
    _closure(
        date(2024, 12, 24), "Christmas Eve closure", "Executive Order 14129, 89 Fed. Reg. 104857 (2024)"
    ),
    _closure(
        date(2025, 1, 9),
        "National Day of Mourning for President Jimmy Carter",
        "Executive Order 14133, 90 Fed. Reg. 187 (2025)",
    ),
    _closure(
        date(2025, 12, 24),
        "Christmas Eve closure",
        "Executive Order of Dec. 18, 2025 closing agencies on Dec. 24 and 26, 2025 (EO 14371)",
    ),
    _closure(
        date(2025, 12, 26),
        "Day after Christmas closure",
        "Executive Order of Dec. 18, 2025 closing agencies on Dec. 24 and 26, 2025 (EO 14371)",
    ),
)

#: Court states accepted for FRCP 6(a)(6)(C): every subdivision the `holidays` package knows.
#: Reviewed first: MD, VA, TX, CA, NY, FL, LA, AZ, GA, NJ, PA, WA, IL, MA (and DC).
SUPPORTED_STATES: Final[frozenset[str]] = frozenset(holidays.list_supported_countries()["US"])

_Layer = dict[date, tuple[HolidayEntry, ...]]


def _add(layer: dict[date, list[HolidayEntry]], entry: HolidayEntry) -> None:
    layer.setdefault(entry.date, []).append(entry)


def _freeze(layer: dict[date, list[HolidayEntry]]) -> _Layer:
    return {d: tuple(entries) for d, entries in layer.items()}


@lru_cache(maxsize=512)
def _federal_layer(year: int) -> _Layer:
    """Statutory dates, observed days and presidential closures falling in ``year``."""
    layer: dict[date, list[HolidayEntry]] = {}
    actual = holidays.country_holidays("US", years=year, observed=False)
    for day, names in actual.items():
        for name in names.split("; "):
            _add(layer, HolidayEntry(day, _STATUTORY_NAME.get(name, name), "federal", FEDERAL_CITATION))
    # With observed=True the package adds the Friday/Monday of 6103(b)/EO 11582, including a
    # Friday 31 December observed for a Saturday New Year's Day of the next year.
    for day, names in holidays.country_holidays("US", years=year).items():
        if day not in actual:
            for name in names.split("; "):
                _add(layer, HolidayEntry(day, name, "observed", OBSERVED_CITATION))
    for entry in PRESIDENTIAL_CLOSURES:
        if entry.date.year == year:
            _add(layer, entry)
    return _freeze(layer)


@lru_cache(maxsize=4096)
def _state_layer(year: int, state: str) -> _Layer:
    """Days the court's state adds to the federal calendar in ``year``."""
    layer: dict[date, list[HolidayEntry]] = {}
    federal = holidays.country_holidays("US", years=year)
    for day, names in holidays.country_holidays("US", subdiv=state, years=year).items():
        if day in federal:
            continue
        for name in names.split("; "):
            if name.startswith("Inauguration Day"):
                if state in _INAUGURATION_STATES:
                    _add(layer, HolidayEntry(day, name, "inauguration", INAUGURATION_CITATION))
                continue
            citation = f"FRCP 6(a)(6)(C); {state} state holiday (holidays package data, verify locally)"
            _add(layer, HolidayEntry(day, name, "state", citation))
    return _freeze(layer)


@lru_cache(maxsize=4096)
def year_flags(year: int, state: str | None) -> dict[date, int]:
    """Hot-path lookup: date -> OR of the layer flags, for one year and court state."""
    flags: dict[date, int] = {}
    layers = [_federal_layer(year)] + ([_state_layer(year, state)] if state else [])
    for layer in layers:
        for day, entries in layer.items():
            for entry in entries:
                flags[day] = flags.get(day, 0) | entry.flag
    return flags


def entries_on(day: date, state: str | None = None) -> tuple[HolidayEntry, ...]:
    """Every holiday entry on ``day`` (federal, observed, closures and, if given, the state's)."""
    found = _federal_layer(day.year).get(day, ())
    if state:
        found = found + _state_layer(day.year, state).get(day, ())
    return found


def legal_holidays(year: int, state: str | None = None) -> list[HolidayEntry]:
    """All entries of ``year`` in date order, e.g. for a holiday-calendar endpoint."""
    days = sorted(year_flags(year, state))
    return [entry for day in days for entry in entries_on(day, state)]


def is_legal_holiday(day: date, mask: int, state: str | None = None) -> bool:
    """True if ``day`` carries any of the layer flags in ``mask`` (STRICT, AMBIGUOUS, STATE)."""
    return bool(year_flags(day.year, state).get(day, 0) & mask)
