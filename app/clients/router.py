"""/clients, /proceedings, /groups and the CSV intake (DESIGN §7). HTTP only: rules live in the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, File, Query, Request, Response, UploadFile, status

from app.auth.deps import Ctx, require
from app.auth.permissions import Permission
from app.clients import groups as groups_service
from app.clients import importer, service
from app.clients import proceedings as proceedings_service
from app.clients.schemas import (
    ClientCreate,
    ClientDetail,
    ClientListItem,
    ClientUpdate,
    GroupCreate,
    GroupDetail,
    GroupMembersIn,
    GroupMembersResult,
    GroupPublic,
    ImportReport,
    ProceedingCreate,
    ProceedingPublic,
    ProceedingUpdate,
)
from app.core.concurrency import require_if_match, set_etag
from app.core.errors import ProblemError
from app.core.pagination import MAX_LIMIT, MAX_OFFSET, Page
from app.core.routing import api_router
from app.core_data.countries import normalize_country_code
from app.custody.statuses import CustodyStatus

router = api_router(tags=["clients"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


# --- clients -------------------------------------------------------------------------------------

@router.get("/clients", response_model=Page[ClientListItem])
def list_clients(
    ctx: Ctx = Depends(require(Permission.clients_read)),
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
    filters = service.ClientFilters(q=q, status=status_.value if status_ else None, facility_id=facility_id,
                                    country=country, group=group, has_active_protection=has_active_protection)
    items, total = service.list_clients(ctx.session, ctx.org_id, filters, limit, offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/clients", response_model=ClientDetail, status_code=201)
def create_client(body: ClientCreate, response: Response,
                  ctx: Ctx = Depends(require(Permission.clients_write))) -> ClientDetail:
    """Create a client (A-number normalised; 409 ``a_number_conflict`` if the organization has it)."""
    client = service.create_client(ctx, ctx.session, body)
    set_etag(response, client.version)
    return service.to_detail(ctx.session, client)


@router.post("/clients/import", response_model=ImportReport)
def import_clients(
    file: Annotated[UploadFile, File(description="CSV file, UTF-8; see docs/clients_csv.md")],
    ctx: Ctx = Depends(require(Permission.clients_import)),
    partial: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """CSV intake: validate every row, dedupe, all-or-nothing unless ``partial``; ``dry_run`` writes nothing."""
    data = file.file.read(ctx.settings.max_import_bytes + 1)
    if len(data) > ctx.settings.max_import_bytes:
        raise ProblemError(413, "payload_too_large", "The file is too large.")
    return importer.import_clients(ctx, ctx.session, data, partial=partial, dry_run=dry_run)


@router.get("/clients/{client_id}", response_model=ClientDetail)
def get_client(client_id: uuid.UUID, response: Response,
               ctx: Ctx = Depends(require(Permission.clients_read))) -> ClientDetail:
    """One client, with privileged notes (staff only)."""
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    set_etag(response, client.version)
    return service.to_detail(ctx.session, client)


@router.patch("/clients/{client_id}", response_model=ClientDetail)
def update_client(client_id: uuid.UUID, body: ClientUpdate, request: Request, response: Response,
                  ctx: Ctx = Depends(require(Permission.clients_write))) -> ClientDetail:
    """Change fields of a client (If-Match required)."""
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    expected = require_if_match(request)
    client = service.update_client(ctx, ctx.session, client, body, expected)
    set_etag(response, client.version)
    return service.to_detail(ctx.session, client)


@router.delete("/clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_client(client_id: uuid.UUID, request: Request,
                  ctx: Ctx = Depends(require(Permission.clients_delete))) -> Response:
    """Soft-delete a client (attorney or admin; If-Match required)."""
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    expected = require_if_match(request)
    service.delete_client(ctx, ctx.session, client, expected)
    return Response(status_code=204)


# --- proceedings ---------------------------------------------------------------------------------

@router.get("/clients/{client_id}/proceedings", response_model=Page[ProceedingPublic])
def list_proceedings(client_id: uuid.UUID, ctx: Ctx = Depends(require(Permission.clients_read)),
                     limit: Limit = 50, offset: Offset = 0) -> Page[ProceedingPublic]:
    """The client's proceedings, oldest first."""
    service.ensure_client(ctx.session, ctx.org_id, client_id)
    rows, total = proceedings_service.list_proceedings(ctx.session, ctx.org_id, client_id, limit, offset)
    return Page(items=[proceedings_service.to_public(p) for p in rows], total=total, limit=limit, offset=offset)


@router.post("/clients/{client_id}/proceedings", response_model=ProceedingPublic, status_code=201)
def create_proceeding(client_id: uuid.UUID, body: ProceedingCreate, response: Response,
                      ctx: Ctx = Depends(require(Permission.clients_write))) -> ProceedingPublic:
    """Open a proceeding (a case in one forum) for the client."""
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    proc = proceedings_service.create_proceeding(ctx, ctx.session, client, body)
    set_etag(response, proc.version)
    return proceedings_service.to_public(proc)


@router.get("/proceedings/{proceeding_id}", response_model=ProceedingPublic)
def get_proceeding(proceeding_id: uuid.UUID, response: Response,
                   ctx: Ctx = Depends(require(Permission.clients_read))) -> ProceedingPublic:
    """One proceeding."""
    proc = service.get_proceeding(ctx.session, ctx.org_id, proceeding_id)
    set_etag(response, proc.version)
    return proceedings_service.to_public(proc)


@router.patch("/proceedings/{proceeding_id}", response_model=ProceedingPublic)
def update_proceeding(proceeding_id: uuid.UUID, body: ProceedingUpdate, request: Request, response: Response,
                      ctx: Ctx = Depends(require(Permission.clients_write))) -> ProceedingPublic:
    """Change fields of a proceeding (If-Match required)."""
    proc = service.get_proceeding(ctx.session, ctx.org_id, proceeding_id)
    expected = require_if_match(request)
    proc = proceedings_service.update_proceeding(ctx, ctx.session, proc, body, expected)
    set_etag(response, proc.version)
    return proceedings_service.to_public(proc)


# --- groups --------------------------------------------------------------------------------------

@router.get("/groups", response_model=Page[GroupPublic])
def list_groups(ctx: Ctx = Depends(require(Permission.clients_read)), limit: Limit = 50,
                offset: Offset = 0) -> Page[GroupPublic]:
    """Groups of the organization with their member counts."""
    items, total = groups_service.list_groups(ctx.session, ctx.org_id, limit, offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/groups", response_model=GroupPublic, status_code=201)
def create_group(body: GroupCreate, response: Response,
                 ctx: Ctx = Depends(require(Permission.clients_write))) -> GroupPublic:
    """Create a named group of clients (e.g. everyone on one flight)."""
    group = groups_service.create_group(ctx, ctx.session, body)
    set_etag(response, group.version)
    return groups_service.to_public(ctx.session, group, 0)


@router.get("/groups/{group_id}", response_model=GroupDetail)
def get_group(group_id: uuid.UUID, response: Response,
              ctx: Ctx = Depends(require(Permission.clients_read))) -> GroupDetail:
    """One group with its members."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    set_etag(response, group.version)
    return groups_service.to_detail(ctx.session, group)


@router.post("/groups/{group_id}/members", response_model=GroupMembersResult)
def add_group_members(group_id: uuid.UUID, body: GroupMembersIn,
                      ctx: Ctx = Depends(require(Permission.clients_write))) -> GroupMembersResult:
    """Add clients to a group (idempotent; an unknown client id writes nothing: 404 ``client_not_found``)."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    return groups_service.add_members(ctx, ctx.session, group, body.client_ids)


@router.delete("/groups/{group_id}/members/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_member(group_id: uuid.UUID, client_id: uuid.UUID,
                        ctx: Ctx = Depends(require(Permission.clients_write))) -> Response:
    """Remove one client from a group."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    groups_service.remove_member(ctx, ctx.session, group, client)
    return Response(status_code=204)
