"""Facility use cases: the shared seeded list (organization_id NULL) plus each organization's own.

Shared facilities are loaded with ``dueprocess seed-facilities`` / ``import-facilities FILE`` (an
idempotent upsert keyed as docs/facilities_csv.md says); organizations add their own through the API.
An organization annotates a shared facility through its overlay (``FacilityOverlay``: custodian, phone,
notes, who verified them when); every read for that organization — list, get, and ``facility_for`` /
``merged_by_id`` used by filings and the status view — merges the overlay over the shared row
(docs/facilities.md).
"""

from __future__ import annotations

import csv
import re
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core import audit
from app.core.concurrency import check_version, claim_version
from app.core.errors import ProblemError, conflict, not_found
from app.core.types import utcnow
from app.core_data.districts import DISTRICTS, district_display_name
from app.core_data.names import fold_for_search
from app.custody.facility_csv import facility_identity
from app.custody.facility_rules import FacilityRuleError, resolve_field_office, resolve_venue
from app.custody.models import Facility, FacilityOverlay
from app.custody.schemas import OVERLAY_FIELDS, FacilityCreate, FacilityPublic, FacilitySummary, FacilityUpdate

# Columns an import may set (CSV column -> model attribute; ``notes`` goes to visitation_info).
IMPORT_FIELDS: tuple[str, ...] = (
    "external_id", "name", "aliases", "type", "operator", "address", "city", "state", "zip", "county", "country",
    "federal_district", "circuit", "ice_field_office", "immigration_court", "ice_detloc_code", "phone",
    "custodian_name", "custodian_title", "source", "as_of", "verified", "visitation_info",
)


def visible(org_id: uuid.UUID) -> Any:
    """Shared facilities and the organization's own."""
    return sa.or_(Facility.organization_id.is_(None), Facility.organization_id == org_id)  # type: ignore[union-attr,arg-type]


class MergedFacility:
    """A facility as one organization sees it: the row, with that organization's overlay merged over a
    shared row (an overlay value wins when set; the shared value shows through otherwise). Read-only, and
    never added to a session, so nothing of the overlay can be written into the shared row. Attributes
    other than the overlay's are the row's."""

    __slots__ = ("overlay", "row")
    _MERGED = ("custodian_name", "custodian_title", "phone")

    def __init__(self, row: Facility, overlay: FacilityOverlay | None = None) -> None:
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "overlay", overlay if row.organization_id is None else None)

    def __getattr__(self, name: str) -> Any:  # only for names that are not defined below
        return getattr(self.row, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a merged facility is read-only")

    def _pick(self, name: str) -> Any:
        value = getattr(self.overlay, name) if self.overlay is not None else None
        return value if value is not None else getattr(self.row, name)

    @property
    def custodian_name(self) -> str | None:
        return self._pick("custodian_name")  # type: ignore[no-any-return]

    @property
    def custodian_title(self) -> str | None:
        return self._pick("custodian_title")  # type: ignore[no-any-return]

    @property
    def phone(self) -> str | None:
        return self._pick("phone")  # type: ignore[no-any-return]

    @property
    def notes(self) -> str | None:
        return self.overlay.notes if self.overlay is not None else None

    @property
    def verified_by(self) -> uuid.UUID | None:
        return self.overlay.verified_by if self.overlay is not None else None

    @property
    def verified_at(self) -> Any:
        return self.overlay.verified_at if self.overlay is not None else None

    @property
    def shared(self) -> bool:
        return self.row.organization_id is None

    @property
    def overlay_version(self) -> int | None:
        """The version an If-Match on a shared facility refers to (0: no overlay yet); None for own rows."""
        if not self.shared:
            return None
        return self.overlay.version if self.overlay is not None else 0

    @property
    def overlay_fields(self) -> list[str]:
        if self.overlay is None:
            return []
        names = (*self._MERGED, "notes", "verified_by", "verified_at")
        return [n for n in names if getattr(self.overlay, n) is not None]

    @property
    def etag_version(self) -> int:
        ov = self.overlay_version
        return ov if ov is not None else self.row.version


def _overlays(session: Session, org_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, FacilityOverlay]:
    if not ids:
        return {}
    rows = session.exec(select(FacilityOverlay).where(
        FacilityOverlay.organization_id == org_id, FacilityOverlay.facility_id.in_(ids))).all()  # type: ignore[attr-defined]
    return {o.facility_id: o for o in rows}


def merge_all(session: Session, org_id: uuid.UUID, facilities: list[Facility]) -> list[MergedFacility]:
    """The organization's view of these facilities (one query for the overlays of the shared ones)."""
    overlays = _overlays(session, org_id, {f.id for f in facilities if f.organization_id is None})
    return [MergedFacility(f, overlays.get(f.id)) for f in facilities]


def merge(session: Session, org_id: uuid.UUID, fac: Facility) -> MergedFacility:
    return merge_all(session, org_id, [fac])[0]


def _visible_row(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID) -> Facility:
    fac = session.get(Facility, facility_id)
    if fac is None or (fac.organization_id is not None and fac.organization_id != org_id):
        raise not_found("facility_not_found", "No such facility.")
    return fac


def facility_for(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID) -> MergedFacility:
    """The facility as the organization sees it (overlay merged); another organization's own facility and
    a missing one are both 404 ``facility_not_found``. This is the read filings and status views use."""
    return merge(session, org_id, _visible_row(session, org_id, facility_id))


def merged_by_id(session: Session, org_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, MergedFacility]:
    """Several facilities by id, as the organization sees them (ids it may not see are left out)."""
    if not ids:
        return {}
    rows = session.exec(select(Facility).where(Facility.id.in_(ids), visible(org_id))).all()  # type: ignore[attr-defined]
    return {m.id: m for m in merge_all(session, org_id, list(rows))}


def to_public(fac: Facility | MergedFacility) -> FacilityPublic:
    m = fac if isinstance(fac, MergedFacility) else MergedFacility(fac)
    row = m.row
    return FacilityPublic(
        id=row.id, shared=m.shared, external_id=row.external_id, name=row.name,
        aliases=list(row.aliases or []), type=row.type, operator=row.operator, address=row.address, city=row.city,
        state=row.state, zip=row.zip, county=row.county, country=row.country, federal_district=row.federal_district,
        federal_district_name=district_name(row.federal_district),
        circuit=row.circuit, ice_field_office=row.ice_field_office, immigration_court=row.immigration_court,
        ice_detloc_code=row.ice_detloc_code, phone=m.phone, visitation_info=row.visitation_info,
        custodian_name=m.custodian_name, custodian_title=m.custodian_title, source=row.source, as_of=row.as_of,
        verified=row.verified, version=row.version, created_at=row.created_at, updated_at=row.updated_at,
        notes=m.notes, verified_by=m.verified_by, verified_at=m.verified_at, overlay_fields=m.overlay_fields,
        overlay_version=m.overlay_version,
    )


def district_name(court_id: str | None) -> str | None:
    """"District of Maryland" for ``mdd``; None for no or an unknown id."""
    return district_display_name(court_id) if court_id is not None and court_id in DISTRICTS else None


def to_summary(fac: Facility) -> FacilitySummary:
    return FacilitySummary(id=fac.id, name=fac.name, type=fac.type, city=fac.city, state=fac.state,
                           country=fac.country, federal_district=fac.federal_district)


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
    order = (Facility.name, Facility.id)
    tokens = search_words(q) if q else []
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
    """(federal_district, circuit) for a facility, or 422 with the rule's code (as the CSV import reports)."""
    try:
        return resolve_venue(body.country, body.state, body.federal_district, body.county)
    except FacilityRuleError as rule:
        raise _invalid(rule.field, rule.code, rule.message) from None


def _field_office(value: str | None) -> str | None:
    try:
        return resolve_field_office(value)
    except FacilityRuleError as rule:
        raise _invalid(rule.field, rule.code, rule.message) from None


def _check_external_id_free(session: Session, org_id: uuid.UUID, external_id: str) -> None:
    dup = session.exec(select(Facility.id).where(Facility.organization_id == org_id,
                                                 Facility.external_id == external_id)).first()
    if dup is not None:
        raise conflict("facility_exists", "The organization already has a facility with this external_id.")


def create_facility(ctx: Any, session: Session, body: FacilityCreate) -> Facility:
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
_OVERLAY_COLUMNS = ("custodian_name", "custodian_title", "phone", "notes")


def update_facility(ctx: Any, session: Session, facility_id: uuid.UUID, body: FacilityUpdate,
                    expected_version: int) -> MergedFacility:
    """Apply a PATCH (If-Match ``expected_version``): the caller organization's overlay on a shared
    facility, or the fields of one of its own facilities. Audited with field names only; one commit."""
    fac = _visible_row(session, ctx.org_id, facility_id)
    fields = set(body.model_fields_set)
    if not fields:
        raise _invalid("body", "empty_update", "Send at least one field to change.")
    if fac.organization_id is None:
        return _update_overlay(ctx, session, fac, body, fields, expected_version)
    return _update_own(ctx, session, fac, body, fields, expected_version)


def _update_overlay(ctx: Any, session: Session, fac: Facility, body: FacilityUpdate, fields: set[str],
                    expected_version: int) -> MergedFacility:
    reference = sorted(fields - set(OVERLAY_FIELDS))
    if reference:
        message = ("This is a shared facility: its reference data is the same for every organization and "
                   "changes only through the shared list. Your organization can set "
                   + ", ".join(OVERLAY_FIELDS) + ".")
        raise ProblemError(422, "shared_facility_field", message, extra={"errors": [
            {"loc": ["body", f], "msg": "not editable on a shared facility", "type": "shared_facility_field"}
            for f in reference]})
    now = utcnow()
    verified_by, verified_at = _verification(ctx, body, fields, now)
    overlay = session.exec(select(FacilityOverlay).where(
        FacilityOverlay.organization_id == ctx.org_id, FacilityOverlay.facility_id == fac.id)).first()
    if overlay is None:
        check_version(expected_version, 0)
        overlay = FacilityOverlay(organization_id=ctx.org_id, facility_id=fac.id, created_at=now)
    else:
        claim_version(session, overlay, expected_version)
    for name in _OVERLAY_COLUMNS:
        if name in fields:
            setattr(overlay, name, getattr(body, name))
    if fields & {"verified", "verified_at"}:
        overlay.verified_by, overlay.verified_at = verified_by, verified_at
    overlay.updated_at = now
    session.add(overlay)
    try:
        session.flush()
    except IntegrityError:
        # Two first PATCHes with If-Match "0" raced: the other one created the overlay.
        session.rollback()
        raise ProblemError(412, "version_conflict", "The record changed since you read it; reload and try again.",
                           extra={"current_version": 1}) from None
    audit.record(session, ctx, "facility.overlay_update", "facility", fac.id, {"fields": sorted(fields)})
    session.commit()
    return MergedFacility(fac, overlay)


def _verification(ctx: Any, body: FacilityUpdate, fields: set[str], now: Any) -> tuple[uuid.UUID | None, Any]:
    """(verified_by, verified_at) after this PATCH: the caller checked the overlay now (``verified: true``)
    or at ``verified_at``; ``verified: false`` or ``verified_at: null`` clears both."""
    if "verified" in fields and body.verified is False:
        if body.verified_at is not None:
            raise _invalid("verified_at", "verified_conflict", "verified is false but verified_at is set.")
        return None, None
    if "verified_at" in fields and body.verified_at is None and body.verified is not True:
        return None, None
    when = body.verified_at or now
    if when > now:
        raise _invalid("verified_at", "verified_in_future", "verified_at is in the future.")
    return ctx.user_id, when


def _update_own(ctx: Any, session: Session, fac: Facility, body: FacilityUpdate, fields: set[str],
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


# --- CSV upsert (shared seed list or an organization's own list) --------------------------------

def _column_limits() -> dict[str, int]:
    table = Facility.__table__  # type: ignore[attr-defined]
    return {c.name: c.type.length for c in table.columns if getattr(c.type, "length", None)}


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
