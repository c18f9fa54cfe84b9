"""Bad input raises DeadlineInputError with a stable code (the web layer answers 422 with it)."""

import dataclasses
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.deadlines.catalog import get_rule
from app.deadlines.compute import (
    DeadlineInputError,
    Direction,
    Regime,
    RuleSpec,
    Unit,
    compute,
)

NY = ZoneInfo("America/New_York")
H24 = RuleSpec(id="H24", title="t", trigger="event", period=24, unit=Unit.HOURS, direction=Direction.AFTER,
               regime=Regime.FRCP6, citation="FRCP 6(a)(2)")


@pytest.mark.parametrize(
    ("rule", "kwargs", "code"),
    [
        (H24, {"trigger_date": date(2026, 3, 5)}, "trigger_at_required"),
        ("FRCP59E", {"trigger_date": date(2026, 3, 5), "service_method": "carrier_pigeon"}, "unknown_service_method"),
        ("FRCP59E", {"trigger_date": date(2026, 3, 5), "court_timezone": "Mars/Olympus"}, "unknown_timezone"),
        ("FRCP59E", {"trigger_date": date(2026, 3, 5), "court_timezone": "../../etc/passwd"}, "unknown_timezone"),
        ("FRCP59E", {"trigger_date": date(2026, 3, 5), "court_state": "ZZ"}, "unknown_court_state"),
        ("EOIR-MTR-INABSENTIA-NOTICE", {"trigger_date": date(2026, 3, 5)}, "no_computable_deadline"),
        ("FRCP59E", {}, "trigger_required"),
        ("FRCP59E", {"trigger_at": datetime(2026, 3, 5, 12, 0)}, "naive_trigger_at"),
        ("FRCP59E", {"trigger_date": datetime(2026, 3, 5, 12, 0, tzinfo=NY)}, "invalid_trigger_date"),
        ("FRCP59E", {"trigger_date": "2026-03-05"}, "invalid_trigger_date"),
        ("FRCP59E", {"trigger_date": date(2026, 3, 6), "trigger_at": datetime(2026, 3, 5, 12, 0, tzinfo=NY)},
         "conflicting_trigger"),
        ("FRCP59E", {"trigger_date": date(1900, 1, 1)}, "trigger_out_of_range"),
        ("FRCP59E", {"trigger_date": date(9999, 12, 1)}, "trigger_out_of_range"),
        ("VD-60", {"trigger_date": date(2026, 3, 5), "period_override": 61}, "invalid_period_override"),
        ("VD-60", {"trigger_date": date(2026, 3, 5), "period_override": 0}, "invalid_period_override"),
        ("VD-60", {"trigger_date": date(2026, 3, 5), "period_override": True}, "invalid_period_override"),
        ("TRO-RESP", {"trigger_date": date(2026, 3, 5), "period_override": 3}, "invalid_period_override"),
    ],
)
def test_input_errors(rule: str | RuleSpec, kwargs: dict[str, Any], code: str) -> None:
    spec = get_rule(rule) if isinstance(rule, str) else rule
    with pytest.raises(DeadlineInputError) as err:
        compute(spec, **kwargs)
    assert err.value.code == code and err.value.message
    assert isinstance(err.value, ValueError)


def test_service_method_and_state_are_case_insensitive() -> None:
    c = compute(get_rule("HC-RETURN"), trigger_date=date(2026, 3, 18), service_method="MAIL", court_state="md")
    assert c.due_earliest_safe == date(2026, 3, 26)


def test_trigger_at_for_a_days_rule_uses_the_court_local_date() -> None:
    # 02:00Z on Sat 21 Jun 2025 is still Fri 20 Jun 2025 (22:00 EDT) in New York -> Mon 21 Jul 2025.
    c = compute(get_rule("EOIR-APPEAL-IJ"), trigger_at=datetime(2025, 6, 21, 2, 0, tzinfo=ZoneInfo("UTC")))
    assert c.due_earliest_safe == date(2025, 7, 21)


@pytest.mark.parametrize(
    "changes",
    [
        {"unit": "fortnights"},
        {"regime": "vibes"},
        {"period": 0},
        {"period": 100_000},
        {"unit": Unit.BUSINESS_DAYS},  # business days need the business_days regime
        {"regime": Regime.ANNIVERSARY},  # anniversary needs years or months
        {"unit": Unit.HOURS, "time_of_day": time(17, 0)},
        {"direction": Direction.BEFORE, "runs_from_service": True},
        {"max_period": 10},
        {"allowed_periods": (15, 30)},
        {"id": ""},
    ],
)
def test_invalid_rules_are_rejected(changes: dict[str, Any]) -> None:
    base = get_rule("FRCP59E")
    with pytest.raises(DeadlineInputError) as err:
        dataclasses.replace(base, **changes)
    assert err.value.code == "invalid_rule"


def test_organization_rule_uses_the_same_function() -> None:
    # An organization's own rule: "opposition due 14 days after service" in a Texas district court.
    rule = RuleSpec(id="ORG-OPP-14", title="Opposition", trigger="service of motion", period=14, unit="days",
                    direction="after", regime="frcp6", citation="S.D. Tex. L.R. 7.3", runs_from_service=True)
    assert rule.unit is Unit.DAYS and rule.regime is Regime.FRCP6
    # Mon 2 Mar 2026 + 14 = Mon 16 Mar 2026 (Texas Independence Day, 2 Mar, is day 0 and not counted).
    c = compute(rule, trigger_date=date(2026, 3, 2), court_state="TX")
    assert (c.due_earliest_safe, c.due_latest_arguable) == (date(2026, 3, 16), date(2026, 3, 16))
