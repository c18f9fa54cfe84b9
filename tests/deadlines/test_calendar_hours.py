"""Periods stated in hours (FRCP 6(a)(2)), order-defined instants and time-of-day rules."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.deadlines.catalog import RULES
from app.deadlines.compute import Direction, Regime, RuleSpec, Unit, compute

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")


def _hours(period: int) -> RuleSpec:
    return RuleSpec(id=f"H{period}", title="hours", trigger="event", period=period, unit=Unit.HOURS,
                    direction=Direction.AFTER, regime=Regime.FRCP6, citation="FRCP 6(a)(2)")


@pytest.mark.parametrize(
    ("period", "start", "earliest_at", "latest_at"),
    [
        # Sat 7 Mar 2026 12:00 EST + 24 h. Clocks spring forward Sun 8 Mar 2026 02:00, so 24 elapsed hours
        # end Sun 13:00 EDT (wall clock: Sun 12:00 EDT). Sunday -> same time Mon 9 Mar 2026 (6(a)(2)(C)).
        pytest.param(24, datetime(2026, 3, 7, 12, 0, tzinfo=NY), datetime(2026, 3, 9, 12, 0, tzinfo=NY),
                     datetime(2026, 3, 9, 13, 0, tzinfo=NY), id="24h-spring-forward-weekend"),
        # Fri 6 Mar 2026 09:00 EST + 72 h: elapsed Mon 9 Mar 10:00 EDT; wall clock Mon 09:00 EDT.
        pytest.param(72, datetime(2026, 3, 6, 9, 0, tzinfo=NY), datetime(2026, 3, 9, 9, 0, tzinfo=NY),
                     datetime(2026, 3, 9, 10, 0, tzinfo=NY), id="72h-spring-forward"),
        # Sat 31 Oct 2026 12:00 EDT + 24 h. Clocks fall back Sun 1 Nov 2026 02:00: elapsed Sun 11:00 EST,
        # wall Sun 12:00 EST; Sunday -> Mon 2 Nov 2026 11:00 / 12:00 EST.
        pytest.param(24, datetime(2026, 10, 31, 12, 0, tzinfo=NY), datetime(2026, 11, 2, 11, 0, tzinfo=NY),
                     datetime(2026, 11, 2, 12, 0, tzinfo=NY), id="24h-fall-back-weekend"),
        # Fri 30 Oct 2026 09:00 EDT + 72 h: elapsed Mon 2 Nov 08:00 EST; wall Mon 09:00 EST.
        pytest.param(72, datetime(2026, 10, 30, 9, 0, tzinfo=NY), datetime(2026, 11, 2, 8, 0, tzinfo=NY),
                     datetime(2026, 11, 2, 9, 0, tzinfo=NY), id="72h-fall-back"),
        # Wed 15 Apr 2026 14:30 EDT + 24 h = Thu 16 Apr 14:30: no DST change, no roll, one reading.
        pytest.param(24, datetime(2026, 4, 15, 14, 30, tzinfo=NY), datetime(2026, 4, 16, 14, 30, tzinfo=NY),
                     datetime(2026, 4, 16, 14, 30, tzinfo=NY), id="24h-plain"),
        # The same instant given in UTC (18:30Z = 14:30 EDT) gives the same answer.
        pytest.param(24, datetime(2026, 4, 15, 18, 30, tzinfo=UTC), datetime(2026, 4, 16, 14, 30, tzinfo=NY),
                     datetime(2026, 4, 16, 14, 30, tzinfo=NY), id="24h-utc-input"),
        # Wed 17 Jun 2026 10:00 + 48 h = Fri 19 Jun 10:00, Juneteenth -> Sat, Sun -> Mon 22 Jun 10:00 EDT.
        pytest.param(48, datetime(2026, 6, 17, 10, 0, tzinfo=NY), datetime(2026, 6, 22, 10, 0, tzinfo=NY),
                     datetime(2026, 6, 22, 10, 0, tzinfo=NY), id="48h-juneteenth"),
    ],
)
def test_hours_periods(period: int, start: datetime, earliest_at: datetime, latest_at: datetime) -> None:
    c = compute(_hours(period), trigger_at=start)
    assert c.due_at == earliest_at and c.due_at_latest_arguable == latest_at
    assert c.due_earliest_safe == earliest_at.date() and c.due_latest_arguable == latest_at.date()
    assert c.due_at is not None and c.due_at.tzinfo is not None
    assert c.trace[-1].action == "due" and c.trace[-1].date == latest_at.date().isoformat()
    if earliest_at != latest_at:
        assert any("daylight-saving" in note for note in c.notes)


def test_hours_use_the_court_time_zone_for_weekends() -> None:
    # Fri 2026-04-17 22:00 PDT = Sat 01:00 EDT. + 24 h: Sat 22:00 PDT in Los Angeles (a weekend day ->
    # Mon 20 Apr 22:00 PDT); the same instant in New York ends Sun 01:00 EDT -> Mon 20 Apr 01:00 EDT.
    start = datetime(2026, 4, 17, 22, 0, tzinfo=LA)
    assert compute(_hours(24), trigger_at=start, court_timezone="America/Los_Angeles").due_at == datetime(
        2026, 4, 20, 22, 0, tzinfo=LA)
    assert compute(_hours(24), trigger_at=start, court_timezone="America/New_York").due_at == datetime(
        2026, 4, 20, 1, 0, tzinfo=NY)


def test_order_defined_instant_is_returned_as_is() -> None:
    # "by 9:30 AM ET on Friday, April 11, 2025" - stored literally, never rolled or recomputed.
    ordered = datetime(2025, 4, 11, 9, 30, tzinfo=NY)
    c = compute(RULES["ORDER-COMPLIANCE"], trigger_at=ordered)
    assert c.due_at == ordered and c.due_earliest_safe == c.due_latest_arguable == date(2025, 4, 11)
    # An instant due on a Saturday stays on the Saturday.
    saturday = datetime(2025, 4, 12, 17, 0, tzinfo=NY)
    assert compute(RULES["TRO-RESP"], trigger_at=saturday).due_at == saturday
    # Given in UTC, it is shown in the court's zone - the same instant.
    c = compute(RULES["ORDER-COMPLIANCE"], trigger_at=datetime(2025, 4, 11, 13, 30, tzinfo=UTC))
    assert c.due_at == ordered and c.due_at is not None and c.due_at.utcoffset() == NY.utcoffset(ordered)


def test_tro_cap_keeps_time_of_entry_across_dst() -> None:
    # TRO entered Thu 5 Mar 2026 15:00 EST; 14 days later is Thu 19 Mar 2026 15:00 EDT (wall clock kept).
    c = compute(RULES["TRO-14"], trigger_at=datetime(2026, 3, 5, 15, 0, tzinfo=NY))
    assert c.due_at == datetime(2026, 3, 19, 15, 0, tzinfo=NY)


def test_dmd_window_due_at_four_pm_local() -> None:
    c = compute(RULES["HC-DMD-SO"], trigger_at=datetime(2026, 3, 19, 18, 0, tzinfo=UTC), court_state="MD")
    # 18:00Z on Thu 19 Mar 2026 is 14:00 EDT Thursday -> Mon 23 Mar 2026 16:00 EDT = 20:00Z.
    assert c.due_at == datetime(2026, 3, 23, 20, 0, tzinfo=UTC)
