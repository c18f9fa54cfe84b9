"""Benchmark: deadline computations per second on one core (goal >= 100,000/s for 30-day rules).

Random trigger dates 2020-2035; 30-day FRCP (a 30-day FRCP 6(a) rule) and EOIR (EOIR-APPEAL-IJ)
rules; with and without the trace. Holiday tables are warmed first (they are cached per year).

    .venv/bin/python bench/deadlines_compute.py [--n 200000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.deadlines.compute import RuleSpec


def run(rule: RuleSpec, triggers: list[date], *, with_trace: bool, state: str | None) -> float:
    from app.deadlines.compute import compute

    for trigger in triggers[:2000]:  # warm caches
        compute(rule, trigger_date=trigger, with_trace=with_trace, court_state=state)
    started = time.perf_counter()
    for trigger in triggers:
        compute(rule, trigger_date=trigger, with_trace=with_trace, court_state=state)
    return len(triggers) / (time.perf_counter() - started)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
    from app.deadlines.catalog import RULES
    from app.deadlines.compute import Direction, Regime, RuleSpec, Unit

    frcp_30 = RuleSpec(
        id="BENCH-FRCP-30", title="30-day FRCP period", trigger="event", period=30, unit=Unit.DAYS,
        direction=Direction.AFTER, regime=Regime.FRCP6, citation="FRCP 6(a)",
    )
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    first, span = date(2020, 1, 1), (date(2035, 12, 31) - date(2020, 1, 1)).days
    triggers = [first + timedelta(days=rng.randrange(span + 1)) for _ in range(args.n)]
    cases = [
        ("FRCP 6(a), 30 days", frcp_30, None),
        ("FRCP 6(a), 30 days, court state MD", frcp_30, "MD"),
        ("EOIR-APPEAL-IJ, 30 days", RULES["EOIR-APPEAL-IJ"], None),
    ]
    print(f"Deadline engine, one core, {args.n:,} random triggers 2020-2035, Python {sys.version.split()[0]}\n")
    print("| rule | trace | computations/s | µs each |")
    print("|---|---|---:|---:|")
    for label, rule, state in cases:
        for with_trace in (False, True):
            rate = run(rule, triggers, with_trace=with_trace, state=state)
            print(f"| {label} | {'yes' if with_trace else 'no'} | {rate:,.0f} | {1e6 / rate:.1f} |")


if __name__ == "__main__":
    main()
