"""Pure RRULE expansion: wall-clock time across DST, bounds, validation (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.errors import ProblemError
from app.protection.occurrences import expand, minutes_late, validate_schedule
from app.protection.rules import effective_status, is_active


def _utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_daily_five_pm_eastern_keeps_wall_clock() -> None:
    spring = expand(_utc(2025, 3, 7, 22), "America/New_York", "FREQ=DAILY", after=None, until=_utc(2025, 3, 11, 23))
    assert [d.hour for d in spring] == [22, 22, 21, 21, 21]
    fall = expand(_utc(2025, 10, 31, 21), "America/New_York", "FREQ=DAILY", after=None, until=_utc(2025, 11, 4, 23))
    assert [d.hour for d in fall] == [21, 21, 22, 22, 22]
    assert all(d.tzinfo is UTC for d in spring + fall)


def test_bounds_are_exclusive_inclusive_and_limited() -> None:
    first = _utc(2025, 4, 12, 21)
    all_days = expand(first, "America/New_York", "FREQ=DAILY", after=None, until=_utc(2025, 4, 20, 21))
    assert len(all_days) == 9 and all_days[0] == first and all_days[-1] == _utc(2025, 4, 20, 21)
    rest = expand(first, "America/New_York", "FREQ=DAILY", after=all_days[3], until=_utc(2025, 4, 20, 21))
    assert rest == all_days[4:]
    assert len(expand(first, "America/New_York", "FREQ=DAILY", after=None, until=_utc(2030, 1, 1), limit=50)) == 50
    assert expand(first, "America/New_York", None, after=None, until=_utc(2030, 1, 1)) == [first]
    assert expand(first, "America/New_York", None, after=first, until=_utc(2030, 1, 1)) == []


def test_first_due_is_always_an_occurrence() -> None:
    # Saturday first due, rule on weekdays: the order's first deadline still counts (RFC 5545 DTSTART)
    got = expand(_utc(2025, 4, 12, 21), "America/New_York", "FREQ=WEEKLY;BYDAY=MO,WE,FR", after=None,
                 until=_utc(2025, 4, 19, 23))
    assert [d.day for d in got] == [12, 14, 16, 18]


def test_nonexistent_local_time_moves_forward() -> None:
    got = expand(_utc(2025, 3, 8, 7, 30), "America/New_York", "FREQ=DAILY", after=None, until=_utc(2025, 3, 10, 12))
    assert got[1] == _utc(2025, 3, 9, 7, 30)  # 02:30 EST does not exist on 03-09: 03:30 EDT


@pytest.mark.parametrize("rule", ["FREQ=DAILY", "RRULE:FREQ=DAILY;INTERVAL=2", "freq=weekly;byday=mo",
                                  "FREQ=DAILY;UNTIL=20250501T210000Z", "FREQ=HOURLY;COUNT=3"])
def test_valid_rules(rule: str) -> None:
    assert validate_schedule(_utc(2025, 4, 12, 21), "America/New_York", rule)


@pytest.mark.parametrize(("rule", "tz", "code"), [
    ("FREQ=DAILY;UNTIL=20250501", "America/New_York", "invalid_rrule"),
    ("FREQ=SECONDLY", "America/New_York", "invalid_rrule"),
    ("FREQ=DAILY;;", "America/New_York", "invalid_rrule"),
    ("DTSTART:20250101T000000Z", "America/New_York", "invalid_rrule"),
    ("FREQ=DAILY", "Eastern", "invalid_timezone"),
    ("FREQ=DAILY", "", "invalid_timezone"),
])
def test_invalid_rules(rule: str, tz: str, code: str) -> None:
    with pytest.raises(ProblemError) as exc:
        validate_schedule(_utc(2025, 4, 12, 21), tz, rule)
    assert exc.value.code == code and exc.value.status == 422


def test_minutes_late_rounds_up() -> None:
    due = _utc(2025, 4, 15, 21)
    assert minutes_late(due, _utc(2025, 4, 15, 22, 10)) == 70
    assert minutes_late(due, datetime(2025, 4, 15, 21, 0, 1, tzinfo=UTC)) == 1
    assert minutes_late(due, _utc(2025, 4, 15, 20)) == 0


def test_active_means_status_and_not_expired() -> None:
    class Order:
        status = "active"
        expires_at = _utc(2025, 4, 1)

    assert is_active(Order(), _utc(2025, 3, 31)) and not is_active(Order(), _utc(2025, 4, 1))
    assert effective_status(Order(), _utc(2025, 4, 2)) == "expired"
    Order.status = "stayed"
    assert not is_active(Order(), _utc(2025, 3, 1)) and effective_status(Order(), _utc(2025, 4, 2)) == "stayed"
