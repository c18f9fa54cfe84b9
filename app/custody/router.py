"""/facilities and the custody history (read, retract). Recording an event and the status view are casework
(``app.casework.router``): they reach into protection and deadlines. HTTP only: rules live in the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import File, Query, Request, Response, UploadFile

from app.auth.deps import ReadClients, WriteCustody, WriteFacilities
from app.clients import service as clients_service
from app.core import audit
from app.core.concurrency import require_if_match, set_etag
from app.core.errors import ProblemError
from app.core.pagination import Limit, Offset, Page
from app.core.routing import api_router
from app.custody import facilities as facilities_service
from app.custody import service
from app.custody.facility_csv import parse_facilities_csv
from app.custody.facility_schemas import FacilityCreate, FacilityImportReport, FacilityPublic, FacilityUpdate
from app.custody.schemas import CustodyEventPublic, RetractBody
from app.custody.statuses import FacilityType

router = api_router(tags=["custody"])

_FILE_PROBLEMS = frozenset({"invalid_encoding", "empty_file", "unknown_column", "missing_column", "malformed_csv"})



# --- facilities ----------------------------------------------------------------------------------

@router.get("/facilities", response_model=Page[FacilityPublic])
def list_facilities(
    ctx: ReadClients,
    q: Annotated[str | None, Query(max_length=200)] = None,
    state: Annotated[str | None, Query(max_length=2)] = None,
    federal_district: Annotated[str | None, Query(max_length=8)] = None,
    type: FacilityType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FacilityPublic]:
    """Shared (seeded) facilities and the organization's own; search by name, filter by place and type."""
    rows, total = facilities_service.list_facilities(
        ctx.session, ctx.org_id, q=q, state=state, federal_district=federal_district,
        type=type.value if type else None, limit=limit, offset=offset)
    merged = facilities_service.merge_all(ctx.session, ctx.org_id, rows)
    return Page(items=[FacilityPublic.of(f) for f in merged], total=total, limit=limit, offset=offset)


@router.post("/facilities", response_model=FacilityPublic, status_code=201)
def create_facility(body: FacilityCreate, response: Response,
                    ctx: WriteFacilities) -> FacilityPublic:
    """Add an organization-owned facility (federal district validated, or derived from the state)."""
    fac = facilities_service.create_facility(ctx, ctx.session, body)
    set_etag(response, fac.version)
    return FacilityPublic.of(fac)


@router.post("/facilities/import", response_model=FacilityImportReport)
def import_facilities(
    file: Annotated[UploadFile, File(description="CSV file; see docs/facilities_csv.md")],
    ctx: WriteFacilities,
    dry_run: bool = False,
) -> FacilityImportReport:
    """Import the organization's own facilities from CSV (all-or-nothing, idempotent upsert)."""
    data = file.file.read(ctx.settings.max_import_bytes + 1)
    if len(data) > ctx.settings.max_import_bytes:
        raise ProblemError(413, "payload_too_large", "The file is too large.")
    rows, errors = parse_facilities_csv(data)
    if any(e["code"] == "too_many_rows" for e in errors):
        raise ProblemError(413, "too_many_rows", "At most 10,000 rows per file.")
    if any(e["code"] in _FILE_PROBLEMS for e in errors):
        # Not a facility CSV at all (encoding, header): there are no rows to report on, dry run or not.
        raise ProblemError(422, "import_invalid", "The file cannot be read as a facility CSV.",
                           extra={"errors": errors})
    if not errors:
        report = facilities_service.upsert_facilities(ctx.session, rows, org_id=ctx.org_id, dry_run=dry_run,
                                                      columns=facilities_service.csv_columns(data))
        errors = report["errors"]
    if errors:
        if dry_run:
            return FacilityImportReport(created=0, updated=0, unchanged=0, errors=errors, dry_run=True)
        raise ProblemError(422, "import_invalid", "Some rows are invalid; nothing was imported.",
                           extra={"errors": errors})
    if not dry_run:
        audit.record(ctx.session, ctx, "facility.import", "facility", None,
                     {k: report[k] for k in ("created", "updated", "unchanged")})
        ctx.session.commit()
    return FacilityImportReport(**report)


@router.get("/facilities/{facility_id}", response_model=FacilityPublic)
def get_facility(facility_id: uuid.UUID, response: Response,
                 ctx: ReadClients) -> FacilityPublic:
    """One facility (shared, with the organization's overlay merged in, or the organization's own). The ETag
    of a shared facility is its overlay's version ("0" before the first PATCH)."""
    fac = facilities_service.facility_for(ctx.session, ctx.org_id, facility_id)
    set_etag(response, fac.etag_version)
    return FacilityPublic.of(fac)


@router.patch("/facilities/{facility_id}", response_model=FacilityPublic)
def update_facility(facility_id: uuid.UUID, body: FacilityUpdate, request: Request, response: Response,
                    ctx: WriteFacilities) -> FacilityPublic:
    """Change a facility (If-Match required). On a shared facility this writes only the caller organization's
    overlay (custodian_name, custodian_title, phone, notes, verified/verified_at); other organizations never
    see it. On the organization's own facility it changes the facility's fields."""
    expected = require_if_match(request)
    fac = facilities_service.update_facility(ctx, ctx.session, facility_id, body, expected)
    set_etag(response, fac.etag_version)
    return FacilityPublic.of(fac)


# --- custody events ------------------------------------------------------------------------------

@router.get("/clients/{client_id}/custody-events", response_model=Page[CustodyEventPublic])
def list_custody_events(client_id: uuid.UUID, ctx: ReadClients,
                        include_retracted: bool = True, limit: Limit = 50,
                        offset: Offset = 0) -> Page[CustodyEventPublic]:
    """The client's custody history, newest first (retracted events are flagged)."""
    clients_service.ensure_client(ctx.session, ctx.org_id, client_id)
    rows, total = service.list_events(ctx.session, ctx.org_id, client_id, limit=limit, offset=offset,
                                      include_retracted=include_retracted)
    facs = service.facilities_by_id(ctx.session, {e.facility_id for e in rows if e.facility_id})
    confirmed = service.confirmed_report_ids(ctx.session, {e.id for e in rows if e.source_type == "family_report"})
    items = [CustodyEventPublic.of(e, facs.get(e.facility_id) if e.facility_id else None, confirmed) for e in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/custody-events/{event_id}/retract", response_model=CustodyEventPublic)
def retract_custody_event(event_id: uuid.UUID, body: RetractBody,
                          ctx: WriteCustody) -> CustodyEventPublic:
    """Retract an event with a reason (it stays in the history; 409 ``already_retracted``)."""
    ev = service.retract_event(ctx, ctx.session, event_id, body.reason)
    fac = service.facilities_by_id(ctx.session, {ev.facility_id}) if ev.facility_id else {}
    return CustodyEventPublic.of(ev, fac.get(ev.facility_id) if ev.facility_id else None)
