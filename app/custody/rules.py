"""Per-status rules for a custody event (pure; used by the API and by the CSV intake).

- detained statuses (detained_ice, detained_other_us, hospitalized) name a facility or carry location text;
- abroad statuses (removals, held by a foreign government, voluntary departure) carry the destination/current
  country (ISO 3166-1 alpha-2), taken from a foreign facility when one is given; only those and in_transit
  may carry a country at all;
- ``effective_at`` is timezone-aware and not in the future (5 minutes of clock skew allowed); a report
  cannot precede what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.custody.statuses import allows_country, requires_country, requires_location

if TYPE_CHECKING:
    from app.custody.merged_facility import MergedFacility
    from app.custody.models import Facility

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class RuleError:
    field: str
    code: str
    message: str


def check_event(*, status: str, effective_at: datetime, reported_at: datetime | None,
                facility: Facility | MergedFacility | None,
                location_text: str | None, country: str | None, now: datetime) -> tuple[str | None, list[RuleError]]:
    """Validate one event; returns (country to store, errors)."""
    errors: list[RuleError] = []
    if effective_at.tzinfo is None:
        errors.append(RuleError("effective_at", "naive_datetime", "effective_at needs a UTC offset."))
    elif effective_at > now + CLOCK_SKEW:
        errors.append(RuleError("effective_at", "effective_at_in_future", "effective_at is in the future."))
    if reported_at is not None and reported_at.tzinfo is not None and effective_at.tzinfo is not None:
        if reported_at > now + CLOCK_SKEW:
            errors.append(RuleError("reported_at", "reported_at_in_future", "reported_at is in the future."))
        elif reported_at < effective_at:
            errors.append(RuleError("reported_at", "reported_before_effective",
                                    "reported_at is before effective_at."))
    if requires_location(status) and facility is None and not location_text:
        errors.append(RuleError("facility_id", "location_required",
                                f"Status {status!r} needs a facility_id or a location_text."))
    facility_country = facility.country if facility is not None else None
    if requires_country(status):
        if country is None and facility_country and facility_country != "US":
            country = facility_country
        if country is None:
            errors.append(RuleError("country", "country_required",
                                    f"Status {status!r} needs the destination or current country."))
        elif country == "US":
            errors.append(RuleError("country", "invalid_country", "A removal or stay abroad cannot be in the US."))
        elif facility_country and facility_country != "US" and facility_country != country:
            errors.append(RuleError("country", "country_mismatch", "country differs from the facility's country."))
    elif country is not None and not allows_country(status):
        errors.append(RuleError("country", "country_not_allowed",
                                f"Status {status!r} does not take a country."))
    return country, errors
