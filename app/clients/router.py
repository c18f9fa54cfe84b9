"""/clients, /proceedings, /groups and the CSV intake (docs/design.md#api-surface). HTTP only: rules live in the
services."""

from __future__ import annotations

import uuid

from fastapi import Request, Response, status

from app.auth.deps import ReadClients, WriteClients
from app.clients import groups as groups_service
from app.clients import proceedings as proceedings_service
from app.clients import service
from app.clients.group_schemas import GroupCreate, GroupDetail, GroupMembersIn, GroupMembersResult, GroupPublic
from app.clients.proceeding_schemas import ProceedingCreate, ProceedingPublic, ProceedingUpdate
from app.core.concurrency import require_if_match, set_etag
from app.core.pagination import Limit, Offset, Page
from app.core.routing import api_router

router = api_router(tags=["clients"])



# --- proceedings ---------------------------------------------------------------------------------

@router.get("/clients/{client_id}/proceedings", response_model=Page[ProceedingPublic])
def list_proceedings(client_id: uuid.UUID, ctx: ReadClients,
                     limit: Limit = 50, offset: Offset = 0) -> Page[ProceedingPublic]:
    """The client's proceedings, oldest first."""
    service.ensure_client(ctx.session, ctx.org_id, client_id)
    rows, total = proceedings_service.list_proceedings(ctx.session, ctx.org_id, client_id, limit, offset)
    return Page(items=[ProceedingPublic.of(p) for p in rows], total=total, limit=limit, offset=offset)


@router.post("/clients/{client_id}/proceedings", response_model=ProceedingPublic, status_code=201)
def create_proceeding(client_id: uuid.UUID, body: ProceedingCreate, response: Response,
                      ctx: WriteClients) -> ProceedingPublic:
    """Open a proceeding (a case in one forum) for the client."""
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    proc = proceedings_service.create_proceeding(ctx, ctx.session, client, body)
    set_etag(response, proc.version)
    return ProceedingPublic.of(proc)


@router.get("/proceedings/{proceeding_id}", response_model=ProceedingPublic)
def get_proceeding(proceeding_id: uuid.UUID, response: Response,
                   ctx: ReadClients) -> ProceedingPublic:
    """One proceeding."""
    proc = service.get_proceeding(ctx.session, ctx.org_id, proceeding_id)
    set_etag(response, proc.version)
    return ProceedingPublic.of(proc)


@router.patch("/proceedings/{proceeding_id}", response_model=ProceedingPublic)
def update_proceeding(proceeding_id: uuid.UUID, body: ProceedingUpdate, request: Request, response: Response,
                      ctx: WriteClients) -> ProceedingPublic:
    """Change fields of a proceeding (If-Match required)."""
    proc = service.get_proceeding(ctx.session, ctx.org_id, proceeding_id)
    expected = require_if_match(request)
    proc = proceedings_service.update_proceeding(ctx, ctx.session, proc, body, expected)
    set_etag(response, proc.version)
    return ProceedingPublic.of(proc)


# --- groups --------------------------------------------------------------------------------------

@router.get("/groups", response_model=Page[GroupPublic])
def list_groups(ctx: ReadClients, limit: Limit = 50,
                offset: Offset = 0) -> Page[GroupPublic]:
    """Groups of the organization with their member counts."""
    items, total = groups_service.list_groups(ctx.session, ctx.org_id, limit, offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/groups", response_model=GroupPublic, status_code=201)
def create_group(body: GroupCreate, response: Response,
                 ctx: WriteClients) -> GroupPublic:
    """Create a named group of clients (e.g. everyone on one flight)."""
    group = groups_service.create_group(ctx, ctx.session, body)
    set_etag(response, group.version)
    return GroupPublic.of(group, 0)


@router.get("/groups/{group_id}", response_model=GroupDetail)
def get_group(group_id: uuid.UUID, response: Response,
              ctx: ReadClients) -> GroupDetail:
    """One group with its members."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    set_etag(response, group.version)
    return groups_service.to_detail(ctx.session, group)


@router.post("/groups/{group_id}/members", response_model=GroupMembersResult)
def add_group_members(group_id: uuid.UUID, body: GroupMembersIn,
                      ctx: WriteClients) -> GroupMembersResult:
    """Add clients to a group (idempotent; an unknown client id writes nothing: 404 ``client_not_found``)."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    return groups_service.add_members(ctx, ctx.session, group, body.client_ids)


@router.delete("/groups/{group_id}/members/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_group_member(group_id: uuid.UUID, client_id: uuid.UUID,
                        ctx: WriteClients) -> Response:
    """Remove one client from a group."""
    group = groups_service.get_group(ctx.session, ctx.org_id, group_id)
    client = service.get_client(ctx.session, ctx.org_id, client_id)
    groups_service.remove_member(ctx, ctx.session, group, client)
    return Response(status_code=204)
