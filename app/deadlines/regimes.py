"""Deadline regimes under their legal names (docs/domain/deadlines.md#counting-regimes). Pure functions: no clock, no
I/O.

Each returns an ``Outcome``: earliest safe date, latest arguable date, the instants they end at
in the court's time zone, and the trace. ``app.deadlines.compute.compute`` picks the function from
a rule's regime and unit; call these directly only for ad-hoc arithmetic.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from app.deadlines.regimes_calendar import (
    EOIR,
    FRAP26,
    FRCP6,
    MAIL_METHODS,
    SERVICE_METHODS,
    Outcome,
    count_calendar_period,
    statute_citations,
)
from app.deadlines.regimes_special import (
    FRAP26_HOURS,
    FRCP6_HOURS,
    anniversary,
    anniversary_citations,
    business_day_citations,
    count_business_days,
    count_hours,
    hours_citations,
    order_defined,
)

__all__ = [
    "END_OF_DAY",
    "MAIL_METHODS",
    "MAX_PERIOD",
    "MAX_YEAR",
    "MIN_YEAR",
    "SERVICE_METHODS",
    "DeadlineInputError",
    "Direction",
    "Outcome",
    "Regime",
    "ServiceMethod",
    "Unit",
    "asylum_one_year",
    "business_days",
    "eoir_calendar_days",
    "eoir_receipt_rule",
    "frap26_days",
    "frap26_hours",
    "frap26_mail_days",
    "frcp6_days",
    "frcp6_hours",
    "frcp6_mail_days",
    "order_defined",
    "statute_fixed_days",
    "statute_fixed_hours",
]

END_OF_DAY: Final = time(23, 59, 59)


class Regime(StrEnum):
    FRCP6 = "frcp6"
    FRAP26 = "frap26"
    EOIR = "eoir"
    STATUTE_FIXED = "statute_fixed"
    ORDER_DEFINED = "order_defined"
    BUSINESS_DAYS = "business_days"
    ANNIVERSARY = "anniversary"


class Unit(StrEnum):
    DAYS = "days"
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"
    MONTHS = "months"
    YEARS = "years"


class Direction(StrEnum):
    AFTER = "after"
    BEFORE = "before"


class ServiceMethod(StrEnum):
    ELECTRONIC = "electronic"
    MAIL = "mail"
    HAND = "hand"
    CLERK = "clerk"  # leaving it with the clerk, FRCP 5(b)(2)(D)
    OTHER_CONSENTED = "other_consented"  # FRCP 5(b)(2)(F)


#: Upper bounds keep a mistyped organization rule from running for minutes.
MAX_PERIOD: Final[dict[str, int]] = {
    "days": 3660, "hours": 8784, "business_days": 2610, "months": 240, "years": 20,
}
MIN_YEAR, MAX_YEAR = 1971, 2199  # EO 11582 (observed days) onward; far enough ahead for any case


class DeadlineInputError(ValueError):
    """Bad input to the engine; the web layer answers 422 with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

_MAIL_LABEL: Final[dict[str, str]] = {
    "mail": "service by mail (Rule 5(b)(2)(C))",
    "clerk": "service by leaving with the clerk (Rule 5(b)(2)(D))",
    "other_consented": "service by other means consented to (Rule 5(b)(2)(F))",
}


def frcp6_mail_days(service_method: str) -> int:
    """FRCP 6(d): +3 days after service by mail, leaving with the clerk or other consented means.

    Electronic service lost the 3 days on 1 Dec 2016; hand delivery never had them.
    """
    return 3 if service_method in MAIL_METHODS else 0


def frap26_mail_days(service_method: str) -> int:
    """FRAP 26(c): +3 days unless served electronically or delivered on the date of service."""
    return 3 if service_method in MAIL_METHODS else 0


def eoir_receipt_rule(service_method: str) -> str:
    """8 CFR 1003.38(c); ICPM 3.1(a)(3): filed means received - no days are ever added for mail."""
    return (
        f"EOIR receipt rule: no days are added for {service_method} service or for filing by mail; the "
        "filing must be received by the court or Board by the due date (8 CFR 1003.38(c); ICPM 3.1(a)(3))."
    )


def frcp6_days(
    trigger: date, days: int, *, tz: ZoneInfo, backward: bool = False, service_method: str = "electronic",
    runs_from_service: bool = False, court_state: str | None = None, unit: str = "days", roll: bool = True,
    end_time: time = END_OF_DAY, trigger_label: str = "triggering event", with_trace: bool = True,
) -> Outcome:
    """FRCP 6(a)(1): exclude the trigger day, count every day, roll off weekends/legal holidays.

    State holidays of ``court_state`` count only for forward periods (6(a)(6)(C)); backward periods
    roll to the previous day (6(a)(5)); +3 days under 6(d) only when the period runs from service.
    """
    mail = frcp6_mail_days(service_method) if runs_from_service else 0
    return count_calendar_period(
        trigger, days, cites=FRCP6, tz=tz, unit=unit, backward=backward, state=court_state, mail_days=mail,
        mail_label=_MAIL_LABEL.get(service_method, ""), roll=roll, end_time=end_time,
        trigger_label=trigger_label, with_trace=with_trace,
    )


def frcp6_hours(
    start: datetime, hours: int, *, tz: ZoneInfo, backward: bool = False, service_method: str = "electronic",
    runs_from_service: bool = False, court_state: str | None = None, with_trace: bool = True,
) -> Outcome:
    """FRCP 6(a)(2): count every hour from the event; a weekend/holiday end runs to the same time
    on the next day that is not one."""
    mail = frcp6_mail_days(service_method) if runs_from_service else 0
    return count_hours(start, hours, cites=FRCP6_HOURS, tz=tz, backward=backward, state=court_state,
                       mail_days=mail, mail_label=_MAIL_LABEL.get(service_method, ""), with_trace=with_trace)


def frap26_days(
    trigger: date, days: int, *, tz: ZoneInfo, backward: bool = False, service_method: str = "electronic",
    runs_from_service: bool = False, court_state: str | None = None, unit: str = "days", roll: bool = True,
    end_time: time = END_OF_DAY, trigger_label: str = "triggering event", with_trace: bool = True,
) -> Outcome:
    """FRAP 26(a)(1): same method as FRCP 6(a). For a petition for review the period runs from the
    order, not service, so no 26(c) days (and FRAP 26(b)(2) forbids extending it)."""
    mail = frap26_mail_days(service_method) if runs_from_service else 0
    return count_calendar_period(
        trigger, days, cites=FRAP26, tz=tz, unit=unit, backward=backward, state=court_state, mail_days=mail,
        mail_label=_MAIL_LABEL.get(service_method, ""), roll=roll, end_time=end_time,
        trigger_label=trigger_label, with_trace=with_trace,
    )


def frap26_hours(
    start: datetime, hours: int, *, tz: ZoneInfo, backward: bool = False, service_method: str = "electronic",
    runs_from_service: bool = False, court_state: str | None = None, with_trace: bool = True,
) -> Outcome:
    """FRAP 26(a)(2): hours periods, as FRCP 6(a)(2)."""
    mail = frap26_mail_days(service_method) if runs_from_service else 0
    return count_hours(start, hours, cites=FRAP26_HOURS, tz=tz, backward=backward, state=court_state,
                       mail_days=mail, mail_label=_MAIL_LABEL.get(service_method, ""), with_trace=with_trace)


def eoir_calendar_days(
    trigger: date, days: int, *, tz: ZoneInfo, backward: bool = False, unit: str = "days", roll: bool = True,
    end_time: time = END_OF_DAY, trigger_label: str = "triggering event", with_trace: bool = True,
) -> Outcome:
    """Immigration courts and the BIA: calendar days; a last day on a weekend or legal holiday runs
    to the next business day (8 CFR 1003.38(b); 8 CFR 1001.1(h)). Before-hearing deadlines count
    back from the hearing (day 0) and roll to the EARLIER business day - docs/domain/deadlines.md#rule-catalog default,
    unconfirmed. No state holidays (federal agency) and no mail days (receipt rule)."""
    return count_calendar_period(
        trigger, days, cites=EOIR, tz=tz, unit=unit, backward=backward, state=None, mail_days=0, roll=roll,
        end_time=end_time, trigger_label=trigger_label, with_trace=with_trace,
    )


def statute_fixed_days(
    trigger: date, days: int, *, statute: str, tz: ZoneInfo, backward: bool = False,
    service_method: str = "electronic", runs_from_service: bool = False, court_state: str | None = None,
    unit: str = "days", roll: bool = True, end_time: time = END_OF_DAY,
    trigger_label: str = "triggering event", with_trace: bool = True,
) -> Outcome:
    """A statute giving only the period (e.g. 28 U.S.C. 2243's 3 days): FRCP 6(a) supplies the
    method, since 6(a) applies to "any statute that does not specify a method of computing time"."""
    mail = frcp6_mail_days(service_method) if runs_from_service else 0
    return count_calendar_period(
        trigger, days, cites=statute_citations(statute), tz=tz, unit=unit, backward=backward,
        state=court_state, mail_days=mail, mail_label=_MAIL_LABEL.get(service_method, ""), roll=roll,
        end_time=end_time, trigger_label=trigger_label, with_trace=with_trace,
    )


def statute_fixed_hours(
    start: datetime, hours: int, *, statute: str, tz: ZoneInfo, backward: bool = False,
    court_state: str | None = None, with_trace: bool = True,
) -> Outcome:
    """A statute or regulation stating hours, computed by FRCP 6(a)(2)'s method."""
    return count_hours(start, hours, cites=hours_citations(statute), tz=tz, backward=backward,
                       state=court_state, with_trace=with_trace)


def business_days(
    trigger: date, days: int, *, source: str, tz: ZoneInfo, due_time: time = END_OF_DAY,
    backward: bool = False, court_state: str | None = None, with_trace: bool = True,
) -> Outcome:
    """Business days (Mon-Fri, not legal holidays), e.g. D. Md. Amended Standing Order 2025-01:
    notice docketed Thursday -> window ends 4:00 p.m. on Monday (Fri = day 1, Mon = day 2)."""
    return count_business_days(trigger, days, cites=business_day_citations(source), tz=tz, due_time=due_time,
                               backward=backward, state=court_state, with_trace=with_trace)


def asylum_one_year(
    last_arrival: date, years: int = 1, *, tz: ZoneInfo, source: str = "8 U.S.C. 1158(a)(2)(B)",
    unit: str = "years", end_time: time = END_OF_DAY, with_trace: bool = True,
) -> Outcome:
    """Asylum one-year bar: last day is the anniversary of the last arrival (Minasyan v. Mukasey);
    earliest safe is the day before, as cautious guides compute; latest arguable rolls past a
    weekend or legal holiday."""
    return anniversary(last_arrival, years, cites=anniversary_citations(source), tz=tz, unit=unit,
                       end_time=end_time, with_trace=with_trace)
