"""docs/domain/deadlines.md#worked-examples worked examples, each checked against the built-in catalog rule."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.deadlines.catalog import RULES, get_rule
from app.deadlines.compute import Direction, Regime, RuleSpec, Unit, compute

NY = ZoneInfo("America/New_York")


def test_example_1_bia_appeal_rolls_from_sunday_to_monday() -> None:
    # IJ states decision Fri 20 Jun 2025; day 30 is Sun 20 Jul 2025 -> Mon 21 Jul 2025 (received by the Board).
    c = compute(get_rule("EOIR-APPEAL-IJ"), trigger_date=date(2025, 6, 20))
    assert c.due_earliest_safe == c.due_latest_arguable == date(2025, 7, 21)
    assert c.due_at == datetime(2025, 7, 21, 23, 59, 59, tzinfo=NY)
    assert any("received" in note for note in c.notes)


def test_example_2_pfr_landing_on_juneteenth_is_jurisdictional() -> None:
    # BIA decision Wed 20 May 2026; day 30 is Fri 19 Jun 2026 (Juneteenth) -> Sat, Sun -> Mon 22 Jun 2026.
    c = compute(get_rule("PFR-30"), trigger_date=date(2026, 5, 20))
    assert c.due_earliest_safe == c.due_latest_arguable == date(2026, 6, 22)
    assert c.jurisdictional is True
    skipped = [s for s in c.trace if s.action == "skip-holiday"]
    assert skipped[0].date == "2026-06-19" and "Juneteenth" in skipped[0].reason


def test_example_3_observed_independence_day_gives_two_readings() -> None:
    # Wed 3 Jun 2026 + 30 days = Fri 3 Jul 2026, observed for Independence Day (Sat 4 Jul 2026).
    # earliest_safe ignores the observed day; latest_arguable treats it as a holiday -> Mon 6 Jul.
    for rule_id in ("EOIR-APPEAL-IJ", "EOIR-MTRC-BIA"):
        c = compute(RULES[rule_id], trigger_date=date(2026, 6, 3))
        assert (c.due_earliest_safe, c.due_latest_arguable) == (date(2026, 7, 3), date(2026, 7, 6))
    frcp30 = RuleSpec(id="FRCP-30", title="t", trigger="service", period=30, unit=Unit.DAYS,
                      direction=Direction.AFTER, regime=Regime.FRCP6, citation="FRCP 6(a)")
    c = compute(frcp30, trigger_date=date(2026, 6, 3))
    assert (c.due_earliest_safe, c.due_latest_arguable) == (date(2026, 7, 3), date(2026, 7, 6))


def test_example_4_habeas_return_three_days_rolls_to_monday() -> None:
    # OSC served Wed 18 Mar 2026, 3 days -> Sat 21 Mar -> Mon 23 Mar 2026 under FRCP 6(a).
    c = compute(get_rule("HC-RETURN"), trigger_date=date(2026, 3, 18))
    assert c.due_earliest_safe == c.due_latest_arguable == date(2026, 3, 23)


def test_example_5_dmd_standing_order_window() -> None:
    # Notice docketed Thu 19 Mar 2026: Fri 20 = business day 1, Mon 23 = day 2 -> 4:00 p.m. ET Mon.
    rule = get_rule("HC-DMD-SO")
    c = compute(rule, trigger_date=date(2026, 3, 19), court_state="MD")
    assert c.due_earliest_safe == c.due_latest_arguable == date(2026, 3, 23)
    assert c.due_at == datetime(2026, 3, 23, 16, 0, tzinfo=NY)
    assert rule.time_of_day == time(16, 0)
    # If that Monday is a federal holiday, Tuesday: Thu 15 Jan 2026 -> Fri 16 (day 1), Mon 19 is
    # Martin Luther King Jr.'s Birthday, Tue 20 Jan 2026 (day 2) at 16:00 EST.
    c = compute(rule, trigger_date=date(2026, 1, 15), court_state="MD")
    assert c.due_at == datetime(2026, 1, 20, 16, 0, tzinfo=NY)


def test_example_6_frap4_with_government_party() -> None:
    # Judgment entered Mon 5 Oct 2026 + 60 days = Fri 4 Dec 2026.
    c = compute(get_rule("FRAP4-60"), trigger_date=date(2026, 10, 5))
    assert c.due_earliest_safe == c.due_latest_arguable == date(2026, 12, 4)
    assert c.jurisdictional is True
