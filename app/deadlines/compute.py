"""Single entry point of the deadline engine: ``compute(rule, trigger...) -> Computation``.

Pure: no database, no clock (the trigger is an argument), no web framework. Built-in rules come
from ``app.deadlines.catalog``; organization-defined rules are ``RuleSpec`` objects built from
their database rows, and go through the same function.

``Computation.due_at`` is a timezone-aware datetime **in the court's time zone** (``ZoneInfo``),
the instant the earliest-safe reading ends; convert with ``.astimezone(UTC)`` for storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.deadlines import regimes
from app.deadlines.holidays_us import SUPPORTED_STATES
from app.deadlines.regimes import (
    END_OF_DAY,
    MAIL_METHODS,
    MAX_PERIOD,
    MAX_YEAR,
    MIN_YEAR,
    SERVICE_METHODS,
    DeadlineInputError,
    Direction,
    Outcome,
    Regime,
    ServiceMethod,
    Unit,
)
from app.deadlines.regimes_special import order_citations, order_defined_cap
from app.deadlines.trace import TraceStep

__all__ = [
    "Computation",
    "DeadlineInputError",
    "Direction",
    "Regime",
    "RuleSpec",
    "ServiceMethod",
    "Unit",
    "compute",
]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A deadline rule as data (docs/design.md#domain-model DeadlineRule; docs/domain/deadlines.md#rule-catalog
    columns)."""

    id: str
    title: str
    trigger: str
    period: int | None
    unit: Unit
    direction: Direction
    regime: Regime
    citation: str
    jurisdictional: bool = False
    extendable: bool = True
    extension_note: str = ""
    as_of: date | None = None
    notes: str = ""
    time_of_day: time | None = None
    #: The period runs from *service* of a paper, so FRCP 6(d)/FRAP 26(c) may add 3 days.
    runs_from_service: bool = False
    #: False for elapsed-time tracking clocks (removal period, Zadvydas) that no weekend moves.
    roll: bool = True
    max_period: int | None = None
    allowed_periods: tuple[int, ...] = ()
    obligated_party: str = "us"  # us | government | court
    verification: str = "V"  # docs/domain/README.md#verification-marks: V verified, P partly, U unverified
    #: Derived once per rule for the hot path: (service note per method, end time, regime, unit).
    _plan: tuple[dict[str, str | None], time, str, str] = field(
        init=False, repr=False, compare=False, default=({}, END_OF_DAY, "", "")
    )

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "unit", Unit(self.unit))
            object.__setattr__(self, "direction", Direction(self.direction))
            object.__setattr__(self, "regime", Regime(self.regime))
        except ValueError as exc:
            raise DeadlineInputError("invalid_rule", f"rule {self.id!r}: {exc}") from None
        problems = self._problems()
        if problems:
            raise DeadlineInputError("invalid_rule", f"rule {self.id!r}: " + "; ".join(problems))
        notes = {m: _service_note(self.regime, m, self.runs_from_service) for m in SERVICE_METHODS}
        plan = (notes, self.time_of_day or END_OF_DAY, self.regime.value, self.unit.value)
        object.__setattr__(self, "_plan", plan)

    def _problems(self) -> list[str]:
        p: list[str] = []
        if not self.id or len(self.id) > 64:
            p.append("id must be 1-64 characters")
        if self.period is not None and (
            isinstance(self.period, bool) or not isinstance(self.period, int)
            or not 1 <= self.period <= MAX_PERIOD[self.unit]
        ):
            p.append(f"period must be an integer from 1 to {MAX_PERIOD[self.unit]} {self.unit}")
        if (self.regime is Regime.BUSINESS_DAYS) != (self.unit is Unit.BUSINESS_DAYS):
            p.append("the business_days unit goes with the business_days regime and only with it")
        whole = self.unit in (Unit.YEARS, Unit.MONTHS)
        if self.regime is Regime.ANNIVERSARY and (
            not whole or self.direction is Direction.BEFORE or self.period is None
        ):
            p.append("an anniversary rule counts whole years or months after the trigger")
        if self.unit is Unit.HOURS and self.time_of_day is not None:
            p.append("an hours period ends at the time reached; it takes no time_of_day")
        if self.regime is Regime.ORDER_DEFINED and self.unit not in (Unit.DAYS, Unit.HOURS):
            p.append("an order-defined limit is in days or hours")
        if self.runs_from_service and self.direction is Direction.BEFORE:
            p.append("a period before an event cannot run from service")
        if self.period is not None and self.max_period is not None and self.period > self.max_period:
            p.append("period exceeds max_period")
        if self.allowed_periods and self.period not in self.allowed_periods:
            p.append("period is not one of allowed_periods")
        return p


@dataclass(frozen=True, slots=True)
class Computation:
    """Result of ``compute``. Dates are calendar dates in the court's time zone."""

    rule_id: str
    due_earliest_safe: date | None
    due_latest_arguable: date | None
    #: Instant the earliest-safe reading ends, tz-aware in the court's zone.
    due_at: datetime | None
    jurisdictional: bool
    trace: list[TraceStep]
    notes: list[str]
    due_at_latest_arguable: datetime | None = None
    regime: str = ""
    period: int | None = None
    unit: str = ""
    court_timezone: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly answer of ``POST /deadlines/compute`` (docs/design.md#api-surface), plus a few extra keys."""
        return {
            "rule": self.rule_id,
            "due_earliest_safe": _iso(self.due_earliest_safe),
            "due_latest_arguable": _iso(self.due_latest_arguable),
            "due_at": _iso(self.due_at),
            "due_at_latest_arguable": _iso(self.due_at_latest_arguable),
            "jurisdictional": self.jurisdictional,
            "regime": self.regime,
            "period": self.period,
            "unit": self.unit,
            "court_timezone": self.court_timezone,
            "trace": [step.as_dict() for step in self.trace],
            "notes": list(self.notes),
        }


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DeadlineInputError("unknown_timezone", f"unknown IANA time zone: {name!r}") from None


def _service_note(regime: Regime, method: str, runs_from_service: bool) -> str | None:
    if regime is Regime.EOIR:
        return regimes.eoir_receipt_rule(method)
    if regime not in (Regime.FRCP6, Regime.FRAP26, Regime.STATUTE_FIXED):
        return None
    rule = "FRAP 26(c)" if regime is Regime.FRAP26 else "FRCP 6(d)"
    if runs_from_service and method in MAIL_METHODS:
        return f"3 days added under {rule} for {method} service."
    if runs_from_service and method == "electronic":
        return f"No days added for electronic service ({rule}; e-service lost the 3 days on 1 Dec 2016)."
    if method in MAIL_METHODS:
        return f"No {rule} days for {method} service: this period runs from the event, not from service."
    return None


_JURISDICTIONAL_NOTE: Final = (
    "Jurisdictional deadline: no extension, no equitable tolling - file well before the earliest safe date."
)


def compute(
    rule: RuleSpec,
    *,
    trigger_date: date | None = None,
    trigger_at: datetime | None = None,
    service_method: str = "electronic",
    court_state: str | None = None,
    court_timezone: str = "America/New_York",
    period_override: int | None = None,
    with_trace: bool = True,
) -> Computation:
    """Compute one deadline. ``with_trace=False`` skips the trace (bulk recomputation)."""
    tz = _zone(court_timezone)
    method = service_method.lower() if isinstance(service_method, str) else ""
    if method not in SERVICE_METHODS:
        raise DeadlineInputError(
            "unknown_service_method", f"service_method must be one of {sorted(SERVICE_METHODS)}"
        )
    state = None
    if court_state is not None:
        state = court_state.upper() if isinstance(court_state, str) else ""
        if state not in SUPPORTED_STATES:
            raise DeadlineInputError("unknown_court_state", f"unknown court state: {court_state!r}")
    period = _period(rule, period_override)
    day, at = _trigger(rule, trigger_date, trigger_at, tz)
    out = _dispatch(rule, period, day, at, method, state, tz, with_trace)
    notes = list(out.notes)
    note = rule._plan[0][method]
    if note:
        notes.append(note)
    if rule.jurisdictional:
        notes.append(_JURISDICTIONAL_NOTE)
    return Computation(
        rule.id, out.earliest, out.latest, out.earliest_at, rule.jurisdictional, out.trace, notes,
        out.latest_at, rule._plan[2], period, rule._plan[3], court_timezone,
    )


def _period(rule: RuleSpec, override: int | None) -> int | None:
    if rule.period is None and rule.regime is not Regime.ORDER_DEFINED:
        raise DeadlineInputError(
            "no_computable_deadline", f"{rule.id}: no fixed period ({rule.trigger}); nothing to compute"
        )
    if override is None:
        return rule.period
    if rule.period is None:
        raise DeadlineInputError("invalid_period_override", f"{rule.id}: the time is set by the order itself")
    valid = isinstance(override, int) and not isinstance(override, bool)
    if not valid or not 1 <= override <= MAX_PERIOD[rule.unit]:
        raise DeadlineInputError("invalid_period_override", "period_override must be a positive integer")
    if rule.allowed_periods and override not in rule.allowed_periods:
        raise DeadlineInputError(
            "invalid_period_override", f"{rule.id}: period must be one of {list(rule.allowed_periods)}"
        )
    if rule.max_period is not None and override > rule.max_period:
        raise DeadlineInputError(
            "invalid_period_override", f"{rule.id}: period may not exceed {rule.max_period}"
        )
    return override


def _trigger(
    rule: RuleSpec, trigger_date: date | None, trigger_at: datetime | None, tz: ZoneInfo
) -> tuple[date, datetime | None]:
    if trigger_at is not None:
        if not isinstance(trigger_at, datetime):
            raise DeadlineInputError("invalid_trigger_at", "trigger_at must be a datetime")
        if trigger_at.tzinfo is None or trigger_at.utcoffset() is None:
            raise DeadlineInputError("naive_trigger_at", "trigger_at needs a UTC offset or time zone")
        day = trigger_at.astimezone(tz).date()
        if trigger_date is not None and trigger_date != day:
            raise DeadlineInputError(
                "conflicting_trigger",
                f"trigger_date {trigger_date} is not the court-local date of trigger_at ({day})",
            )
    elif trigger_date is None:
        raise DeadlineInputError("trigger_required", "give trigger_date or trigger_at")
    elif isinstance(trigger_date, datetime) or not isinstance(trigger_date, date):
        raise DeadlineInputError("invalid_trigger_date", "trigger_date must be a date (YYYY-MM-DD)")
    elif rule.unit is Unit.HOURS:
        raise DeadlineInputError(
            "trigger_at_required", f"{rule.id} runs in hours: give trigger_at (an instant)"
        )
    else:
        day = trigger_date
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise DeadlineInputError(
            "trigger_out_of_range", f"trigger year must be between {MIN_YEAR} and {MAX_YEAR}"
        )
    return day, trigger_at


def _dispatch(
    rule: RuleSpec, period: int | None, day: date, at: datetime | None, method: str, state: str | None,
    tz: ZoneInfo, with_trace: bool,
) -> Outcome:
    regime, unit, end_time = rule.regime, rule.unit, rule._plan[1]
    backward = rule.direction is Direction.BEFORE
    if regime is Regime.ORDER_DEFINED:
        if period is None:
            return regimes.order_defined(tz=tz, at=at, day=day, end_time=end_time, source=rule.citation,
                                         with_trace=with_trace)
        return order_defined_cap(day, period, cites=order_citations(rule.citation), tz=tz, unit=unit, at=at,
                                 end_time=end_time, with_trace=with_trace)
    assert period is not None  # _period() rejected period-less rules of every other regime
    if regime is Regime.ANNIVERSARY:
        return regimes.asylum_one_year(day, period, tz=tz, source=rule.citation, unit=unit, end_time=end_time,
                                       with_trace=with_trace)
    if regime is Regime.BUSINESS_DAYS:
        return regimes.business_days(day, period, source=rule.citation, tz=tz, due_time=end_time,
                                     backward=backward, court_state=state, with_trace=with_trace)
    if unit is Unit.HOURS:
        assert at is not None  # _trigger() demands an instant for hours rules
        if regime is Regime.FRCP6:
            return regimes.frcp6_hours(at, period, tz=tz, backward=backward, service_method=method,
                                       runs_from_service=rule.runs_from_service, court_state=state,
                                       with_trace=with_trace)
        if regime is Regime.FRAP26:
            return regimes.frap26_hours(at, period, tz=tz, backward=backward, service_method=method,
                                        runs_from_service=rule.runs_from_service, court_state=state,
                                        with_trace=with_trace)
        # EOIR and statute-stated hours: FRCP 6(a)(2)'s method, federal holidays only for EOIR.
        return regimes.statute_fixed_hours(at, period, statute=rule.citation, tz=tz, backward=backward,
                                           court_state=None if regime is Regime.EOIR else state,
                                           with_trace=with_trace)
    if regime is Regime.EOIR:
        return regimes.eoir_calendar_days(day, period, tz=tz, backward=backward, unit=unit, roll=rule.roll,
                                          end_time=end_time, trigger_label=rule.trigger,
                                          with_trace=with_trace)
    if regime is Regime.FRCP6:
        return regimes.frcp6_days(day, period, tz=tz, backward=backward, service_method=method,
                                  runs_from_service=rule.runs_from_service, court_state=state, unit=unit,
                                  roll=rule.roll, end_time=end_time, trigger_label=rule.trigger,
                                  with_trace=with_trace)
    if regime is Regime.FRAP26:
        return regimes.frap26_days(day, period, tz=tz, backward=backward, service_method=method,
                                   runs_from_service=rule.runs_from_service, court_state=state, unit=unit,
                                   roll=rule.roll, end_time=end_time, trigger_label=rule.trigger,
                                   with_trace=with_trace)
    return regimes.statute_fixed_days(day, period, statute=rule.citation, tz=tz, backward=backward,
                                      service_method=method, runs_from_service=rule.runs_from_service,
                                      court_state=state, unit=unit, roll=rule.roll, end_time=end_time,
                                      trigger_label=rule.trigger, with_trace=with_trace)
