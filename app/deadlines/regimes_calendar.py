"""Calendar-day engine behind FRCP 6(a), FRAP 26(a), EOIR calendar days and statute-fixed periods.

Every period is computed under two readings of "legal holiday" (docs/domain/deadlines.md#legal-holidays):

* strict - only the statutory date of a 5 U.S.C. 6103(a) holiday is a legal holiday;
* broad - observed Fridays/Mondays, presidential closures and (forward periods, where the regime
  allows it) state holidays are legal holidays too.

``earliest`` is the earlier of the two results (what attorneys calendar), ``latest`` the later
(what can be argued). Forward periods: strict gives the earliest. Backward periods roll to the
previous day (FRCP 6(a)(5)), so the broad reading gives the earliest.

The public, legally named functions are in ``regimes``; hours, business-day, anniversary and
order-defined engines are in ``regimes_special``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from app.deadlines.holidays_us import (
    AMBIGUOUS,
    KIND_REASON,
    STATE,
    STRICT,
    entries_on,
    year_flags,
)
from app.deadlines.trace import WEEKDAY_NAMES, TraceStep, merge_readings

ONE_DAY: Final = timedelta(days=1)
#: FRCP 6(a)(4)(A) / FRAP 26(a)(4)(A): electronic filing ends at midnight in the court's time zone.
END_OF_DAY: Final = time(23, 59, 59)
STRICT_MASK: Final = STRICT
BROAD_MASK: Final = STRICT | AMBIGUOUS
#: FRCP 6(d) adds 3 days after service under Rule 5(b)(2)(C) mail, (D) leaving with the clerk,
#: (F) other consented means - not electronic service (removed from 6(d) on 1 Dec 2016) and not
#: hand delivery. FRAP 26(c) likewise excludes electronic service and delivery on the date served.
MAIL_METHODS: Final = frozenset({"mail", "clerk", "other_consented"})
SERVICE_METHODS: Final = frozenset({"electronic", "hand"}) | MAIL_METHODS
EARLIEST_LABEL: Final = "earliest safe due date (calendar this one)"
LATEST_LABEL: Final = "latest arguable due date"
LATEST_READING: Final = "latest arguable reading"


@dataclass(frozen=True, slots=True)
class Citations:
    """Where each kind of step comes from, per regime."""

    start: str
    count: str
    roll: str
    backward_roll: str
    mail: str
    due: str
    due_reason: str


FRCP6: Final = Citations(
    "FRCP 6(a)(1)(A)", "FRCP 6(a)(1)(B)", "FRCP 6(a)(1)(C); FRCP 6(a)(6)", "FRCP 6(a)(5)", "FRCP 6(d)",
    "FRCP 6(a)(4)(A)", "electronic filing ends at midnight in the court's time zone",
)
FRAP26: Final = Citations(
    "FRAP 26(a)(1)(A)", "FRAP 26(a)(1)(B)", "FRAP 26(a)(1)(C); FRAP 26(a)(6)", "FRAP 26(a)(5)", "FRAP 26(c)",
    "FRAP 26(a)(4)(A)-(B)",
    "electronic filing ends at midnight in the district court's or the circuit clerk's time zone",
)
EOIR: Final = Citations(
    "8 CFR 1003.38(b); 8 CFR 1001.1(h) (day of the event not counted)",
    "8 CFR 1001.1(h) (calendar days, weekends and holidays included)",
    "8 CFR 1003.38(b); 8 CFR 1001.1(h)",
    "EOIR backward count: rolled to the earlier business day "
    "(docs/domain/deadlines.md#rule-catalog default, unconfirmed)",
    "8 CFR 1003.38(c); ICPM 3.1(a)(3) (receipt rule)",
    "8 CFR 1003.38(c); ICPM 3.1(a)(3)",
    "the filing must be received by the court or Board by then - no mailbox rule",
)


@lru_cache(maxsize=256)
def statute_citations(statute: str) -> Citations:
    """A statute that states only the period borrows FRCP 6(a)'s method (FRCP 6(a) covers statutes)."""
    return Citations(
        f"{statute}; FRCP 6(a)(1)(A)", f"{statute}; FRCP 6(a)(1)(B)", FRCP6.roll, FRCP6.backward_roll,
        FRCP6.mail, FRCP6.due, FRCP6.due_reason,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a regime function computes; ``compute`` wraps it into a ``Computation``."""

    earliest: date
    latest: date
    earliest_at: datetime
    latest_at: datetime
    trace: list[TraceStep]
    notes: tuple[str, ...] = ()


def add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic; a day missing from the target month becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def advance(trigger: date, period: int, unit: str, sign: int) -> tuple[date, date]:
    """Last day of the period, and its alternative when a month-end was clamped.

    "One month after 31 January" is 28/29 February on one reading and 1 March on another (same for
    a 29 February trigger plus one year): the first is the earliest candidate, the second the latest.
    """
    if unit == "days":
        last = trigger + timedelta(days=sign * period)
        return last, last
    last = add_months(trigger, sign * period * (12 if unit == "years" else 1))
    if sign > 0 and last.day != trigger.day:
        return last, last + ONE_DAY
    return last, last


def roll_day(day: date, step: timedelta, mask: int, state: str | None) -> date:
    """FRCP 6(a)(1)(C)/(a)(5): move off Saturdays, Sundays and legal holidays in ``step``'s direction."""
    while day.weekday() >= 5 or year_flags(day.year, state).get(day, 0) & mask:
        day += step
    return day


def _finish(day: date, step: timedelta, mask: int, state: str | None, mail_days: int, roll: bool) -> date:
    if roll:
        day = roll_day(day, step, mask, state)
    if mail_days:
        # FRCP 6(d) / FRAP 26(c): the 3 days are added after the period would otherwise expire
        # under 6(a) (i.e. after the roll); a third day on a weekend/holiday rolls again.
        day = day + timedelta(days=mail_days)
        if roll:
            day = roll_day(day, ONE_DAY, mask, state)
    return day


def count_calendar_period(
    trigger: date,
    period: int,
    *,
    cites: Citations,
    tz: ZoneInfo,
    unit: str = "days",
    backward: bool = False,
    state: str | None = None,
    mail_days: int = 0,
    mail_label: str = "service by mail",
    roll: bool = True,
    end_time: time = END_OF_DAY,
    trigger_label: str = "triggering event",
    with_trace: bool = True,
) -> Outcome:
    """Shared engine: count calendar days (or months/years), roll, add mail days, roll again.

    ``state`` is the court's state when the regime recognises state holidays (FRCP 6(a)(6)(C));
    they only ever apply to forward periods, on the broad reading.
    """
    sign = -1 if backward else 1
    step = -ONE_DAY if backward else ONE_DAY
    if backward:
        mail_days = 0  # the 6(d)/26(c) days apply only to periods running after service
    broad = BROAD_MASK | (STATE if state and not backward else 0)
    last, last_alt = advance(trigger, period, unit, sign)
    strict_end = _finish(last, step, STRICT_MASK, state, mail_days, roll)
    broad_end = _finish(last_alt, step, broad, state, mail_days, roll)
    earliest, latest = (strict_end, broad_end) if strict_end <= broad_end else (broad_end, strict_end)
    earliest_at = datetime.combine(earliest, end_time, tz)
    latest_at = earliest_at if latest == earliest else datetime.combine(latest, end_time, tz)
    notes: tuple[str, ...] = ()
    if roll and year_flags(earliest.year, state).get(earliest, 0) & broad:
        notes = (
            (
                f"The earliest safe date ({earliest.isoformat()}) is an observed holiday, closure or state "
                "holiday: the clerk's office may be closed - file electronically or the day before."
            ),
        )
    trace: list[TraceStep] = []
    if with_trace:
        trace = count_steps(trigger, period, unit, sign, cites, state, trigger_label)
        mail = (mail_days, mail_label)
        strict_path = _reading_path(last, step, STRICT_MASK, state, cites, backward, mail, roll)
        broad_path = _reading_path(last_alt, step, broad, state, cites, backward, mail, roll)
        if last_alt != last:
            broad_path.insert(0, TraceStep(
                last_alt.isoformat(), "count",
                "that day does not exist in the final month: on this reading the period ends on the "
                "first day of the next month", cites.count,
            ))
        first, second = (strict_path, broad_path) if strict_end <= broad_end else (broad_path, strict_path)
        if earliest == latest:
            trace += first + [due_step(earliest_at, "due (every reading agrees)", cites)]
        else:
            trace += merge_readings(
                first + [due_step(earliest_at, EARLIEST_LABEL, cites)],
                second + [due_step(latest_at, LATEST_LABEL, cites)],
                LATEST_READING,
            )
    return Outcome(earliest, latest, earliest_at, latest_at, trace, notes)


def due_step(at: datetime, label: str, cites: Citations) -> TraceStep:
    """The final step of a reading: the due day and the instant it ends."""
    zone = getattr(at.tzinfo, "key", str(at.tzinfo))
    return TraceStep(
        at.date().isoformat(), "due",
        f"{label}: {WEEKDAY_NAMES[at.weekday()]}, ends {at:%H:%M:%S} {zone} ({cites.due_reason})", cites.due,
    )


def count_steps(
    trigger: date, period: int, unit: str, sign: int, cites: Citations, state: str | None, label: str
) -> list[TraceStep]:
    steps = [TraceStep(
        trigger.isoformat(), "start",
        f"{label} on {WEEKDAY_NAMES[trigger.weekday()]}: day 0, not counted", cites.start,
    )]
    if unit != "days":
        months = period * (12 if unit == "years" else 1)
        for k in range(1, months + 1):
            day = add_months(trigger, sign * k)
            steps.append(TraceStep(day.isoformat(), "count", f"month {k} of {months}", cites.count))
        return steps
    direction = " (counting backward)" if sign < 0 else ""
    day, step = trigger, ONE_DAY * sign
    year, flags = day.year, year_flags(day.year, state)
    cite, append = cites.count, steps.append
    for k in range(1, period + 1):
        day += step
        if day.year != year:
            year, flags = day.year, year_flags(day.year, state)
        wd = day.weekday()
        if wd < 5 and day not in flags:
            append(TraceStep(iso(day), "count", f"day {k} of {period}{direction}", cite))
            continue
        what = ([WEEKDAY_NAMES[wd]] if wd >= 5 else []) + [e.name for e in entries_on(day, state)]
        reason = f"day {k} of {period}{direction} ({', '.join(what)}: counted)"
        append(TraceStep(iso(day), "count", reason, cite))
    return steps


_ISO_CACHE: dict[date, str] = {}


def iso(day: date) -> str:
    """``day.isoformat()``, memoised: traces format the same few thousand dates over and over."""
    text = _ISO_CACHE.get(day)
    if text is None:
        if len(_ISO_CACHE) > 200_000:
            _ISO_CACHE.clear()
        text = _ISO_CACHE[day] = day.isoformat()
    return text


def roll_steps(
    day: date, step: timedelta, mask: int, state: str | None, cite: str, backward: bool, out: list[TraceStep]
) -> date:
    """``roll_day`` that also records each skipped day and the landing day in ``out``."""
    direction = "previous" if backward else "next"
    moved = False
    while True:
        wd = day.weekday()
        hits = [e for e in entries_on(day, state) if e.flag & mask]
        if wd >= 5:
            named = f" ({'; '.join(e.name for e in hits)})" if hits else ""
            out.append(TraceStep(
                day.isoformat(), "skip-weekend",
                f"{WEEKDAY_NAMES[wd]}{named}: the period continues to the {direction} day", cite,
            ))
        elif hits:
            names = "; ".join(f"{e.name} - {KIND_REASON[e.kind]}" for e in hits)
            citations = "; ".join(dict.fromkeys(e.citation for e in hits))
            out.append(TraceStep(
                day.isoformat(), "skip-holiday", f"{names}: the period continues to the {direction} day",
                citations,
            ))
        else:
            break
        moved = True
        day += step
    if moved:
        out.append(TraceStep(
            day.isoformat(), "roll",
            f"{WEEKDAY_NAMES[day.weekday()]} is the {direction} day that is not a Saturday, Sunday or "
            "legal holiday", cite,
        ))
    return day


def _reading_path(
    day: date, step: timedelta, mask: int, state: str | None, cites: Citations, backward: bool,
    mail: tuple[int, str], roll: bool,
) -> list[TraceStep]:
    mail_days, mail_label = mail
    path: list[TraceStep] = []
    cite = cites.backward_roll if backward else cites.roll
    if roll:
        day = roll_steps(day, step, mask, state, cite, backward, path)
    if mail_days:
        for i in range(1, mail_days + 1):
            day += ONE_DAY
            reason = f"{mail_label}: day {i} of {mail_days} added after the period would otherwise expire"
            path.append(TraceStep(day.isoformat(), "add-mail-days", reason, cites.mail))
        if roll:
            roll_steps(day, ONE_DAY, mask, state, cites.roll, False, path)
    return path
