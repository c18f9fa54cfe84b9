"""Routes of the casework floor: the client record with its custody (list, detail, create, change, delete),
the CSV intake, recording a custody event, and the staff status view. HTTP only: the use cases are in this
package's modules, the rules in the domains."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import File, Query, Request, Response, UploadFile, status

from app.auth.deps import (
    Caller,
    DeleteClients,
    ExportOrganization,
    ImportClients,
    ReadAlerts,
    ReadClients,
    ReadDeadlines,
    WriteClients,
    WriteCustody,
    read_actor,
    run_side_effects,
)
from app.casework import client_import, client_records, custody_events, exports, intake, status_view
from app.casework.schemas import ImportReport
from app.clients import service as clients_service
from app.clients.schemas import ClientCreate, ClientDetail, ClientListItem, ClientUpdate
from app.core.clock import Now
from app.core.concurrency import require_if_match, set_etag
from app.core.errors import ProblemError
from app.core.pagination import Limit, Offset, Page
from app.core.routing import api_router, attachment
from app.core.spreadsheet import csv_text
from app.core_data.countries import normalize_country_code
from app.custody.schemas import CustodyEventCreate, CustodyEventCreated, CustodyEventPublic, StatusView
from app.custody.statuses import CustodyStatus

router = api_router(tags=["clients"])


# --- clients -------------------------------------------------------------------------------------

@router.get("/clients", response_model=Page[ClientListItem])
def list_clients(
    ctx: ReadClients,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status_: Annotated[CustodyStatus | None, Query(alias="status")] = None,
    facility_id: uuid.UUID | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    group: uuid.UUID | None = None,
    has_active_protection: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ClientListItem]:
    """Clients of the organization; search by name (accent-insensitive) or A-number, filter by custody."""
    if country is not None:
        try:
            country = normalize_country_code(country)
        except ValueError:
            raise ProblemError(422, "invalid_country", "Not an ISO 3166-1 alpha-2 country code.") from None
    filters = client_records.ClientFilters(q=q, status=status_.value if status_ else None, facility_id=facility_id,
                                           country=country, group=group,
                                           has_active_protection=has_active_protection)
    items, total = client_records.list_clients(ctx.session, ctx.org_id, filters, limit, offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/clients", response_model=ClientDetail, status_code=201)
def create_client(body: ClientCreate, response: Response, ctx: WriteClients) -> ClientDetail:
    """Create a client (A-number normalised; 409 ``a_number_conflict`` if the organization has it)."""
    client = clients_service.create_client(ctx, ctx.session, body)
    set_etag(response, client.version)
    return client_records.to_detail(ctx.session, client)


@router.post("/clients/import", response_model=ImportReport)
def import_clients(
    file: Annotated[UploadFile, File(description="CSV file, UTF-8; see docs/clients_csv.md")],
    ctx: ImportClients,
    partial: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """CSV intake: validate every row, dedupe, all-or-nothing unless ``partial``; ``dry_run`` writes nothing."""
    data = file.file.read(ctx.settings.max_import_bytes + 1)
    if len(data) > ctx.settings.max_import_bytes:
        raise ProblemError(413, "payload_too_large", "The file is too large.")
    return client_import.import_clients(ctx, ctx.session, data, partial=partial, dry_run=dry_run)


# --- exports -------------------------------------------------------------------------------------

ExportFormat = Annotated[Literal["csv", "xlsx"], Query(alias="format")]
_EXPORT_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}, exports.XLSX: {}},
                                                      "description": "CSV or XLSX file"}}


def _export(request: Request, ctx: Caller, entity: str, fmt: str) -> Response:
    # An export is a read that writes one audit entry, so it runs in a write transaction of its own.
    with request.app.state.db.session(write=True) as ws:
        content, media, name = exports.export_table(ctx, ws, entity, "xlsx" if fmt == "xlsx" else "csv")
    return attachment(content, media, name)


@router.get("/clients/export", response_class=Response, responses=_EXPORT_DOC)
def export_clients(request: Request, ctx: ReadClients, fmt: ExportFormat = "csv") -> Response:
    """The organization's clients with their current custody (no privileged notes); audited."""
    return _export(request, ctx, "clients", fmt)


@router.get("/custody-events/export", response_class=Response, responses=_EXPORT_DOC, tags=["custody"])
def export_custody_events(request: Request, ctx: ReadClients, fmt: ExportFormat = "csv") -> Response:
    """Every custody event of the organization's clients, retracted ones flagged; audited."""
    return _export(request, ctx, "custody_events", fmt)


@router.get("/deadlines/export", response_class=Response, responses=_EXPORT_DOC, tags=["deadlines"])
def export_deadlines(request: Request, ctx: ReadDeadlines, fmt: ExportFormat = "csv") -> Response:
    """Every deadline of the organization's clients, by due instant; audited."""
    return _export(request, ctx, "deadlines", fmt)


@router.get("/alerts/export", response_class=Response, responses=_EXPORT_DOC, tags=["alerts"])
def export_alerts(request: Request, ctx: ReadAlerts, fmt: ExportFormat = "csv") -> Response:
    """Every alert of the organization, open and acknowledged; audited."""
    return _export(request, ctx, "alerts", fmt)


@router.get("/organization/export", tags=["organization"])
def export_organization(request: Request, ctx: ExportOrganization) -> Response:
    """Everything the organization holds, as one JSON document (admins; secrets and stored PDFs left out;
    encrypted client fields decrypted), to move to another system. Audited."""
    with request.app.state.db.session(write=True) as ws:
        document = exports.organization_export(ctx, ws)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return attachment(body, "application/json", "organization-export.json")


@router.get("/clients/import/template.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "CSV template"}})
def import_template(ctx: ImportClients) -> Response:
    """A CSV with every intake column and one fictional example row (docs/clients_csv.md explains each)."""
    return _csv(csv_text(list(intake.COLUMNS), [list(intake.TEMPLATE_EXAMPLE.get(c, "") for c in intake.COLUMNS)]),
                "client-intake-template.csv")


@router.post("/clients/import/errors.csv", response_class=Response,
             responses={200: {"content": {"text/csv": {}}, "description": "row errors as CSV"}})
def import_error_report(
    file: Annotated[UploadFile, File(description="CSV file, UTF-8; see docs/clients_csv.md")],
    ctx: ImportClients,
) -> Response:
    """Check a client CSV without importing it (a dry run) and download its errors as a CSV to fix in the
    spreadsheet: line, column, code, message."""
    data = file.file.read(ctx.settings.max_import_bytes + 1)
    if len(data) > ctx.settings.max_import_bytes:
        raise ProblemError(413, "payload_too_large", "The file is too large.")
    try:  # a file that is not a client CSV at all (encoding, header) has no rows to report on
        intake.read_records(intake.decode(data))
    except intake.FileProblem as exc:
        raise ProblemError(422, "import_invalid", "The file cannot be read as a client CSV.",
                           extra={"errors": exc.errors}) from None
    report = client_import.import_clients(ctx, ctx.session, data, partial=True, dry_run=True)
    rows = [[e.get("line"), e.get("column") or "", e.get("code"), e.get("message")] for e in report.errors]
    return _csv(csv_text(["line", "column", "code", "message"], rows), "client-intake-errors.csv")


def _csv(text: str, filename: str) -> Response:
    return attachment(text.encode("utf-8"), "text/csv; charset=utf-8", filename)


@router.get("/clients/{client_id}", response_model=ClientDetail)
def get_client(client_id: uuid.UUID, response: Response, ctx: ReadClients) -> ClientDetail:
    """One client, with privileged notes (staff only)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    set_etag(response, client.version)
    return client_records.to_detail(ctx.session, client)


@router.patch("/clients/{client_id}", response_model=ClientDetail)
def update_client(client_id: uuid.UUID, body: ClientUpdate, request: Request, response: Response,
                  ctx: WriteClients) -> ClientDetail:
    """Change fields of a client (If-Match required)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    expected = require_if_match(request)
    client = clients_service.update_client(ctx, ctx.session, client, body, expected)
    set_etag(response, client.version)
    return client_records.to_detail(ctx.session, client)


@router.delete("/clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_client(client_id: uuid.UUID, request: Request, ctx: DeleteClients) -> Response:
    """Soft-delete a client (attorney or admin; If-Match required)."""
    client = clients_service.get_client(ctx.session, ctx.org_id, client_id)
    expected = require_if_match(request)
    client_records.delete_client(ctx, ctx.session, client, expected)
    return Response(status_code=204)


# --- custody events and the status view ----------------------------------------------------------

@router.post("/clients/{client_id}/custody-events", response_model=CustodyEventCreated, status_code=201,
             tags=["custody"])
def create_custody_event(client_id: uuid.UUID, body: CustodyEventCreate, ctx: WriteCustody) -> CustodyEventCreated:
    """Record where a client is (append-only); the answer carries the alerts the event raised."""
    recorded = custody_events.record_custody_event(ctx, ctx.session, client_id, body)
    return CustodyEventCreated(event=CustodyEventPublic.of(recorded.event, recorded.facility),
                               alerts=recorded.alerts)


@router.get("/clients/{client_id}/status", response_model=StatusView, tags=["custody"])
def client_status(client_id: uuid.UUID, request: Request, ctx: ReadClients, now: Now) -> StatusView:
    """Current status with source, confidence and age; facility and district; protections, alerts, deadlines."""
    return status_view.read_status(read_actor(ctx), ctx.session, client_id, now,
                                   lambda fn: run_side_effects(request, ctx, fn))

