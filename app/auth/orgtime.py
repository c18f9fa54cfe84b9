"""The organization's clock: its time zone and its "today" (docs/design.md#wave-2).

Other domains call ``org_today(org, now)`` instead of ``now.date()`` (which is the UTC date, and in the
evening in the Americas already tomorrow). ``org`` may be the ``Organization`` row, the principal's
organization mapping (``ctx.principal.org``), a time-zone name, or None. Pure functions: the caller passes
``now`` (docs/design.md#time, no hidden clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias
from zoneinfo import ZoneInfo, available_timezones

if TYPE_CHECKING:
    from app.auth.models import Organization

DEFAULT_TIMEZONE = "America/New_York"

# What a caller may hold of its organization: the row, the principal's mapping, a zone name, or nothing.
OrgLike: TypeAlias = "Organization | Mapping[str, object] | str | None"


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # The system tz database also lists files that are not zones a person would choose (or that mean "this
    # server's zone"): leave them out.
    return frozenset(z for z in available_timezones()
                     if z not in {"localtime", "posixrules", "Factory"} and not z.startswith(("posix/", "right/")))


def is_valid_timezone(name: str) -> bool:
    """An IANA zone name known to this machine's tz database (``tzdata``); never a file path."""
    return name in _zones()


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _timezone_name(org: OrgLike) -> str | None:
    if org is None or isinstance(org, str):
        return org
    value = org.get("timezone") if isinstance(org, Mapping) else org.timezone
    return value if isinstance(value, str) else None


def org_zone(org: OrgLike) -> ZoneInfo:
    """The organization's zone; the default zone when it has none or an unknown one (old data)."""
    name = _timezone_name(org)
    if name and is_valid_timezone(name):
        return _zone(name)
    return _zone(DEFAULT_TIMEZONE)


def org_now(org: OrgLike, now: datetime) -> datetime:
    """``now`` (timezone-aware) on the organization's wall clock."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(org_zone(org))


def org_today(org: OrgLike, now: datetime) -> date:
    """The organization's calendar date at the instant ``now``."""
    return org_now(org, now).date()


def date_order(org: OrgLike) -> str:
    """How the organization writes numeric dates: ``MDY`` (default) or ``DMY``."""
    if org is None or isinstance(org, str):
        return "MDY"
    value = org.get("date_order") if isinstance(org, Mapping) else org.date_order
    return value if value in ("MDY", "DMY") else "MDY"
