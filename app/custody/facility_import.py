"""Facility CSV upsert: the shared seed list (``dueprocess seed-facilities`` / ``import-facilities``) or an
organization's own list (``POST /facilities/import``). Rows come validated from
``app.custody.facility_csv.parse_facilities_csv``; the upsert is keyed as docs/facilities_csv.md says,
idempotent, and never touches an organization's overlay on a shared facility."""

from __future__ import annotations

import csv
import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.core.types import table_of, utcnow
from app.custody.facility_csv import facility_identity
from app.custody.facility_overlay import visible
from app.custody.models import Facility

# Columns an import may set (CSV column -> model attribute; ``notes`` goes to visitation_info).
IMPORT_FIELDS: tuple[str, ...] = (
    "external_id", "name", "aliases", "type", "operator", "address", "city", "state", "zip", "county", "country",
    "federal_district", "circuit", "ice_field_office", "immigration_court", "ice_detloc_code", "phone",
    "custodian_name", "custodian_title", "source", "as_of", "verified", "visitation_info",
)


def _column_limits() -> dict[str, int]:
    table = table_of(Facility)
    return {c.name: int(getattr(c.type, "length", 0)) for c in table.columns if getattr(c.type, "length", None)}


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: row.get(k) for k in IMPORT_FIELDS if k != "visitation_info"}
    values["visitation_info"] = row.get("visitation_info") or row.get("notes")
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
    owner = col(Facility.organization_id).is_(None) if org_id is None else Facility.organization_id == org_id
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
        return bool(current != new)
    if current in (None, "") and new in (None, ""):
        return False
    return bool(current != new)


def visible_facilities(session: Session, org_id: uuid.UUID) -> list[Facility]:
    """Every facility the organization may reference (for the CSV intake's facility columns)."""
    return list(session.exec(select(Facility).where(visible(org_id))).all())
