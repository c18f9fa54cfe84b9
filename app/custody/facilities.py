"""Facility use cases: the shared seeded list (organization_id NULL) plus each organization's own.

Shared facilities are loaded with ``dueprocess seed-facilities`` / ``import-facilities FILE``
(``app.custody.facility_import``); organizations add their own through the API and annotate shared ones
through their overlay (``app.custody.facility_overlay``), which every read here merges in
(docs/facilities.md).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import ProblemError, conflict
from app.core.types import utcnow
from app.core_data.names import fold_for_search
from app.custody.facility_import import IMPORT_FIELDS, csv_columns, upsert_facilities, visible_facilities
from app.custody.facility_overlay import (
    facility_for,
    invalid,
    merge,
    merge_all,
    merged_by_id,
    update_overlay,
    visible,
    visible_row,
)
from app.custody.facility_rules import FacilityRuleError, resolve_field_office, resolve_venue
from app.custody.facility_schemas import FacilityCreate, FacilityUpdate, district_name
from app.custody.merged_facility import MergedFacility
from app.custody.models import Facility

__all__ = [
    "IMPORT_FIELDS", "MergedFacility", "create_facility", "csv_columns", "district_name", "facility_for",
    "list_facilities", "merge", "merge_all", "merged_by_id", "update_facility",
    "upsert_facilities", "visible", "visible_facilities",
]


# Abbreviations used in ICE's facility names and in everyday speech, matched both ways: "Port Isabel SPC"
# finds "Port Isabel Service Processing Center" and the other way round.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "spc": ("service", "processing", "center"),
    "ipc": ("ice", "processing", "center"),
    "cdf": ("contract", "detention", "facility"),
    "dc": ("detention", "center"),
    "df": ("detention", "facility"),
    "frc": ("family", "residential", "center"),
    "cc": ("correctional", "center"),
}
_PIECE = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """Folded words of ``text`` (accents and case ignored), split on white space, hyphens and slashes."""
    return fold_for_search(text).replace("-", " ").replace("/", " ").split()


def _facility_words(fac: Facility) -> set[str]:
    """Each word of the name, aliases, city and external id, and the pieces of those with punctuation
    ("(CECOT)" -> "cecot", "Anne's" -> "anne", "s"), plus what abbreviations stand for."""
    words = set(search_words(" ".join([fac.name, *(fac.aliases or []), fac.city or "", fac.external_id or ""])))
    words |= {p for w in words for p in _PIECE.findall(w)}
    for abbr, expansion in _ABBREVIATIONS.items():
        if abbr in words:
            words.update(expansion)
    return words


def _token_matches(token: str, words: set[str]) -> bool:
    if any(w.startswith(token) for w in words):
        return True
    expansion = _ABBREVIATIONS.get(token)
    return expansion is not None and all(w in words for w in expansion)


def _matches(fac: Facility, tokens: list[str]) -> bool:
    """Every word of the query begins a word of the name, an alias, the city or the external id."""
    words = _facility_words(fac)
    return all(_token_matches(t, words) for t in tokens)


def list_facilities(session: Session, org_id: uuid.UUID, *, q: str | None = None, state: str | None = None,
                    federal_district: str | None = None, type: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[Facility], int]:
    """Visible facilities in a stable order (name, id). ``q`` matches by word prefix in names, aliases, city and
    external id, accent- and case-insensitively, with the usual abbreviations ("SPC", "IPC") either way (the
    visible list is small: folding happens here, identically on both backends)."""
    conds: list[Any] = [visible(org_id)]
    if state:
        conds.append(Facility.state == state.strip().upper())
    if federal_district:
        conds.append(Facility.federal_district == federal_district.strip().lower())
    if type:
        conds.append(Facility.type == type)
    order = (col(Facility.name), col(Facility.id))
    tokens = search_words(q) if q else []
    if tokens:
        rows = [f for f in session.exec(select(Facility).where(*conds).order_by(*order)).all()
                if _matches(f, tokens)]
        return rows[offset:offset + limit], len(rows)
    total = int(session.execute(sa.select(sa.func.count()).select_from(Facility).where(*conds)).scalar_one())
    rows = list(session.exec(select(Facility).where(*conds).order_by(*order)
                             .limit(limit).offset(offset)).all())
    return rows, total


def _venue(body: FacilityCreate) -> tuple[str | None, str | None]:
    """(federal_district, circuit) for a facility, or 422 with the rule's code (as the CSV import reports)."""
    try:
        return resolve_venue(body.country, body.state, body.federal_district, body.county)
    except FacilityRuleError as rule:
        raise invalid(rule.field, rule.code, rule.message) from None


def _field_office(value: str | None) -> str | None:
    try:
        return resolve_field_office(value)
    except FacilityRuleError as rule:
        raise invalid(rule.field, rule.code, rule.message) from None


def _check_external_id_free(session: Session, org_id: uuid.UUID, external_id: str) -> None:
    dup = session.exec(select(Facility.id).where(Facility.organization_id == org_id,
                                                 Facility.external_id == external_id)).first()
    if dup is not None:
        raise conflict("facility_exists", "The organization already has a facility with this external_id.")


def create_facility(ctx: AuditActor, session: Session, body: FacilityCreate) -> Facility:
    """Create an organization-owned facility (district validated or derived); audited; one commit."""
    district, circuit = _venue(body)
    office = _field_office(body.ice_field_office)
    if body.external_id:
        _check_external_id_free(session, ctx.org_id, body.external_id)
    data = body.model_dump(exclude={"federal_district", "ice_field_office", "type"})
    fac = Facility(organization_id=ctx.org_id, type=body.type.value, federal_district=district, circuit=circuit,
                   ice_field_office=office, verified=False, **data)
    session.add(fac)
    session.flush()
    audit.record(session, ctx, "facility.create", "facility", fac.id, {"fields": sorted(body.model_fields_set)})
    session.commit()
    return fac


# --- PATCH: the organization's overlay on a shared facility, or its own facility ------------------

_OVERLAY_ONLY = frozenset({"notes", "verified", "verified_at"})


def update_facility(ctx: AuditActor, session: Session, facility_id: uuid.UUID, body: FacilityUpdate,
                    expected_version: int) -> MergedFacility:
    """Apply a PATCH (If-Match ``expected_version``): the caller organization's overlay on a shared
    facility, or the fields of one of its own facilities. Audited with field names only; one commit."""
    fac = visible_row(session, ctx.org_id, facility_id)
    fields = set(body.model_fields_set)
    if not fields:
        raise invalid("body", "empty_update", "Send at least one field to change.")
    if fac.organization_id is None:
        return update_overlay(ctx, session, fac, body, fields, expected_version)
    return _update_own(ctx, session, fac, body, fields, expected_version)


def _update_own(ctx: AuditActor, session: Session, fac: Facility, body: FacilityUpdate, fields: set[str],
                expected_version: int) -> MergedFacility:
    overlay_only = sorted(fields & _OVERLAY_ONLY)
    if overlay_only:
        raise ProblemError(422, "own_facility_field",
                           "notes and verification belong to an organization's overlay on a shared facility; "
                           "on your own facility, edit its fields (e.g. visitation_info) directly.",
                           extra={"errors": [{"loc": ["body", f], "msg": "only on shared facilities",
                                              "type": "own_facility_field"} for f in overlay_only]})
    current = {name: getattr(fac, name) for name in FacilityCreate.model_fields}
    changes = body.model_dump(include=fields)
    if ("state" in fields or "country" in fields) and "federal_district" not in fields:
        current["federal_district"] = None  # re-derived (or required) for the new place
    try:
        merged = FacilityCreate.model_validate({**current, **changes})
    except ValidationError as exc:
        raise ProblemError(422, "validation_error", "The request is not valid.", extra={"errors": [
            {"loc": ["body", *[str(p) for p in e["loc"]]], "msg": str(e["msg"])[:300], "type": e["type"]}
            for e in exc.errors()]}) from None
    district, circuit = _venue(merged)
    office = _field_office(merged.ice_field_office)
    if merged.external_id and merged.external_id != fac.external_id:
        _check_external_id_free(session, ctx.org_id, merged.external_id)
    claim_version(session, fac, expected_version)
    values = merged.model_dump(exclude={"federal_district", "ice_field_office", "type"})
    values.update(type=merged.type.value, federal_district=district, circuit=circuit, ice_field_office=office)
    for name, value in values.items():
        setattr(fac, name, value)
    fac.updated_at = utcnow()
    session.add(fac)
    audit.record(session, ctx, "facility.update", "facility", fac.id, {"fields": sorted(fields)})
    session.commit()
    return MergedFacility(fac)
