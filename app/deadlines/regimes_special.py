"""Engines for periods that are not plain calendar-day counts.

* hours (FRCP 6(a)(2), FRAP 26(a)(2)): count every elapsed hour from the event;
* business days (e.g. D. Md. Amended Standing Order 2025-01: "4:00 p.m. on the second business day");
* anniversary (asylum one-year bar, 8 U.S.C. 1158(a)(2)(B));
* order-defined instants (a judge's "by 9:30 AM ET on Friday, April 11, 2025"): never recomputed.

Same two readings of "legal holiday" as ``regimes_calendar``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from app.deadlines.holidays_us import STATE, entries_on, is_legal_holiday, year_flags
from app.deadlines.regimes_calendar import (
    BROAD_MASK,
    EARLIEST_LABEL,
    LATEST_LABEL,
    LATEST_READING,
    ONE_DAY,
    STRICT_MASK,
    Citations,
    Outcome,
    add_months,
    count_steps,
    due_step,
    roll_day,
    roll_steps,
)
from app.deadlines.trace import WEEKDAY_NAMES, TraceStep, merge_readings

FRCP6_HOURS: Final = Citations(
    "FRCP 6(a)(2)(A)", "FRCP 6(a)(2)(B)", "FRCP 6(a)(2)(C); FRCP 6(a)(6)", "FRCP 6(a)(5)", "FRCP 6(d)",
    "FRCP 6(a)(2)", "a period stated in hours ends at the clock time reached",
)
FRAP26_HOURS: Final = Citations(
    "FRAP 26(a)(2)(A)", "FRAP 26(a)(2)(B)", "FRAP 26(a)(2)(C); FRAP 26(a)(6)", "FRAP 26(a)(5)", "FRAP 26(c)",
    "FRAP 26(a)(2)", "a period stated in hours ends at the clock time reached",
)


@lru_cache(maxsize=256)
def hours_citations(source: str) -> Citations:
    """A statute or regulation stating a period in hours, computed by FRCP 6(a)(2)'s method."""
    c = FRCP6_HOURS
    return Citations(f"{source}; {c.start}", f"{source}; {c.count}", c.roll, c.backward_roll, c.mail,
                     f"{source}; {c.due}", c.due_reason)


@lru_cache(maxsize=256)
def business_day_citations(source: str) -> Citations:
    """Business days: Monday-Friday excluding legal holidays (FRCP 6(a)(6) list,
    docs/domain/deadlines.md#counting-regimes)."""
    return Citations(
        f"{source}: the day of the event is not a business day of the period",
        f"{source}: Monday-Friday excluding legal holidays (FRCP 6(a)(6) holiday list)",
        f"{source}; FRCP 6(a)(6)", f"{source}; FRCP 6(a)(6)", "", source, "time of day set by the rule",
    )


@lru_cache(maxsize=256)
def anniversary_citations(source: str) -> Citations:
    return Citations(
        f"{source}: the day of last arrival is day 0",
        "Minasyan v. Mukasey (9th Cir. 2009): an application filed on the anniversary was timely",
        "weekend/holiday roll reported by a practitioner guide "
        "(docs/domain/deadlines.md#counting-regimes, partly verified)",
        "", "", source, "the application must be filed by the end of that day",
    )


@lru_cache(maxsize=256)
def order_citations(source: str) -> Citations:
    return Citations(
        f"{source}: counted from entry", f"{source}: counted from entry", "", "", "", source,
        "outer limit set by the rule; the order's own time controls and is never recomputed",
    )


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time; a time skipped by a DST change moves one hour later."""
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _same_time_on(day: date, at: datetime, tz: ZoneInfo) -> datetime:
    return at if day == at.date() else localize(datetime.combine(day, at.time()), tz)


def _finish_instant(at: datetime, step: timedelta, mask: int, state: str | None, mail_days: int,
                    tz: ZoneInfo) -> datetime:
    # FRCP 6(a)(2)(C): a period ending on a weekend/holiday runs to the same time on the next day
    # that is not one (previous day for backward periods, 6(a)(5)); 6(d) days are added after.
    at = _same_time_on(roll_day(at.date(), step, mask, state), at, tz)
    if mail_days:
        day = roll_day(at.date() + timedelta(days=mail_days), ONE_DAY, mask, state)
        at = _same_time_on(day, at, tz)
    return at


def count_hours(
    start: datetime, hours: int, *, cites: Citations, tz: ZoneInfo, backward: bool = False,
    state: str | None = None, mail_days: int = 0, mail_label: str = "service by mail",
    with_trace: bool = True,
) -> Outcome:
    """Count every hour from the event (FRCP 6(a)(2)(A)-(B)); roll to the same time (6(a)(2)(C)).

    Across a daylight-saving change "count every hour" (elapsed time) and the wall clock differ by
    an hour; both are computed and the earlier is the safe one.
    """
    sign, step = (-1, -ONE_DAY) if backward else (1, ONE_DAY)
    mail_days = 0 if backward else mail_days
    broad = BROAD_MASK | (STATE if state and not backward else 0)
    local = start.astimezone(tz)
    delta = timedelta(hours=hours * sign)
    elapsed = (local.astimezone(UTC) + delta).astimezone(tz)
    wall = localize(local.replace(tzinfo=None) + delta, tz)
    ends = (elapsed,) if wall == elapsed else (elapsed, wall)
    options = [(_finish_instant(end, step, mask, state, mail_days, tz), end, mask)
               for end in ends for mask in (STRICT_MASK, broad)]
    first = min(options, key=lambda o: o[0])
    second = max(options, key=lambda o: o[0])
    notes: tuple[str, ...] = ()
    if wall != elapsed:
        notes = (
            (
                f"The period crosses a daylight-saving change: counting every elapsed hour ends at "
                f"{elapsed.isoformat()}, the wall clock reading at {wall.isoformat()}; the earlier is safe."
            ),
        )
    trace: list[TraceStep] = []
    if with_trace:
        trace = [TraceStep(local.date().isoformat(), "start",
                           f"event at {local.isoformat()}: counting begins immediately", cites.start)]
        done = 0
        while done < hours:
            block = min(done + 24, hours)
            at = (local.astimezone(UTC) + timedelta(hours=block * sign)).astimezone(tz)
            trace.append(TraceStep(at.date().isoformat(), "count",
                                   f"hours {done + 1}-{block} of {hours} counted, weekends and holidays "
                                   f"included; elapsed time reaches {at.isoformat()}", cites.count))
            done = block

        def path(option: tuple[datetime, datetime, int], label: str) -> list[TraceStep]:
            due_at, end, mask = option
            out: list[TraceStep] = []
            if end is not elapsed:
                reason = f"wall-clock reading across the daylight-saving change: {end.isoformat()}"
                out.append(TraceStep(end.date().isoformat(), "count", reason, cites.count))
            day = roll_steps(end.date(), step, mask, state, cites.backward_roll if backward else cites.roll,
                             backward, out)
            if mail_days:
                for i in range(1, mail_days + 1):
                    out.append(TraceStep((day + timedelta(days=i)).isoformat(), "add-mail-days",
                                         f"{mail_label}: day {i} of {mail_days} added", cites.mail))
                roll_steps(day + timedelta(days=mail_days), ONE_DAY, mask, state, cites.roll, False, out)
            return out + [due_step(due_at, label, cites)]

        if first[0] == second[0]:
            trace += path(first, "due (every reading agrees)")
        else:
            trace += merge_readings(path(first, EARLIEST_LABEL), path(second, LATEST_LABEL), LATEST_READING)
    return Outcome(first[0].date(), second[0].date(), first[0], second[0], trace, notes)


def count_business_days(
    trigger: date, days: int, *, cites: Citations, tz: ZoneInfo, due_time: time, backward: bool = False,
    state: str | None = None, with_trace: bool = True,
) -> Outcome:
    """Count only Monday-Friday days that are not legal holidays; the trigger day is day 0."""
    step = -ONE_DAY if backward else ONE_DAY
    broad = BROAD_MASK | (STATE if state and not backward else 0)

    def walk(mask: int, out: list[TraceStep] | None) -> date:
        day, counted = trigger, 0
        while counted < days:
            day += step
            wd = day.weekday()
            if wd >= 5:
                if out is not None:
                    out.append(TraceStep(day.isoformat(), "skip-weekend",
                                         f"{WEEKDAY_NAMES[wd]} is not a business day", cites.count))
            elif year_flags(day.year, state).get(day, 0) & mask:
                if out is not None:
                    hits = [e for e in entries_on(day, state) if e.flag & mask]
                    out.append(TraceStep(day.isoformat(), "skip-holiday",
                                         "; ".join(e.name for e in hits) + " is not a business day",
                                         "; ".join(dict.fromkeys(e.citation for e in hits))))
            else:
                counted += 1
                if out is not None:
                    reason = f"business day {counted} of {days} ({WEEKDAY_NAMES[wd]})"
                    out.append(TraceStep(day.isoformat(), "count", reason, cites.count))
        return day

    ends = sorted(((walk(STRICT_MASK, None), STRICT_MASK), (walk(broad, None), broad)))
    earliest_at = datetime.combine(ends[0][0], due_time, tz)
    latest_at = datetime.combine(ends[1][0], due_time, tz)
    trace: list[TraceStep] = []
    if with_trace:
        trace = [TraceStep(trigger.isoformat(), "start",
                           f"event on {WEEKDAY_NAMES[trigger.weekday()]}: day 0, not counted", cites.start)]
        paths: list[list[TraceStep]] = [[], []]
        for i, (_, mask) in enumerate(ends):
            walk(mask, paths[i])
        if ends[0][0] == ends[1][0]:
            trace += paths[0] + [due_step(earliest_at, "due (every reading agrees)", cites)]
        else:
            trace += merge_readings(paths[0] + [due_step(earliest_at, EARLIEST_LABEL, cites)],
                                    paths[1] + [due_step(latest_at, LATEST_LABEL, cites)], LATEST_READING)
    return Outcome(ends[0][0], ends[1][0], earliest_at, latest_at, trace)


def anniversary(
    trigger: date, period: int, *, cites: Citations, tz: ZoneInfo, unit: str = "years",
    end_time: time = time(23, 59, 59), with_trace: bool = True,
) -> Outcome:
    """Last day = the anniversary (arrival is day 0); earliest safe = the day before it.

    A 29 February trigger has no anniversary in a common year: 28 February is used for the safe
    date and 1 March for the arguable one.
    """
    anniv = add_months(trigger, period * (12 if unit == "years" else 1))
    alt = anniv + ONE_DAY if anniv.day != trigger.day else anniv
    # cautious practitioner guides compute one day earlier (docs/domain/deadlines.md#counting-regimes)
    earliest = anniv - ONE_DAY
    latest = roll_day(alt, ONE_DAY, BROAD_MASK, None)
    earliest_at = datetime.combine(earliest, end_time, tz)
    latest_at = datetime.combine(latest, end_time, tz)
    notes = [
        (
            "Earliest safe = the day before the anniversary (cautious guides); latest arguable = the "
            "anniversary (Minasyan v. Mukasey), rolled past a weekend or legal holiday."
        )
    ]
    if alt != anniv:
        notes.append(f"Last arrival on 29 February: no anniversary in {anniv.year}; 28 February is used "
                     "for the safe date and 1 March for the arguable one.")
    if earliest.weekday() >= 5 or is_legal_holiday(earliest, BROAD_MASK):
        notes.append(f"The earliest safe date is a {WEEKDAY_NAMES[earliest.weekday()]} or holiday: offices "
                     "may be closed - file by the previous business day.")
    trace: list[TraceStep] = []
    if with_trace:
        span = f"{period} {unit.rstrip('s') if period == 1 else unit}"
        trace = [
            TraceStep(trigger.isoformat(), "start",
                      f"last arrival on {WEEKDAY_NAMES[trigger.weekday()]}: day 0", cites.start),
            TraceStep(anniv.isoformat(), "count", f"anniversary ({span}) of last arrival", cites.count),
        ]
        second: list[TraceStep] = []
        if alt != anniv:
            second.append(TraceStep(alt.isoformat(), "count", "1 March stands in for the missing 29 February",
                                    cites.count))
        roll_steps(alt, ONE_DAY, BROAD_MASK, None, cites.roll, False, second)
        trace += merge_readings(
            [due_step(earliest_at, EARLIEST_LABEL + " - the day before the anniversary", cites)],
            second + [due_step(latest_at, LATEST_LABEL, cites)], LATEST_READING)
    return Outcome(earliest, latest, earliest_at, latest_at, trace, tuple(notes))


def order_defined(*, tz: ZoneInfo, at: datetime | None = None, day: date | None = None,
                  end_time: time = time(23, 59, 59), source: str = "court order",
                  with_trace: bool = True) -> Outcome:
    """The literal instant a court order names, returned as is (only shown in the court's zone)."""
    if at is not None:
        due_at = at.astimezone(tz)
    elif day is not None:
        due_at = datetime.combine(day, end_time, tz)
    else:
        raise ValueError("order_defined needs the ordered instant or date")
    trace: list[TraceStep] = []
    if with_trace:
        given = at.isoformat() if at is not None else f"{due_at.date()} (no time given: end of day)"
        trace = [TraceStep(due_at.date().isoformat(), "start", f"time set by the order: {given}", source),
                 TraceStep(due_at.date().isoformat(), "due", f"due {due_at.isoformat()}: set by the order, "
                           "never recomputed (no weekend or holiday roll)", source)]
    return Outcome(due_at.date(), due_at.date(), due_at, due_at, trace)


def order_defined_cap(trigger: date, period: int, *, cites: Citations, tz: ZoneInfo, unit: str = "days",
                      at: datetime | None = None, end_time: time = time(23, 59, 59),
                      with_trace: bool = True) -> Outcome:
    """Outer limit a rule puts on an order (FRCP 65(b)(2): a TRO lasts at most 14 days). No roll."""
    if unit == "hours":
        if at is None:
            raise ValueError("an hours limit needs the instant of entry")
        due_at = (at.astimezone(UTC) + timedelta(hours=period)).astimezone(tz)
    else:
        last = add_months(trigger, period * (12 if unit == "years" else 1)) if unit != "days" \
            else trigger + timedelta(days=period)
        due_at = localize(datetime.combine(last, at.astimezone(tz).time()), tz) if at is not None \
            else datetime.combine(last, end_time, tz)
    trace: list[TraceStep] = []
    if with_trace:
        if unit == "hours":
            trace = [TraceStep(trigger.isoformat(), "start", "entry of the order", cites.start)]
        else:
            trace = count_steps(trigger, period, unit, 1, cites, None, "entry of the order")
        label = "latest possible expiry under the rule - check the order itself"
        trace.append(due_step(due_at, label, cites))
    return Outcome(due_at.date(), due_at.date(), due_at, due_at, trace)
