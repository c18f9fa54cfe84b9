"""Computation trace: every counted, skipped and rolled day, each with its reason and citation.

docs/domain/README.md#never-one-silent-date and docs/domain/deadlines.md#engine-duties: a computed deadline never stands
alone as "the" date; it carries the
steps that produced it so an attorney can check it against the rule text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

TraceAction = Literal["start", "count", "skip-weekend", "skip-holiday", "roll", "add-mail-days", "due"]

ACTIONS: Final[frozenset[str]] = frozenset(
    {"start", "count", "skip-weekend", "skip-holiday", "roll", "add-mail-days", "due"}
)

WEEKDAY_NAMES: Final[tuple[str, ...]] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


@dataclass(slots=True)
class TraceStep:
    """One step of a deadline computation (a plain value object; not frozen because a trace
    has ~30-365 steps and frozen dataclasses are ~4x slower to build).

    ``date`` is an ISO 8601 calendar date (``YYYY-MM-DD``) in the court's time zone. Steps of an
    hours-period mention the exact instant in ``reason``.
    """

    date: str
    action: TraceAction
    reason: str
    citation: str

    def as_dict(self) -> dict[str, str]:
        """JSON-friendly form used in the API answer."""
        return {"date": self.date, "action": self.action, "reason": self.reason, "citation": self.citation}


def merge_readings(first: list[TraceStep], second: list[TraceStep], label: str) -> list[TraceStep]:
    """Return ``first`` followed by the part of ``second`` that diverges from it.

    Both lists describe the same computation under two readings of the law (e.g. an observed
    Friday treated or not treated as a legal holiday). Steps shared by both readings are shown
    once; the divergent steps of the second reading (except its final ``due`` step, which names
    itself) are prefixed with ``label``.
    """
    shared = 0
    for a, b in zip(first, second, strict=False):
        if a.date != b.date or a.action != b.action or a.action == "due":
            break
        shared += 1
    tail = [
        s if s.action == "due" else TraceStep(s.date, s.action, f"{label}: {s.reason}", s.citation)
        for s in second[shared:]
    ]
    return first + tail
