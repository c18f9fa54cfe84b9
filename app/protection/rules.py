"""Pure conflict rules: which facts about a custody event conflict with which orders (no database, no clock).

Each finding carries a ``dedupe_key`` built only from the facts (order id, country, district, ...), so the
same facts found twice map to the same open alert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.custody.statuses import ABROAD_STATUSES, IN_US_CUSTODY_STATUSES, CustodyStatus
from app.protection.models import COUNTRY_SCOPED_TYPES, AlertKind, OrderScope, OrderStatus, OrderType, Severity

S = CustodyStatus

# Events that name a country the person is being taken to or is held in.
TOWARD_COUNTRY_STATUSES = frozenset({
    S.IN_TRANSIT, S.REMOVED_TO_DESIGNATED_COUNTRY, S.REMOVED_TO_THIRD_COUNTRY, S.HELD_BY_FOREIGN_GOVERNMENT,
    S.VOLUNTARY_DEPARTURE,
})
# Removal by the government to a country (voluntary departure is the person's own choice of country).
THIRD_COUNTRY_STATUSES = frozenset({
    S.IN_TRANSIT, S.REMOVED_TO_DESIGNATED_COUNTRY, S.REMOVED_TO_THIRD_COUNTRY, S.HELD_BY_FOREIGN_GOVERNMENT,
})
BARRING_SCOPES = frozenset({OrderScope.all_removal, OrderScope.removal_from_continental_us})
# Outside the continental United States although U.S. territory (a "removal from the continental U.S.").
NON_CONTINENTAL_STATES = frozenset({"AK", "HI", "PR", "GU", "VI", "MP", "AS"})


class OrderLike(Protocol):
    id: uuid.UUID
    type: str
    scope: str
    status: str
    countries: list[str]
    federal_district: str | None
    expires_at: datetime | None
    designated_country: str | None
    alternate_countries: list[str]


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    dedupe_key: str
    details: dict[str, Any] = field(default_factory=dict)


def is_active(order: OrderLike, at: datetime) -> bool:
    """Active = status active AND not past its own expiry (a TRO lapses without anyone recording it)."""
    return order.status == OrderStatus.active and (order.expires_at is None or order.expires_at > at)


def effective_status(order: OrderLike, now: datetime) -> str:
    if order.status == OrderStatus.active and order.expires_at is not None and order.expires_at <= now:
        return OrderStatus.expired
    return str(order.status)


def is_country_scoped(order: OrderLike) -> bool:
    """Protects against removal to the listed countries (withholding, CAT, listed-country scope, asylum)."""
    return bool(order.countries) and (
        order.scope == OrderScope.removal_to_listed_countries
        or order.type in COUNTRY_SCOPED_TYPES
        or order.type == OrderType.asylum_grant
    )


def is_detention_status(status: str) -> bool:
    """In U.S. government hands (detained, hospitalized, arrested, in transit)."""
    return status in IN_US_CUSTODY_STATUSES


def may_conflict(status: str, country: str | None, has_facility: bool) -> bool:
    """Could an event with these facts conflict with any order at all? (If not, no lookups are needed.)"""
    abroad = bool(country) and str(country).upper() != "US"
    return (status in ABROAD_STATUSES or (abroad and status in TOWARD_COUNTRY_STATUSES)
            or (is_detention_status(status) and has_facility))


def _order_facts(o: OrderLike) -> dict[str, Any]:
    return {"order_id": str(o.id), "order_type": str(o.type), "order_scope": str(o.scope)}


def custody_findings(*, client_id: uuid.UUID, status: str, country: str | None, facility_district: str | None,
                     facility_state: str | None, event_id: uuid.UUID, orders: list[OrderLike], citizenships: list[str],
                     at: datetime, pending_habeas: list[tuple[uuid.UUID, str]]) -> list[Finding]:
    """Every conflict between one custody event and the client's orders in force at ``at``."""
    country = country.upper() if country else None
    abroad = country is not None and country != "US"
    active = [o for o in orders if is_active(o, at)]
    moving_abroad = status in ABROAD_STATUSES or (status == S.IN_TRANSIT and abroad)
    detained = is_detention_status(status)
    base = {"event_id": str(event_id), "status": status}
    out: list[Finding] = []

    if abroad and status in TOWARD_COUNTRY_STATUSES:
        for o in active:
            if is_country_scoped(o) and country in o.countries:
                out.append(Finding(AlertKind.removal_to_protected_country, Severity.critical,
                                   f"removal_to_protected_country:{o.id}:{country}",
                                   {**base, **_order_facts(o), "country": country}))

    for o in active:
        if o.scope not in BARRING_SCOPES:
            continue
        if moving_abroad:
            where = country or "unknown"
        elif (o.scope == OrderScope.removal_from_continental_us and detained
              and facility_state in NON_CONTINENTAL_STATES):
            where = f"US-{facility_state}"
        else:
            continue
        out.append(Finding(AlertKind.removal_while_barred, Severity.critical, f"removal_while_barred:{o.id}:{where}",
                           {**base, **_order_facts(o), "country": country, "place": where}))

    for o in active:
        if o.scope != OrderScope.transfer_out_of_district or not o.federal_district:
            continue
        if detained and facility_district and facility_district != o.federal_district:
            where = facility_district
        elif moving_abroad:
            where = country or "abroad"
        else:
            continue
        out.append(Finding(AlertKind.transfer_out_of_district_barred, Severity.critical,
                           f"transfer_out_of_district_barred:{o.id}:{where}",
                           {**base, **_order_facts(o), "order_district": o.federal_district, "new_place": where}))

    if detained and facility_district:
        for proceeding_id, district in pending_habeas:
            if district != facility_district:
                out.append(Finding(AlertKind.transfer_out_of_district_barred, Severity.high,
                                   f"transfer_out_of_district_barred:habeas:{proceeding_id}:{facility_district}",
                                   {**base, "proceeding_id": str(proceeding_id), "habeas_district": district,
                                    "new_place": facility_district}))

    if abroad and status in THIRD_COUNTRY_STATUSES:
        known = {c.upper() for c in citizenships}
        for o in orders:  # removal-order facts hold whatever the order's status
            if o.designated_country:
                known.add(o.designated_country)
            known.update(o.alternate_countries or [])
        # Nothing known about designation or nationality: no basis to call it a third country, unless the
        # event itself says so.
        if status == S.REMOVED_TO_THIRD_COUNTRY or (known and country not in known):
            out.append(Finding(AlertKind.third_country_removal, Severity.high,
                               f"third_country_removal:{client_id}:{country}",
                               {**base, "country": country}))
    return out
