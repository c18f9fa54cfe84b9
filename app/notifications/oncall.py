"""Who is on call, and who each escalation step reaches: pure functions over the rotation (no database).

A rotation is a list of shifts ``{"user_id", "starts_at", "ends_at"}`` in priority order and a list of steps
``{"after_minutes", "notify"}``. ``notify`` is one of:

- ``on_call``: the first shift whose window covers the instant;
- ``backup``: the second covering shift (overlapping windows name a primary and a backup), else the person
  of the next shift to start (the next on call);
- ``all_attorneys`` / ``all_admins`` / ``all_staff``: every active user with that role.

A step that names nobody (no rotation, a gap in the shifts) reaches every attorney instead: a critical alert
must never be delivered to no one (docs/notifications.md "Escalation").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

TARGETS = ("on_call", "backup", "all_attorneys", "all_admins", "all_staff")
DEFAULT_STEPS: list[dict[str, Any]] = [
    {"after_minutes": 0, "notify": "on_call"},
    {"after_minutes": 5, "notify": "backup"},
    {"after_minutes": 15, "notify": "all_attorneys"},
]


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def covering(shifts: list[dict[str, Any]], now: datetime) -> list[str]:
    return [str(s["user_id"]) for s in shifts if _at(s["starts_at"]) <= now < _at(s["ends_at"])]


def step_users(shifts: list[dict[str, Any]], target: str, now: datetime) -> list[str] | None:
    """User ids a rotation target names at ``now``; None for the role-wide targets (resolved by the caller)."""
    if target.startswith("all_"):
        return None
    on = covering(shifts, now)
    if target == "on_call":
        return on[:1]
    if len(on) > 1:
        return on[1:2]
    upcoming = sorted((s for s in shifts if _at(s["starts_at"]) > now), key=lambda s: _at(s["starts_at"]))
    nxt = [str(s["user_id"]) for s in upcoming if str(s["user_id"]) not in on]
    return nxt[:1]


def step_for(steps: list[dict[str, Any]], index: int) -> dict[str, Any]:
    """Step ``index``; past the last step, the last step again (it repeats until someone acknowledges)."""
    return steps[min(index, len(steps) - 1)]


def next_step_at(steps: list[dict[str, Any]], index: int, started: datetime, done_at: datetime,
                 repeat_minutes: int) -> datetime:
    """When step ``index + 1`` is due, ``index`` having just run at ``done_at``."""
    if index + 1 < len(steps):
        return started + timedelta(minutes=int(steps[index + 1]["after_minutes"]))
    return done_at + timedelta(minutes=repeat_minutes)
