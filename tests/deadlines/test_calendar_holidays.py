"""Holiday layers: statutory dates, observed days, presidential closures, state holidays."""

from datetime import date

import pytest

from app.deadlines.holidays_us import (
    AMBIGUOUS,
    PRESIDENTIAL_CLOSURES,
    STATE,
    STRICT,
    SUPPORTED_STATES,
    entries_on,
    is_legal_holiday,
    legal_holidays,
)

REQUIRED_STATES = ["MD", "VA", "TX", "CA", "NY", "FL", "LA", "AZ", "GA", "NJ", "PA", "WA", "IL", "MA"]


def test_eleven_statutory_holidays_from_2021_ten_before() -> None:
    strict_2026 = [e for e in legal_holidays(2026) if e.kind == "federal"]
    assert len(strict_2026) == 11
    assert {e.name for e in strict_2026} >= {"Juneteenth National Independence Day", "Columbus Day",
                                               "Birthday of Martin Luther King, Jr.", "Thanksgiving Day"}
    assert len([e for e in legal_holidays(2020) if e.kind == "federal"]) == 10  # no Juneteenth yet
    assert all(e.citation.startswith("5 U.S.C. 6103(a)") for e in strict_2026)


def test_juneteenth_starts_2021() -> None:
    assert not is_legal_holiday(date(2020, 6, 19), STRICT | AMBIGUOUS)
    assert is_legal_holiday(date(2021, 6, 19), STRICT)  # Saturday
    assert is_legal_holiday(date(2021, 6, 18), AMBIGUOUS) and not is_legal_holiday(date(2021, 6, 18), STRICT)


def test_new_years_day_2028_observed_on_friday_31_december_2027() -> None:
    assert date(2028, 1, 1).weekday() == 5  # Saturday
    observed = entries_on(date(2027, 12, 31))
    assert [e.kind for e in observed] == ["observed"] and "New Year" in observed[0].name
    assert "6103(b)" in observed[0].citation
    assert is_legal_holiday(date(2028, 1, 1), STRICT)


def test_sunday_holiday_observed_monday() -> None:
    # Christmas 2022 was a Sunday -> Monday 26 Dec 2022 (Executive Order 11582).
    assert is_legal_holiday(date(2022, 12, 26), AMBIGUOUS) and not is_legal_holiday(date(2022, 12, 26), STRICT)
    assert "11582" in entries_on(date(2022, 12, 26))[0].citation


@pytest.mark.parametrize(
    ("day", "order"),
    [
        (date(2019, 12, 24), "13900"),
        (date(2020, 12, 24), "13965"),
        (date(2024, 12, 24), "14129"),
        (date(2025, 1, 9), "14133"),
        (date(2025, 12, 24), "14371"),
        (date(2025, 12, 26), "14371"),
    ],
)
def test_presidential_closures_are_dated_and_cited(day: date, order: str) -> None:
    (entry,) = [e for e in entries_on(day) if e.kind == "closure"]
    assert order in entry.citation and entry.name
    assert is_legal_holiday(day, AMBIGUOUS) and not is_legal_holiday(day, STRICT)


def test_carter_day_of_mourning() -> None:
    (entry,) = entries_on(date(2025, 1, 9))
    assert "Carter" in entry.name and "90 Fed. Reg. 187" in entry.citation


def test_closures_are_full_days_with_citations() -> None:
    assert all(e.kind == "closure" and "Executive Order" in e.citation for e in PRESIDENTIAL_CLOSURES)
    assert len({e.date for e in PRESIDENTIAL_CLOSURES}) == len(PRESIDENTIAL_CLOSURES)


@pytest.mark.parametrize("state", REQUIRED_STATES)
def test_required_states_supported_and_cited(state: str) -> None:
    assert state in SUPPORTED_STATES
    for entry in legal_holidays(2026, state):
        assert entry.name and entry.citation


@pytest.mark.parametrize(
    ("state", "day", "name_part"),
    [
        ("MD", date(2026, 11, 27), "American Indian Heritage"),
        ("VA", date(2026, 11, 27), "Thanksgiving"),
        ("TX", date(2026, 3, 2), "Texas Independence"),
        ("CA", date(2026, 3, 31), "Cesar Chavez"),
        ("NY", date(2026, 2, 12), "Lincoln"),
        ("LA", date(2026, 2, 17), "Mardi Gras"),
        ("MA", date(2026, 4, 20), "Patriots"),
        ("IL", date(2026, 3, 2), "Pulaski"),
        ("PA", date(2026, 11, 27), "Thanksgiving"),
        ("WA", date(2026, 11, 27), "Native American Heritage"),
    ],
)
def test_state_holidays(state: str, day: date, name_part: str) -> None:
    hits = [e for e in entries_on(day, state) if e.kind == "state"]
    assert hits and name_part in hits[0].name and "6(a)(6)(C)" in hits[0].citation
    assert is_legal_holiday(day, STATE, state) and not is_legal_holiday(day, STATE)


def test_every_entry_has_name_and_citation() -> None:
    for year in range(2018, 2036):
        for state in (None, *REQUIRED_STATES):
            for entry in legal_holidays(year, state):
                assert entry.name and entry.citation and entry.date.year == year
