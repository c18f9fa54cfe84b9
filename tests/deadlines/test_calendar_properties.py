"""Property tests: invariants of the engine over random triggers, periods and courts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.deadlines.catalog import BUILTIN_RULES, RULES
from app.deadlines.compute import Direction, Regime, RuleSpec, Unit, compute
from app.deadlines.holidays_us import AMBIGUOUS, STATE, STRICT, is_legal_holiday

SETTINGS = settings(max_examples=200, deadline=None)
triggers = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
states = st.sampled_from([None, "MD", "VA", "TX", "CA", "NY", "FL", "LA", "AZ", "GA", "NJ", "PA", "WA", "IL", "MA"])
methods = st.sampled_from(["electronic", "mail", "hand", "clerk", "other_consented"])
periods = st.integers(min_value=1, max_value=120)
COMPUTABLE = [r for r in BUILTIN_RULES if r.period is not None or r.regime is Regime.ORDER_DEFINED]


def _frcp(period: int, direction: Direction = Direction.AFTER, runs_from_service: bool = False) -> RuleSpec:
    return RuleSpec(id="P", title="p", trigger="event", period=period, unit=Unit.DAYS, direction=direction,
                    regime=Regime.FRCP6, citation="FRCP 6(a)", runs_from_service=runs_from_service)


@SETTINGS
@given(trigger=triggers, period=periods, state=states, method=methods, from_service=st.booleans())
def test_forward_frcp_never_lands_on_weekend_or_holiday(
    trigger: date, period: int, state: str | None, method: str, from_service: bool
) -> None:
    c = compute(_frcp(period, runs_from_service=from_service), trigger_date=trigger, court_state=state,
                service_method=method, with_trace=False)
    assert c.due_earliest_safe is not None and c.due_latest_arguable is not None
    assert c.due_earliest_safe.weekday() < 5 and not is_legal_holiday(c.due_earliest_safe, STRICT)
    assert c.due_latest_arguable.weekday() < 5
    assert not is_legal_holiday(c.due_latest_arguable, STRICT | AMBIGUOUS | STATE, state)


@SETTINGS
@given(trigger=triggers, period=periods, state=states)
def test_backward_frcp_lands_on_a_business_day_no_later_than_the_raw_day(
    trigger: date, period: int, state: str | None
) -> None:
    c = compute(_frcp(period, Direction.BEFORE), trigger_date=trigger, court_state=state, with_trace=False)
    assert c.due_earliest_safe is not None and c.due_latest_arguable is not None
    raw = trigger - timedelta(days=period)
    assert c.due_earliest_safe <= c.due_latest_arguable <= raw
    assert c.due_earliest_safe.weekday() < 5 and not is_legal_holiday(c.due_earliest_safe, STRICT | AMBIGUOUS)


MONOTONE_RULES = ["FRCP59E", "EOIR-APPEAL-IJ", "PFR-30", "HC-RETURN", "EOIR-PREHEARING-MC", "EOIR-PREHEARING-IC",
                  "HC-DMD-SO", "ASYLUM-1YR", "ZADVYDAS-6M", "EOIR-MTR-BIA", "VD-60", "TRO-14"]


@SETTINGS
@given(rule_id=st.sampled_from(MONOTONE_RULES), first=triggers, gap=st.integers(min_value=0, max_value=40),
       state=states, method=methods)
def test_due_dates_never_decrease_when_the_trigger_moves_later(
    rule_id: str, first: date, gap: int, state: str | None, method: str
) -> None:
    rule = RULES[rule_id]
    early = compute(rule, trigger_date=first, court_state=state, service_method=method, with_trace=False)
    late = compute(rule, trigger_date=first + timedelta(days=gap), court_state=state, service_method=method,
                   with_trace=False)
    assert early.due_earliest_safe is not None and late.due_earliest_safe is not None
    assert early.due_latest_arguable is not None and late.due_latest_arguable is not None
    assert early.due_earliest_safe <= late.due_earliest_safe
    assert early.due_latest_arguable <= late.due_latest_arguable


@SETTINGS
@given(rule=st.sampled_from(COMPUTABLE), trigger=triggers, state=states, method=methods,
       hour=st.integers(min_value=0, max_value=23))
def test_earliest_safe_never_after_latest_arguable_and_trace_ends_on_due_date(
    rule: RuleSpec, trigger: date, state: str | None, method: str, hour: int
) -> None:
    at = datetime(trigger.year, trigger.month, trigger.day, hour, 17, tzinfo=ZoneInfo("America/Chicago"))
    c = compute(rule, trigger_at=at, court_state=state, service_method=method, court_timezone="America/Chicago")
    assert c.due_earliest_safe is not None and c.due_latest_arguable is not None
    assert c.due_at is not None and c.due_at_latest_arguable is not None
    assert c.due_earliest_safe <= c.due_latest_arguable and c.due_at <= c.due_at_latest_arguable
    assert c.trace[0].action == "start"
    assert c.trace[-1].action == "due" and c.trace[-1].date == c.due_latest_arguable.isoformat()
    due_dates = {s.date for s in c.trace if s.action == "due"}
    assert due_dates == {c.due_earliest_safe.isoformat(), c.due_latest_arguable.isoformat()}
    assert all(s.reason and s.citation for s in c.trace)


@SETTINGS
@given(trigger=triggers, period=periods, state=states, method=methods)
def test_trace_and_fast_path_agree(trigger: date, period: int, state: str | None, method: str) -> None:
    rule = _frcp(period, runs_from_service=True)
    fast = compute(rule, trigger_date=trigger, court_state=state, service_method=method, with_trace=False)
    full = compute(rule, trigger_date=trigger, court_state=state, service_method=method)
    assert (fast.due_earliest_safe, fast.due_latest_arguable, fast.due_at) == (
        full.due_earliest_safe, full.due_latest_arguable, full.due_at)
    assert fast.trace == [] and len([s for s in full.trace if s.action == "count"]) >= period


@SETTINGS
@given(start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                          timezones=st.just(ZoneInfo("America/New_York"))),
       hours=st.integers(min_value=1, max_value=200))
def test_hours_periods_end_on_a_business_day_no_earlier_than_the_hours_allow(start: datetime, hours: int) -> None:
    # Not monotone in the trigger by design (FRCP 6(a)(2)(C)): a period ending Sun 23:30 runs to
    # Mon 23:30, one starting an hour later ends Mon 00:30. These invariants do hold:
    rule = RuleSpec(id="H", title="h", trigger="event", period=hours, unit=Unit.HOURS, direction=Direction.AFTER,
                    regime=Regime.FRCP6, citation="FRCP 6(a)(2)")
    c = compute(rule, trigger_at=start, with_trace=False)
    assert c.due_at is not None and c.due_at_latest_arguable is not None
    assert c.due_at <= c.due_at_latest_arguable
    # The wall-clock reading across a spring-forward change can be one hour short of elapsed time.
    assert c.due_at >= start + timedelta(hours=hours) - timedelta(hours=1)
    local = c.due_at.astimezone(ZoneInfo("America/New_York")).date()
    assert local.weekday() < 5 and not is_legal_holiday(local, STRICT)
