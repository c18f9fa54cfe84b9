"""Facility use cases: the shared seeded list (organization_id NULL) plus each organization's own.

Shared facilities are loaded with ``dueprocess seed-facilities`` / ``import-facilities FILE`` (an
idempotent upsert keyed as docs/facilities_csv.md says); organizations add their own through the API.
"""

from __future__ import annotations

import csv
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core import audit
from app.core.errors import ProblemError, conflict
from app.core.types import utcnow
from app.core_data.districts import DISTRICTS, district_display_name, districts_in_state
from app.core_data.names import fold_for_search
from app.custody.facility_csv import ICE_FIELD_OFFICES, facility_identity
from app.custody.models import Facility
from app.custody.schemas import FacilityCreate, FacilityPublic, FacilitySummary

# Columns an import may set (CSV column -> model attribute; ``notes`` goes to visitation_info).
IMPORT_FIELDS: tuple[str, ...] = (
    "external_id", "name", "aliases", "type", "operator", "address", "city", "state", "zip", "county", "country",
    "federal_district", "circuit", "ice_field_office", "immigration_court", "ice_detloc_code", "phone",
    "custodian_name", "custodian_title", "source", "as_of", "verified", "visitation_info",
)
_FIELD_OFFICES = {o.casefold(): o for o in ICE_FIELD_OFFICES} | {
    "new york": "New York City", "saint paul": "St. Paul", "st paul": "St. Paul", "washington dc": "Washington",
    "washington, dc": "Washington", "washington, d.c.": "Washington",
}


def visible(org_id: uuid.UUID) -> Any:
    """Shared facilities and the organization's own."""
    return sa.or_(Facility.organization_id.is_(None), Facility.organization_id == org_id)  # type: ignore[union-attr,arg-type]


def to_public(fac: Facility) -> FacilityPublic:
    return FacilityPublic(
        id=fac.id, shared=fac.organization_id is None, external_id=fac.external_id, name=fac.name,
        aliases=list(fac.aliases or []), type=fac.type, operator=fac.operator, address=fac.address, city=fac.city,
        state=fac.state, zip=fac.zip, county=fac.county, country=fac.country, federal_district=fac.federal_district,
        federal_district_name=district_name(fac.federal_district),
        circuit=fac.circuit, ice_field_office=fac.ice_field_office, immigration_court=fac.immigration_court,
        ice_detloc_code=fac.ice_detloc_code, phone=fac.phone, visitation_info=fac.visitation_info,
        custodian_name=fac.custodian_name, custodian_title=fac.custodian_title, source=fac.source, as_of=fac.as_of,
        verified=fac.verified, version=fac.version, created_at=fac.created_at, updated_at=fac.updated_at,
    )


def district_name(court_id: str | None) -> str | None:
    """"District of Maryland" for ``mdd``; None for no or an unknown id."""
    return district_display_name(court_id) if court_id is not None and court_id in DISTRICTS else None


def to_summary(fac: Facility) -> FacilitySummary:
    return FacilitySummary(id=fac.id, name=fac.name, type=fac.type, city=fac.city, state=fac.state,
                           country=fac.country, federal_district=fac.federal_district)


def _matches(fac: Facility, tokens: list[str]) -> bool:
    hay = fold_for_search(" ".join([fac.name, *(fac.aliases or []), fac.city or "", fac.external_id or ""]))
    return all(t in hay for t in tokens)


def list_facilities(session: Session, org_id: uuid.UUID, *, q: str | None = None, state: str | None = None,
                    federal_district: str | None = None, type: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[Facility], int]:
    """Visible facilities in a stable order (name, id). ``q`` matches names, aliases and city, accent- and
    case-insensitively (the visible list is small: folding happens here, identically on both backends)."""
    conds: list[Any] = [visible(org_id)]
    if state:
        conds.append(Facility.state == state.strip().upper())
    if federal_district:
        conds.append(Facility.federal_district == federal_district.strip().lower())
    if type:
        conds.append(Facility.type == type)
    order = (Facility.name, Facility.id)
    tokens = fold_for_search(q).split() if q else []
    if tokens:
        rows = [f for f in session.exec(select(Facility).where(*conds).order_by(*order)).all()  # type: ignore[arg-type]
                if _matches(f, tokens)]
        return rows[offset:offset + limit], len(rows)
    total = int(session.execute(sa.select(sa.func.count()).select_from(Facility).where(*conds)).scalar_one())
    rows = list(session.exec(select(Facility).where(*conds).order_by(*order)  # type: ignore[arg-type]
                             .limit(limit).offset(offset)).all())
    return rows, total


def _invalid(field: str, code: str, message: str) -> ProblemError:
    return ProblemError(422, code, message, extra={"errors": [{"loc": ["body", field], "msg": message,
                                                               "type": code}]})


def _venue(body: FacilityCreate) -> tuple[str | None, str | None]:
    """(federal_district, circuit) for a new facility, or 422."""
    if body.country != "US":
        if body.federal_district:
            raise _invalid("federal_district", "district_abroad", "Facilities abroad have no federal district.")
        if body.state:
            raise _invalid("state", "state_abroad", "Use 'county' for a subdivision abroad; 'state' is USPS only.")
        return None, None
    if not body.state:
        raise _invalid("state", "state_required", "U.S. facilities need a state.")
    if body.federal_district:
        d = DISTRICTS.get(body.federal_district)
        if d is None:
            raise _invalid("federal_district", "invalid_district",
                           "Not a PACER district court id (e.g. 'mdd', 'txsd').")
        if d.state != body.state:
            raise _invalid("federal_district", "district_state_mismatch", "The district is not in that state.")
        return d.court_id, d.circuit
    candidates = districts_in_state(body.state)
    if len(candidates) == 1:
        return candidates[0].court_id, candidates[0].circuit
    raise _invalid("federal_district", "federal_district_required",
                   "This state has several districts: give the facility's federal_district (habeas venue).")


def create_facility(ctx: Any, session: Session, body: FacilityCreate) -> Facility:
    """Create an organization-owned facility (district validated or derived); audited; one commit."""
    district, circuit = _venue(body)
    office = None
    if body.ice_field_office:
        office = _FIELD_OFFICES.get(body.ice_field_office.casefold())
        if office is None:
            raise _invalid("ice_field_office", "invalid_field_office", "Unknown ICE field office.")
    if body.external_id:
        dup = session.exec(select(Facility.id).where(Facility.organization_id == ctx.org_id,
                                                     Facility.external_id == body.external_id)).first()
        if dup is not None:
            raise conflict("facility_exists", "The organization already has a facility with this external_id.")
    data = body.model_dump(exclude={"federal_district", "ice_field_office", "type"})
    fac = Facility(organization_id=ctx.org_id, type=body.type.value, federal_district=district, circuit=circuit,
                   ice_field_office=office, verified=False, **data)
    session.add(fac)
    session.flush()
    audit.record(session, ctx, "facility.create", "facility", fac.id, {"fields": sorted(body.model_fields_set)})
    session.commit()
    return fac


# --- CSV upsert (shared seed list or an organization's own list) --------------------------------

def _column_limits() -> dict[str, int]:
    table = Facility.__table__  # type: ignore[attr-defined]
    return {c.name: c.type.length for c in table.columns if getattr(c.type, "length", None)}


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: row.get(k) for k in IMPORT_FIELDS if k != "visitation_info"}
    values["visitation_info"] = row.get("notes")
    values["type"] = str(getattr(row["type"], "value", row["type"]))
    values["aliases"] = list(row.get("aliases") or [])
    values["country"] = row.get("country") or "US"
    values["verified"] = bool(row.get("verified"))
    return values


def _keys(fac: Facility) -> list[tuple[str, str]]:
    row = {"external_id": fac.external_id, "name": fac.name, "state": fac.state, "country": fac.country}
    keys = [facility_identity(row)]
    if fac.external_id:
        keys.append(facility_identity({**row, "external_id": None}))
    return keys


def csv_columns(data: str | bytes) -> set[str]:
    """Model attributes a facility CSV carries (from its header), so that an update leaves the others alone."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    cols = {h.strip().lower().replace(" ", "_") for h in next(csv.reader([first], delimiter=delimiter), [])}
    out = {c for c in cols if c in IMPORT_FIELDS} | {"type", "name"}
    if "notes" in cols:
        out.add("visitation_info")
    if "federal_district" in cols or "circuit" in cols:
        out |= {"federal_district", "circuit"}
    if "state" in cols or "country" in cols:
        out |= {"state", "country", "federal_district", "circuit"}
    return out


def upsert_facilities(session: Session, rows: list[dict[str, Any]], *, org_id: uuid.UUID | None = None,
                      dry_run: bool = False, columns: set[str] | None = None) -> dict[str, Any]:
    """Insert or update parsed CSV rows (``parse_facilities_csv``) in the shared list (``org_id`` None) or
    in an organization's list. Idempotent: a second run reports everything ``unchanged``. An update only
    touches ``columns`` (the file's columns, see ``csv_columns``) when given. No commit."""
    limits = _column_limits()
    errors: list[dict[str, Any]] = []
    owner = Facility.organization_id.is_(None) if org_id is None else Facility.organization_id == org_id  # type: ignore[union-attr]
    existing: dict[tuple[str, str], Facility] = {}
    for fac in session.exec(select(Facility).where(owner)).all():
        for key in _keys(fac):
            existing.setdefault(key, fac)
    created = updated = unchanged = 0
    now = utcnow()
    pending: list[tuple[Facility | None, dict[str, Any]]] = []
    for row in rows:
        values = _row_values(row)
        too_long = [k for k, v in values.items() if isinstance(v, str) and k in limits and len(v) > limits[k]]
        if too_long:
            errors += [{"line": row.get("line"), "column": "notes" if k == "visitation_info" else k,
                        "code": "too_long", "message": f"Longer than {limits[k]} characters."} for k in too_long]
            continue
        match = existing.get(facility_identity(row))
        if match is None and row.get("external_id"):
            match = existing.get(facility_identity({**row, "external_id": None}))
        pending.append((match, values))
    if errors:
        return {"created": 0, "updated": 0, "unchanged": 0, "errors": errors, "dry_run": dry_run}
    for target, values in pending:
        if target is None:
            created += 1
            if not dry_run:
                session.add(Facility(organization_id=org_id, created_at=now, updated_at=now, **values))
            continue
        fac = target
        changes = {k: v for k, v in values.items()
                   if (columns is None or k in columns) and _differs(getattr(fac, k), v)}
        if not changes:
            unchanged += 1
            continue
        updated += 1
        if not dry_run:
            for k, v in changes.items():
                setattr(fac, k, v)
            fac.version += 1
            fac.updated_at = now
            session.add(fac)
    if not dry_run:
        session.flush()
    return {"created": created, "updated": updated, "unchanged": unchanged, "errors": [], "dry_run": dry_run}


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, date) or isinstance(new, date):
        return current != new
    if current in (None, "") and new in (None, ""):
        return False
    return bool(current != new)


def visible_facilities(session: Session, org_id: uuid.UUID) -> list[Facility]:
    """Every facility the organization may reference (for the CSV intake's facility columns)."""
    return list(session.exec(select(Facility).where(visible(org_id))).all())
